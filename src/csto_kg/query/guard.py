"""What a query is and what it would call, read from its tokens without a full SPARQL parse.

The endpoint must know a query's form (to negotiate a format before running it), whether it
is an update (refused), whether it names its own dataset (``FROM``), which ``SERVICE``
endpoints it would call (refused unless allow-listed) and how deeply it nests (refused past a
cap, before any parser recurses into it) -- all before the engine sees it. A tokenizer is
enough for that and takes microseconds; the answer is cached per (short) query text.

The guard must see exactly what the engine sees. SPARQL's ``\\u``/``\\U`` escapes are read two
ways: the Recommendation decodes them in the whole text before parsing, Oxigraph only inside
strings and IRIs. The text is tokenized both ways; when the two readings differ in structure
(an escaped quote that ends a string in one reading and not in the other, an escaped keyword),
the query is ambiguous and refused, and the SERVICE targets of both readings are checked. A
``SERVICE`` whose target is a variable, an unknown prefix or anything but an IRI counts as not
allow-listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

MAX_QUERY_CHARS = 1 << 20  # no query text may be longer, whatever the channel
MAX_DEPTH = 256  # groups, parentheses and brackets inside one another
MAX_TERMS = 20_000  # groups, parentheses and operators in all: each may be a level of the parsed tree
CACHE_MAX_CHARS = 16_384  # longer texts are checked each time rather than held in the caches

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
              |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'
              |"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7-\uffff]*)?:(?:[\w\-.:%\u00b7-\uffff]|\\[^\s])*)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
QUERY_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


_OPENERS, _CLOSERS = "{([", "})]"
_OPERATORS = set("!|&/^=<>+-*")


@dataclass(frozen=True)
class QueryInfo:
    """The facts the endpoint needs about a query text."""

    form: str | None  # "select", "ask", "graph"; "update"; None when it is neither (a syntax error)
    services: tuple[str | None, ...]  # SERVICE targets as IRIs; None for a variable or unreadable target
    has_dataset: bool  # the query has FROM or FROM NAMED
    depth: int = 0  # how deeply groups, parentheses and brackets nest
    terms: int = 0  # groups, parentheses and operators in all
    ambiguous: bool = False  # \u escapes make the text read differently by the Recommendation and the engine
    # the FROM ("from") and FROM NAMED ("named") clauses, each with its IRI (None when unreadable)
    dataset: tuple[tuple[str, str | None], ...] = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        value = match.group()
        if kind == "pname" and value.endswith("."):  # `ex:a .` ends a triple; a local name never ends in "."
            out.append((kind, value.rstrip(".")))
            out.extend(("other", ".") for _ in range(len(value) - len(value.rstrip("."))))
            continue
        out.append((kind, value))
    return out


def _decode(match: re.Match) -> str:
    try:
        return chr(int(match.group(1) or match.group(2), 16))
    except (ValueError, OverflowError):
        return match.group()


def _engine_reading(text: str) -> list[tuple[str, str]]:
    """The tokens as Oxigraph reads them: escapes decoded only inside IRIs (and strings, whose values do not matter here)."""
    return [(kind, _CODEPOINT.sub(_decode, value) if kind == "iri" else value) for kind, value in _tokens(text)]


def _recommendation_reading(text: str) -> list[tuple[str, str]]:
    """The tokens as SPARQL 1.1 (section 19.2) reads them: escapes decoded in the whole text first."""
    return _tokens(_CODEPOINT.sub(_decode, text))


def _expand(kind: str, value: str, base: str, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return urljoin(base, value[1:-1]) if base else value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix not in prefixes:
            return None
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _read(tokens: list[tuple[str, str]]) -> tuple[str | None, list[str | None], bool, list[tuple[str, str | None]]]:
    """The form, SERVICE targets and dataset clause (whether there is one, and its graphs) in ``tokens``."""
    base, prefixes = "", {}
    form: str | None = None
    services: list[str | None] = []
    has_dataset = False
    dataset: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        word = value.upper() if kind == "word" else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if word == "BASE" and nxt[0] == "iri":
            base = _expand("iri", nxt[1], base, {}) or ""
            i += 2
            continue
        if word == "PREFIX" and nxt[0] == "pname" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[nxt[1].rstrip(":")] = _expand("iri", tokens[i + 2][1], base, {}) or ""
            i += 3
            continue
        if form is None and word:
            form = QUERY_FORMS.get(word, "update" if word in UPDATE_WORDS else None)
            if form is None:
                break
        elif word == "FROM":
            has_dataset = True
            named = nxt[0] == "word" and nxt[1].upper() == "NAMED"
            graph = tokens[i + 2 if named else i + 1] if i + (2 if named else 1) < len(tokens) else ("", "")
            dataset.append(("named" if named else "from", _expand(graph[0], graph[1], base, prefixes)))
        elif word == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "SILENT":
                j += 1
            target = tokens[j] if j < len(tokens) else ("", "")
            services.append(_expand(target[0], target[1], base, prefixes))
        i += 1
    return form, services, has_dataset, dataset


def _shape(tokens: list[tuple[str, str]]) -> tuple[int, int]:
    """How deeply ``tokens`` nest, and how many groups, parentheses and operators they hold."""
    depth = deepest = terms = 0
    for kind, value in tokens:
        if kind != "other":
            if kind == "word" and value.upper() in ("UNION", "MINUS", "OPTIONAL"):
                terms += 1
            continue
        if value in _OPENERS:
            depth += 1
            terms += 1
            deepest = max(deepest, depth)
        elif value in _CLOSERS:
            depth -= 1
        elif value in _OPERATORS:
            terms += 1
    return deepest, terms


def inspect(text: str) -> QueryInfo:
    """The form, SERVICE targets, dataset clause and nesting of ``text``; cached per short text."""
    return _inspect(text) if len(text) <= CACHE_MAX_CHARS else _inspect.__wrapped__(text)


@lru_cache(maxsize=4096)
def _inspect(text: str) -> QueryInfo:
    engine = _engine_reading(text)
    form, services, has_dataset, dataset = _read(engine)
    depth, terms = _shape(engine)
    ambiguous = False
    if _CODEPOINT.search(text):
        spec = _recommendation_reading(text)
        ambiguous = [kind for kind, _ in spec] != [kind for kind, _ in engine]
        spec_form, spec_services, spec_dataset, _ = _read(spec)
        services += [s for s in spec_services if s not in services]  # refused if either reading calls it
        has_dataset = has_dataset or spec_dataset
        if spec_form == "update":
            form = "update"
    return QueryInfo(form, tuple(services), has_dataset, depth, terms, ambiguous, tuple(dataset))


def refused_services(info: QueryInfo, allow: frozenset[str]) -> list[str]:
    """The SERVICE targets of a query that are not in ``allow`` (a variable shows as ``?var``)."""
    return [s if s is not None else "a variable or unreadable IRI" for s in info.services if s not in allow]
