"""What a query is and what it would call, read from its tokens without a full SPARQL parse.

The endpoint must know a query's form (to negotiate a format before running it), whether it
is an update (refused), whether it names its own dataset (``FROM``) and which ``SERVICE``
endpoints it would call (refused unless allow-listed) -- all before the engine sees it.
A tokenizer is enough for that and takes microseconds; the answer is cached per query text.

The scan errs on the side of refusing: ``\\u`` escapes are decoded first (SPARQL decodes them
before parsing, so ``\\u0053ERVICE`` is ``SERVICE``), and a ``SERVICE`` whose target is a
variable, an unknown prefix or anything but an IRI counts as not allow-listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
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


@dataclass(frozen=True)
class QueryInfo:
    """The facts the endpoint needs about a query text."""

    form: str | None  # "select", "ask", "graph"; "update"; None when it is neither (a syntax error)
    services: tuple[str | None, ...]  # SERVICE targets as IRIs; None for a variable or unreadable target
    has_dataset: bool  # the query has FROM or FROM NAMED


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(_CODEPOINT.sub(_decode, text)):
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


def _expand(kind: str, value: str, base: str, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return urljoin(base, value[1:-1]) if base else value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix not in prefixes:
            return None
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


@lru_cache(maxsize=4096)
def inspect(text: str) -> QueryInfo:
    """The form, SERVICE targets and dataset clause of ``text``; cached per text."""
    tokens = _tokens(text)
    base, prefixes = "", {}
    form: str | None = None
    services: list[str | None] = []
    has_dataset = False
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
        elif word == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "SILENT":
                j += 1
            target = tokens[j] if j < len(tokens) else ("", "")
            services.append(_expand(target[0], target[1], base, prefixes))
        i += 1
    return QueryInfo(form, tuple(services), has_dataset)


def refused_services(info: QueryInfo, allow: frozenset[str]) -> list[str]:
    """The SERVICE targets of a query that are not in ``allow`` (a variable shows as ``?var``)."""
    return [s if s is not None else "a variable or unreadable IRI" for s in info.services if s not in allow]
