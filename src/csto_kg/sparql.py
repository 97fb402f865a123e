"""Running SPARQL queries on the store and writing their results in standard formats."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox

from .problems import CstoKgError

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class BadQuery(CstoKgError):
    status = 400


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
    """Results in ``fmt`` (json, xml, csv, tsv, table for SELECT/ASK; turtle, ntriples, jsonld, xml for graphs)."""
    if result.kind in ("select", "ask"):
        if fmt == "table":
            return table(result).encode("utf-8")
        if fmt not in RESULT_FORMATS:
            raise BadQuery(f"{fmt} is not a format for SELECT/ASK results; use one of table, " + ", ".join(RESULT_FORMATS))
        return result.value.serialize(format=RESULT_FORMATS[fmt])
    if fmt in ("json", "table"):
        fmt = "jsonld" if fmt == "json" else "turtle"
    if fmt not in GRAPH_FORMATS:
        raise BadQuery(f"{fmt} is not a format for CONSTRUCT/DESCRIBE results; use one of " + ", ".join(GRAPH_FORMATS))
    return ox.serialize(result.value, format=GRAPH_FORMATS[fmt])


def _term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
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


__all__ = ["BadQuery", "Result", "run", "serialize", "table", "csv"]
