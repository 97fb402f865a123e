"""Running SPARQL queries on the store and writing their results in standard formats.

The core of the endpoint, without a web framework, so the endpoint, the query workbench and
the command line share it:

- :func:`plan` reads a query (form, SERVICE targets, FROM) from its tokens, refuses updates
  and SERVICE calls that are not allow-listed, and negotiates the result format;
- :func:`execute` runs a plan on any store with ``.query(query, **options)`` and serializes
  the answer natively (pyoxigraph), at most ``max_rows`` rows, saying when it cut.

The time limit is enforced around :func:`execute` by :mod:`csto_kg.query.workers`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import pyoxigraph as ox

from ..graph.formats import RDF_FORMATS, RESULT_FORMATS, Format, NotAcceptable, acceptable, by_name, names, negotiate
from ..problems import CstoKgError
from .guard import CACHE_MAX_CHARS, MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS, inspect, refused_services

log = logging.getLogger(__name__)


class BadQuery(CstoKgError):
    status = 400


class UpdateRefused(CstoKgError):
    status = 403

    def __init__(self, message: str = ""):
        super().__init__(message or "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
                                    "DROP, ...) is refused; send a SELECT, ASK, CONSTRUCT or DESCRIBE query")


class QueryTooLarge(CstoKgError):
    status = 413


class ServiceRefused(CstoKgError):
    status = 403


class QueryFailed(CstoKgError):
    """An error raised elsewhere (a worker process, a SERVICE endpoint), with its own status."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Plan:
    """A checked query and the format its answer will be written in."""

    query: str
    form: str  # "select", "ask" or "graph"
    format: str  # the name of a format of csto_kg.graph.formats (a Plan goes to worker processes as it is)
    media_type: str
    has_dataset: bool = False
    dataset: tuple[tuple[str, str | None], ...] = ()  # the query's FROM / FROM NAMED graphs (QueryInfo.dataset)

    def __reduce__(self):  # pickled as its fields: a tenth of the default's cost, on every query sent to a worker
        return Plan, (self.query, self.form, self.format, self.media_type, self.has_dataset)


@dataclass(frozen=True)
class Answer:
    """A serialized answer; ``rows`` is None for ASK."""

    body: bytes
    media_type: str
    rows: int | None = None
    truncated: bool = False
    format: str = ""  # the name of its format

    def __reduce__(self):  # pickled as its fields, on every answer a worker sends back
        return Answer, (self.body, self.media_type, self.rows, self.truncated, self.format)

    @property
    def content_type(self) -> str:
        return by_name(self.format).content_type(self.media_type) if self.format else self.media_type


# -- planning


def plan(query: str, accept: str | None = None, allow: Iterable[str] = ()) -> Plan:
    """Check ``query`` and choose its format; refuses updates and SERVICE calls not in ``allow``.

    Cached per (short query, Accept, allow-list): a refusal is raised anew each time, never cached."""
    allow = allow if isinstance(allow, frozenset) else frozenset(allow)
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLarge(f"the query is {len(query):,} characters long; a query may be at most "
                            f"{MAX_QUERY_CHARS:,}")
    if len(query) <= CACHE_MAX_CHARS:
        return _plan(query, accept, allow)
    return _plan.__wrapped__(query, accept, allow)


@lru_cache(maxsize=4096)
def _plan(query: str, accept: str | None, allow: frozenset[str]) -> Plan:
    info = inspect(query)
    if info.form == "update":
        raise UpdateRefused()
    if info.ambiguous:
        raise BadQuery("the query's \\u escapes change how it reads: outside strings and IRIs, or as a quote or "
                       "backslash that ends a string, SPARQL engines read them differently. Write the characters "
                       "themselves (in a string, \\\" or \\' for a quote)")
    if info.depth > MAX_DEPTH:
        raise BadQuery(f"the query nests {info.depth} levels deep (groups, parentheses, brackets); the endpoint "
                       f"takes at most {MAX_DEPTH}. Flatten the query")
    if info.terms > MAX_TERMS:
        raise BadQuery(f"the query holds {info.terms:,} groups, parentheses and operators; the endpoint takes at "
                       f"most {MAX_TERMS:,}. For long alternatives use VALUES or IN (...) instead of chains of || "
                       "or UNION")
    refused = refused_services(info, frozenset(allow))
    if refused:
        allowed = ", ".join(sorted(allow)) or "none"
        raise ServiceRefused(f"SERVICE {refused[0]} is not allowed; this endpoint calls only: {allowed}. "
                             "The list is set by CSTO_KG_SERVICE_ALLOW")
    form = info.form or "select"  # not a query form: the engine reports the syntax error
    choice = negotiate(accept, RDF_FORMATS if form == "graph" else RESULT_FORMATS)
    return Plan(query, form, choice.format.name, choice.media_type, info.has_dataset, info.dataset)


def dataset_options(plan_: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()) -> dict:
    """Query options for the dataset: the protocol's graphs replace the query's FROM / FROM NAMED."""
    try:
        if default_graphs or named_graphs:
            return {"default_graph": [ox.NamedNode(g) for g in default_graphs] or [ox.DefaultGraph()],
                    "named_graphs": [ox.NamedNode(g) for g in named_graphs]}
    except ValueError as err:
        raise BadQuery(f"default-graph-uri and named-graph-uri must be absolute IRIs: {err}") from None
    if plan_.dataset and all(iri for _, iri in plan_.dataset):
        # the query's own dataset, passed on as the protocol's: a store that reads FROM alone as "and
        # every graph named" (Virtuoso) then answers as the Recommendation says, with no named graphs
        try:
            return {"default_graph": [ox.NamedNode(iri) for kind, iri in plan_.dataset if kind == "from"]
                    or [ox.DefaultGraph()],
                    "named_graphs": [ox.NamedNode(iri) for kind, iri in plan_.dataset if kind == "named"]}
        except ValueError:
            pass  # not an absolute IRI: the store reports it
    return {"use_default_graph_as_union": not plan_.has_dataset}


# -- execution


class _Full(Exception):
    pass


class _LineCap(io.RawIOBase):
    """A sink that keeps the first ``lines`` lines and stops the writer after that."""

    def __init__(self, lines: int):
        super().__init__()
        self.lines, self.seen, self.parts, self.cut = lines, 0, [], False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        if self.cut:
            raise _Full()
        count = data.count(b"\n")
        if self.lines and self.seen + count > self.lines:
            end = -1
            for _ in range(self.lines - self.seen):
                end = data.index(b"\n", end + 1)
            self.parts.append(data[:end + 1])
            self.seen, self.cut = self.lines, True
            raise _Full()
        self.parts.append(data)
        self.seen += count
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def _capped(write, lines: int) -> tuple[bytes, bool]:
    sink = _LineCap(lines)
    try:
        write(sink)
    except _Full:
        pass
    except Exception:
        if not sink.cut:  # pyoxigraph may wrap the sink's exception
            raise
    return sink.value(), sink.cut


def execute(store, plan_: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
    """Run ``plan_`` on ``store``; at most ``max_rows`` rows or triples (0: no cap)."""
    options = dataset_options(plan_, default_graphs, named_graphs)
    try:
        answer = store.query(plan_.query, **options)
    except SyntaxError as err:
        raise BadQuery(f"the query is not valid SPARQL 1.1: {_short(str(err))}") from None
    except OSError as err:
        raise _failed(plan_, err) from None
    try:
        fmt = by_name(plan_.format)
        if isinstance(answer, ox.QueryBoolean):
            if fmt not in RESULT_FORMATS:
                raise NotAcceptable(f"an ASK answer cannot be written as {plan_.media_type}; ask for one of: "
                                    + ", ".join(acceptable(RESULT_FORMATS)), acceptable(RESULT_FORMATS))
            return Answer(answer.serialize(format=fmt.oxigraph), plan_.media_type, format=fmt.name)
        if isinstance(answer, ox.QuerySolutions):
            tsv, cut = _capped(lambda out: answer.serialize(out, format=ox.QueryResultsFormat.TSV),
                               max_rows + 1 if max_rows else 0)
            rows = max(tsv.count(b"\n") - 1, 0)
            body = tsv if fmt.oxigraph == ox.QueryResultsFormat.TSV else ox.parse_query_results(
                tsv, ox.QueryResultsFormat.TSV).serialize(format=fmt.oxigraph)
            return Answer(body, plan_.media_type, rows, cut, fmt.name)
        # QueryTriples from pyoxigraph, or a list of triples from a remote store
        nt, cut = _capped(lambda out: ox.serialize(answer, out, format=ox.RdfFormat.N_TRIPLES), max_rows)
        body = nt if fmt.oxigraph == ox.RdfFormat.N_TRIPLES else ox.serialize(
            ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=fmt.oxigraph)
        return Answer(body, plan_.media_type, nt.count(b"\n"), cut, fmt.name)
    except (OSError, SyntaxError) as err:
        # the query was accepted; a SyntaxError now is an answer that broke off midway (a remote
        # store streams its answer and writes a failing SERVICE call's error into it), not the client's
        raise _failed(plan_, err) from None


def _failed(plan_: Plan, err: Exception) -> QueryFailed:
    """The client's error for a failure past parsing; the store's own words (paths, addresses) go to the log only."""
    if inspect(plan_.query).services:  # the allow-listed endpoint's own answer, which the client asked for
        return QueryFailed(f"a SERVICE endpoint the query calls failed: {_short(str(err))}", 502)
    log.error("the store failed a query: %s: %s", type(err).__name__, err)
    if isinstance(err, SyntaxError):
        return QueryFailed("the store's answer broke off; see the server's log", 502)
    return QueryFailed("the store could not answer the query; see the server's log")


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit].rstrip() + " …"


# -- the command line's simpler interface


@dataclass
class Result:
    """The outcome of a query: solutions, a boolean or triples."""

    kind: str  # "select", "ask" or "graph"
    value: object


def run(store, query: str, **options) -> Result:
    try:
        answer = store.query(query, **options)
    except SyntaxError as err:
        raise BadQuery(f"the query is not valid SPARQL 1.1: {err}") from None
    if isinstance(answer, ox.QueryBoolean):
        return Result("ask", answer)
    if isinstance(answer, ox.QuerySolutions):
        return Result("select", answer)
    return Result("graph", answer)


def serialize(result: Result, fmt: str) -> bytes:
    """Results in the format named ``fmt``: ``table`` or a results format for SELECT/ASK; an RDF format for
    graphs, where ``table`` is Turtle and a results format the RDF format the endpoint would answer with
    for its media types (``json``: JSON-LD, ``xml``: RDF/XML)."""
    if result.kind in ("select", "ask"):
        if fmt == "table":
            return table(result).encode("utf-8")
        if fmt not in names(RESULT_FORMATS):
            raise BadQuery(f"{fmt} is not a format for SELECT/ASK results; use one of table, "
                           + ", ".join(names(RESULT_FORMATS)))
        return result.value.serialize(format=by_name(fmt).oxigraph)
    rdf = _rdf_format(fmt)
    if rdf is None:
        raise BadQuery(f"{fmt} is not a format for CONSTRUCT/DESCRIBE results; use one of "
                       + ", ".join(n for n in ("table", *names()) if _rdf_format(n)))
    return ox.serialize(result.value, format=rdf.oxigraph)


def _rdf_format(name: str) -> Format | None:
    if name == "table":
        return RDF_FORMATS[0]
    if name not in names():
        return None
    fmt = by_name(name)
    if fmt.is_rdf:
        return fmt
    try:
        return negotiate(", ".join(fmt.media_types), RDF_FORMATS).format
    except NotAcceptable:
        return None


def _term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def table(result: Result) -> str:
    """A plain text table for people (SELECT) or ``true``/``false`` (ASK)."""
    if result.kind == "ask":
        return ("true" if bool(result.value) else "false") + "\n"
    names = [v.value for v in result.value.variables]
    rows = [[_term(solution[name]) for name in names] for solution in result.value]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    out = io.StringIO()
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()
