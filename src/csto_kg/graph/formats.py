"""The RDF and query-results formats csto-kg writes and reads, and the one content negotiator.

:data:`FORMATS` is the only place a format is described: its name, media types, file
suffixes, Oxigraph format, kind and W3C format IRI. Every surface that names formats takes
them from here: the endpoint's answers and its service description, resource IRIs and their
suffixes (``.ttl``, ``.jsonld``, …), the workbench's downloads, ``export`` and ``import``, a
remote store's answers and the command line's ``--format`` choices.

:func:`negotiate` chooses among formats by ``Accept`` with one rule everywhere: the highest
q-value wins, then the more specific media range (``text/csv`` over ``text/*`` over ``*/*``),
then the range listed first by the client, then the server's order (each format's
registered media type before any alias).

Imports pyoxigraph and :mod:`csto_kg.problems` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

import pyoxigraph as ox

from ..problems import CstoKgError

RESULTS = "results"  # SPARQL query results: SELECT solutions, ASK booleans
GRAPH = "graph"  # RDF that holds one graph
DATASET = "dataset"  # RDF that keeps named graphs (and can hold one graph as well)

W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each format is one object
class Format:
    """A format: its ``name`` is the command line's, its ``label`` is for people."""

    name: str
    label: str
    media_types: tuple[str, ...]  # the registered type first, then aliases clients send
    suffixes: tuple[str, ...] = ()  # without the dot; the first is the one this server writes
    kind: str = ""  # RESULTS, GRAPH or DATASET for the formats of the table
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    text: bool = True  # UTF-8 text: sent under a text/* media type, it says charset=utf-8
    iri: str | None = None  # the W3C format IRI (http://www.w3.org/ns/formats/)

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def is_rdf(self) -> bool:
        return self.kind in (GRAPH, DATASET)

    def content_type(self, media_type: str | None = None) -> str:
        """The ``Content-Type`` of an answer in this format sent as ``media_type`` (default: the registered one)."""
        media_type = media_type or self.media_type
        return media_type + ("; charset=utf-8" if self.text and media_type.startswith("text/") else "")

    def __repr__(self) -> str:
        return f"<Format {self.name}>"


#: Every format, in the order the server prefers them: results first, then RDF.
FORMATS: tuple[Format, ...] = (
    Format("json", "SPARQL JSON", ("application/sparql-results+json", "application/json"), ("json", "srj"),
           RESULTS, ox.QueryResultsFormat.JSON, iri=W3C + "SPARQL_Results_JSON"),
    Format("xml", "SPARQL XML", ("application/sparql-results+xml", "application/xml", "text/xml"), ("xml", "srx"),
           RESULTS, ox.QueryResultsFormat.XML, iri=W3C + "SPARQL_Results_XML"),
    Format("csv", "CSV", ("text/csv",), ("csv",), RESULTS, ox.QueryResultsFormat.CSV, iri=W3C + "SPARQL_Results_CSV"),
    Format("tsv", "TSV", ("text/tab-separated-values",), ("tsv",), RESULTS, ox.QueryResultsFormat.TSV,
           iri=W3C + "SPARQL_Results_TSV"),
    Format("turtle", "Turtle", ("text/turtle", "application/x-turtle"), ("ttl",), GRAPH, ox.RdfFormat.TURTLE,
           iri=W3C + "Turtle"),
    Format("ntriples", "N-Triples", ("application/n-triples", "text/plain"), ("nt",), GRAPH, ox.RdfFormat.N_TRIPLES,
           iri=W3C + "N-Triples"),
    Format("nquads", "N-Quads", ("application/n-quads",), ("nq", "nquads"), DATASET, ox.RdfFormat.N_QUADS,
           iri=W3C + "N-Quads"),
    Format("trig", "TriG", ("application/trig",), ("trig",), DATASET, ox.RdfFormat.TRIG, iri=W3C + "TriG"),
    # Oxigraph names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD; the W3C's list says this
    Format("jsonld", "JSON-LD", ("application/ld+json", "application/json"), ("jsonld", "json"), DATASET,
           ox.RdfFormat.JSON_LD, iri=W3C + "JSON-LD"),
    Format("rdfxml", "RDF/XML", ("application/rdf+xml", "application/xml", "text/xml"), ("rdf", "xml"), GRAPH,
           ox.RdfFormat.RDF_XML, iri=W3C + "RDF_XML"),
)
RESULT_FORMATS = tuple(f for f in FORMATS if f.kind == RESULTS)  # SELECT and ASK answers
RDF_FORMATS = tuple(f for f in FORMATS if f.is_rdf)  # CONSTRUCT and DESCRIBE answers, resource descriptions
DATASET_FORMATS = tuple(f for f in FORMATS if f.kind == DATASET)  # export and import: every named graph kept
_BY_NAME = {f.name: f for f in FORMATS}


def by_name(name: str) -> Format:
    """The format called ``name`` (``turtle``, ``nquads``, …); KeyError for any other."""
    return _BY_NAME[name]


def names(formats: Iterable[Format] = FORMATS) -> tuple[str, ...]:
    """The names of ``formats``, for a command line's choices."""
    return tuple(f.name for f in formats)


def by_suffix(suffix: str, formats: Iterable[Format] = FORMATS) -> Format | None:
    """The first of ``formats`` written with the file suffix ``suffix`` (no dot), or None."""
    return next((f for f in formats if suffix in f.suffixes), None)


def with_suffix(suffix: str, formats: Iterable[Format] = FORMATS) -> tuple[Format, ...]:
    """Every one of ``formats`` written with the file suffix ``suffix`` (``json``: SPARQL JSON and JSON-LD)."""
    return tuple(f for f in formats if suffix in f.suffixes)


def by_media_type(media_type: str, formats: Iterable[Format] = FORMATS) -> Format | None:
    """The first of ``formats`` sent as ``media_type`` (registered or alias), or None."""
    media_type = media_type.lower()
    return next((f for f in formats if media_type in f.media_types), None)


# -- content negotiation


class NotAcceptable(CstoKgError):
    """No offered format fits ``Accept``; ``acceptable`` lists the media types that would."""

    status = 406

    def __init__(self, message: str, acceptable: Sequence[str] = ()):
        super().__init__(message)
        self.acceptable = tuple(acceptable)


class Choice(NamedTuple):
    """What :func:`negotiate` chose: a format and the media type of it that the client asked for."""

    format: Format
    media_type: str

    @property
    def content_type(self) -> str:
        return self.format.content_type(self.media_type)


def offers(formats: Sequence[Format]) -> tuple[tuple[str, Format], ...]:
    """(media type, format) in the server's order: every registered type in the order of ``formats``,
    then the aliases, so that a wildcard never picks an alias; a type offered twice counts once."""
    return _offers(tuple(formats))


@lru_cache(maxsize=64)
def _offers(formats: tuple[Format, ...]) -> tuple[tuple[str, Format], ...]:
    found: dict[str, Format] = {}
    for position in range(max((len(f.media_types) for f in formats), default=0)):
        for fmt in formats:
            if position < len(fmt.media_types):
                found.setdefault(fmt.media_types[position], fmt)
    return tuple(found.items())


def acceptable(formats: Sequence[Format]) -> tuple[str, ...]:
    """The media types ``formats`` can be sent as, in the server's order."""
    return tuple(media_type for media_type, _ in offers(formats))


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs in the client's order; a malformed q counts as 1."""
    ranges = []
    for part in (header or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 1.0
                q = 1.0 if math.isnan(q) else min(max(q, 0.0), 1.0)
        ranges.append((media.lower(), q))
    return ranges


def specificity(media_range: str, media_type: str) -> int:
    """How ``media_range`` matches ``media_type``: 2 exactly, 1 as ``type/*``, 0 as ``*/*``, -1 not at all."""
    if media_range == media_type:
        return 2
    kind, _, sub = media_range.partition("/")
    if sub == "*" and media_type.startswith(kind + "/"):
        return 1
    return 0 if media_range in ("*/*", "*") else -1


def negotiate(accept: str | None, formats: Sequence[Format]) -> Choice:
    """The format of ``formats`` to answer with, and the media type the client asked for it by.

    Each offered media type takes the q of the most specific range that matches it; of those with
    q > 0 the highest q wins, then the more specific range, then the range the client listed
    first, then the server's order. Without ``Accept`` (or an empty one) the first format is the
    answer; when nothing fits, :class:`NotAcceptable` lists the types that would.
    """
    return _negotiate(accept, tuple(formats))


@lru_cache(maxsize=1024)  # clients send the same few Accept headers
def _negotiate(accept: str | None, formats: tuple[Format, ...]) -> Choice:
    offered = offers(formats)
    ranges = parse_accept(accept)
    if not ranges:
        media_type, fmt = offered[0]
        return Choice(fmt, media_type)
    best, best_key = None, None
    for media_type, fmt in offered:
        match = None  # (specificity, q, -position in Accept) of the most specific range that matches
        for position, (media_range, q) in enumerate(ranges):
            found = specificity(media_range, media_type)
            if found >= 0 and (match is None or (found, q, -position) > match):
                match = (found, q, -position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], match[2])
        if best_key is None or key > best_key:  # ties keep the earlier offer: the server's order
            best, best_key = Choice(fmt, media_type), key
    if best is None:
        types = acceptable(formats)
        raise NotAcceptable(f"none of the media types in Accept ({accept}) can be produced for this answer; "
                            f"ask for one of: {', '.join(types)}", types)
    return best
