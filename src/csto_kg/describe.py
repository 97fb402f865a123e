"""What the graph says about one resource: its concise bounded description, plus labels.

The description of a resource is every triple whose subject is the resource, followed
through blank nodes (a concise bounded description), the triples whose object is the
resource (which makes it the symmetric description), and the ``rdfs:label`` of every
IRI these mention, so that a reader of the RDF alone can show names instead of IRIs.
Triples come from the union of all named graphs. No web framework here: the pages and
the content negotiation in :mod:`csto_kg.web` are thin shells over these functions.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .resources import rdflib_term
from .vocab import ID, PREFIXES, RDFS

#: Serializations of a description: format name -> (rdflib format, media type, suffix).
RDF_FORMATS = {
    "turtle": ("turtle", "text/turtle", "ttl"),
    "ntriples": ("nt", "application/n-triples", "nt"),
    "jsonld": ("json-ld", "application/ld+json", "jsonld"),
    "rdfxml": ("xml", "application/rdf+xml", "rdf"),
}
SUFFIXES = {suffix: name for name, (_, _, suffix) in RDF_FORMATS.items()}
MAX_BNODE_DEPTH = 4
MAX_INBOUND = 5000


_to_rdflib = rdflib_term


def _escape(iri: str) -> str:
    return "<" + iri.replace("\\", "").replace(">", "%3E").replace("<", "%3C") + ">"


def exists(store, iri: str) -> bool:
    """Whether the graph says anything about ``iri`` as a subject."""
    return bool(store.query(f"ASK {{ {_escape(iri)} ?p ?o }}"))


def description(store, iri: str, inbound: bool = True) -> Graph:
    """The concise bounded description of ``iri`` plus the labels of the IRIs it links to.

    With ``inbound`` (the default) it is the symmetric description: the triples that
    point at ``iri`` are included too (at most :data:`MAX_INBOUND`), so that a person's
    description names the participations and appointments that refer to the person.

    Blank nodes are followed up to :data:`MAX_BNODE_DEPTH` steps (records produce none,
    but a store loaded by other means may hold some).
    """
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("id", ID)
    subject = _escape(iri)
    branches = [f"{{ BIND({subject} AS ?s) {subject} ?p ?o }}"]
    for depth in range(1, MAX_BNODE_DEPTH + 1):
        steps = []
        previous = subject
        for i in range(depth):
            steps.append(f"{previous} ?q{i} ?b{i} . FILTER isBlank(?b{i})")
            previous = f"?b{i}"
        branches.append("{ " + " ".join(steps) + f" BIND({previous} AS ?s) {previous} ?p ?o }}")
    for solution in store.query("SELECT DISTINCT ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }"):
        graph.add((_to_rdflib(solution["s"]), _to_rdflib(solution["p"]), _to_rdflib(solution["o"])))
    if inbound:
        query = f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {subject} FILTER (!isBlank(?s)) }} ORDER BY ?s ?p LIMIT {MAX_INBOUND}"
        for solution in store.query(query):
            graph.add((_to_rdflib(solution["s"]), _to_rdflib(solution["p"]), URIRef(iri)))
    linked = {o for o in graph.objects() if isinstance(o, URIRef)} | {s for s in graph.subjects() if isinstance(s, URIRef)}
    objects = sorted(linked - {URIRef(iri)})
    if objects:
        values = " ".join(_escape(str(o)) for o in objects)
        query = f"SELECT DISTINCT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS.label}> ?label }}"
        for solution in store.query(query):
            graph.add((_to_rdflib(solution["s"]), RDFS.label, _to_rdflib(solution["label"])))
    return graph


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` in one of :data:`RDF_FORMATS`."""
    rdflib_format = RDF_FORMATS[fmt][0]
    if fmt == "jsonld":
        context = {prefix: namespace for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format=rdflib_format, context=context, auto_compact=True).encode("utf-8")
    data = graph.serialize(format=rdflib_format)
    return data if isinstance(data, bytes) else data.encode("utf-8")


@dataclass(frozen=True)
class Suggestion:
    iri: str
    label: str


def near_matches(store, iri: str, limit: int = 5) -> list[Suggestion]:
    """Known resources whose IRI is close to ``iri`` (a mistyped or guessed slug).

    Candidates are first the resources of the same kind (``id/{kind}/``), then resources
    of any kind with the same slug (``id/person/russia`` -> ``id/state/russia``).
    """
    if not iri.startswith(ID):
        return []
    rest = iri[len(ID):]
    kind = rest.split("/", 1)[0]
    slug = rest.rsplit("/", 1)[-1]
    query = ("SELECT DISTINCT ?s (SAMPLE(?l) AS ?label) WHERE { ?s ?p ?o . "
             f"FILTER STRSTARTS(STR(?s), {_literal(ID + kind + '/')}) OPTIONAL {{ ?s <{RDFS.label}> ?l FILTER LANGMATCHES(LANG(?l), 'en') }} }} GROUP BY ?s")
    labels: dict[str, str] = {}
    for solution in store.query(query):
        labels[solution["s"].value] = solution["label"].value if solution["label"] is not None else ""
    candidates = [c for c in labels if c[len(ID):].count("/") == rest.count("/")] or list(labels)
    names = {c[len(ID):]: c for c in candidates}
    found = [names[n] for n in difflib.get_close_matches(rest, list(names), n=limit, cutoff=0.6)]
    if len(found) < limit and "/" in rest:
        query = ("SELECT DISTINCT ?s (SAMPLE(?l) AS ?label) WHERE { ?s ?p ?o . "
                 f"FILTER (STRSTARTS(STR(?s), {_literal(ID)}) && STRENDS(STR(?s), {_literal('/' + slug)})) "
                 f"OPTIONAL {{ ?s <{RDFS.label}> ?l FILTER LANGMATCHES(LANG(?l), 'en') }} }} GROUP BY ?s")
        for solution in store.query(query):
            other = solution["s"].value
            if other not in found and other != iri and len(found) < limit:
                found.append(other)
                labels[other] = solution["label"].value if solution["label"] is not None else ""
    return [Suggestion(c, labels.get(c, "")) for c in found]


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
