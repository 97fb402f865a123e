"""What the graph says about one resource: its concise bounded description, plus labels.

The description of a resource is every triple whose subject is the resource, followed
through blank nodes (a concise bounded description), the triples whose object is the
resource (which makes it the symmetric description), and the ``rdfs:label`` of every
IRI these mention, so that a reader of the RDF alone can show names instead of IRIs.
Triples come from the union of all named graphs. No web framework here: the pages and
the content negotiation in :mod:`csto_kg.web` are thin shells over these functions.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph

from ..graph import jsonld
from ..graph.formats import Format
from ..graph.sparql_terms import iri as sparql_iri
from ..store import Store
from ..graph.vocab import ID, OWL, PREFIXES, RDFS, SKOS, expand
from ..records.kinds import ENTITY_SECTIONS, KINDS
from ..records.match import UNNAMED_KINDS, Candidate, SlugIndex, close_matches

MAX_BNODE_DEPTH = 4
MAX_INBOUND = 5000


def exists(store: Store, iri: str) -> bool:
    """Whether the graph says anything about ``iri`` as a subject."""
    return bool(store.query(f"ASK {{ {sparql_iri(iri)} ?p ?o }}"))


def renamed(store: Store, iri: str, base: str = ID) -> str | None:
    """The IRI that ``iri`` now has, when it is (or is inside) a record's former name: the record's
    resource states ``owl:sameAs`` the old IRI, and the rest of the path is kept
    (``.../meeting/old/participation/1`` -> ``.../meeting/new/participation/1``). None when no
    resource, or more than one, took that name."""
    if not iri.startswith(base):
        return None
    parts = iri[len(base):].split("/")
    candidates = [base + "/".join(parts[:n]) for n in range(len(parts), 1, -1)]
    values = " ".join(sparql_iri(c) for c in candidates)
    found: dict[str, set[str]] = {}
    for row in store.query(f"SELECT ?old ?new WHERE {{ VALUES ?old {{ {values} }} ?new <{OWL.sameAs}> ?old }}"):
        found.setdefault(row["old"].value, set()).add(row["new"].value)
    for old in candidates:  # the longest name first
        if old in found:
            new = found[old]
            return next(iter(new)) + iri[len(old):] if len(new) == 1 else None
    return None


def description(store: Store, iri: str, inbound: bool = True) -> list[ox.Triple]:
    """The concise bounded description of ``iri`` plus the labels of the IRIs it links to, as
    triples (each once, in no particular order: :func:`serialize` sorts them).

    With ``inbound`` (the default) it is the symmetric description: the triples that
    point at ``iri`` are included too (at most :data:`MAX_INBOUND`), so that a person's
    description names the participations and appointments that refer to the person.

    Blank nodes are followed up to :data:`MAX_BNODE_DEPTH` steps (records produce none,
    but a store loaded by other means may hold some).

    A description of :data:`KEEP_FROM` triples or more (a state's at 10,000 meetings: reading the
    subjects of the 45,000 statements pointing at it and the labels of 5,000 takes the engine the
    better part of a second) is kept for the build (:data:`KEPT_TRIPLES` triples in all, the least
    recently asked dropped first), so that only its first reader waits for it.
    """
    build = store.build_id()
    key = (id(store), build, iri, inbound)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
            return list(kept)
    found: dict[ox.Triple, None] = {}  # the triples, each once
    subject = sparql_iri(iri)
    branches = [f"{{ BIND({subject} AS ?s) {subject} ?p ?o }}"]
    for depth in range(1, MAX_BNODE_DEPTH + 1):
        steps = []
        previous = subject
        for i in range(depth):
            steps.append(f"{previous} ?q{i} ?b{i} . FILTER isBlank(?b{i})")
            previous = f"?b{i}"
        branches.append("{ " + " ".join(steps) + f" BIND({previous} AS ?s) {previous} ?p ?o }}")
    for solution in store.query("SELECT DISTINCT ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }"):
        found[ox.Triple(solution["s"], solution["p"], solution["o"])] = None
    node = ox.NamedNode(iri)
    for s, p in first_inbound(store, iri, MAX_INBOUND) if inbound else ():
        found[ox.Triple(ox.NamedNode(s), ox.NamedNode(p), node)] = None
    linked = {t.object.value for t in found if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject.value for t in found if isinstance(t.subject, ox.NamedNode)}
    linked.discard(iri)
    if linked:
        values = " ".join(sparql_iri(o) for o in sorted(linked))
        query = f"SELECT DISTINCT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS.label}> ?label }}"
        label = ox.NamedNode(str(RDFS.label))
        for solution in store.query(query):
            found[ox.Triple(solution["s"], label, solution["label"])] = None
    triples = list(found)
    if build is not None and KEEP_FROM <= len(triples) <= KEPT_TRIPLES:
        with _KEPT_LOCK:
            _KEPT[key] = tuple(triples)
            held = sum(len(t) for t in _KEPT.values())
            while held > KEPT_TRIPLES:
                held -= len(_KEPT.popitem(last=False)[1])
    return triples


#: The descriptions kept per build: those of this many triples or more, this many triples in all (about
#: 200 bytes each).
KEEP_FROM = 1000
KEPT_TRIPLES = 200_000
_KEPT: OrderedDict[tuple, tuple[ox.Triple, ...]] = OrderedDict()  # (store, build, IRI, inbound) -> its triples
_KEPT_LOCK = threading.Lock()


def first_inbound(store: Store, iri: str, limit: int) -> list[tuple[str, str]]:
    """The first ``limit`` (subject IRI, predicate IRI) pairs of the statements whose object is
    ``iri`` (from a subject that is no blank node), by subject then predicate.

    Sorted here: sorted by the engine, which reads an IRI's text anew at every comparison, a state's
    28,000 took seconds. Reading the subjects' text is most of what is left (a state at 10,000
    meetings is the object of 45,000 statements): the engine counts them by predicate without reading
    any, and when there are more than ``limit``, each predicate's subjects are read apart, so that no
    predicate is read again for every statement. Blank nodes are left out here: a filter in the query
    reads every subject's text too.
    """
    o = sparql_iri(iri)
    predicates = [(row[0], int(row[1].value)) for row in
                  store.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p {o} }} GROUP BY ?p")]
    if sum(n for _, n in predicates) <= limit:
        pairs = {(row[0].value, row[1].value) for row in store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {o} }}")
                 if isinstance(row[0], ox.NamedNode)}
    else:
        pairs = set()
        for p, _ in predicates:
            pairs.update((row[0].value, p.value) for row in store.query(f"SELECT DISTINCT ?s WHERE {{ ?s {p} {o} }}")
                         if isinstance(row[0], ox.NamedNode))
    return sorted(pairs)[:limit]


def serialize(graph: Graph | Iterable[ox.Triple], fmt: Format) -> bytes:
    """``graph`` (an rdflib graph, or triples as :func:`description` gives them) in the RDF format
    ``fmt`` (one of :data:`csto_kg.graph.formats.RDF_FORMATS`), written by Oxigraph as the endpoint
    writes its answers, sorted (one block per subject) with the vocabulary's prefixes it uses;
    JSON-LD compacted with the vocabulary's prefixes as its context (:mod:`csto_kg.graph.jsonld`
    for triples; rdflib for a graph)."""
    if isinstance(graph, Graph):
        if fmt.oxigraph == ox.RdfFormat.JSON_LD:
            context = {prefix: namespace for prefix, namespace in PREFIXES.items()}
            return graph.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
        graph = ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    triples = sorted(graph, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))  # one block per subject
    if fmt.oxigraph == ox.RdfFormat.JSON_LD:
        return jsonld.serialize(triples, PREFIXES)
    iris = sorted({term.value for t in triples for term in t if isinstance(term, ox.NamedNode)})
    used = {prefix: namespace for prefix, namespace in PREFIXES.items() if _any_starts_with(iris, namespace)}
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=used)


def _any_starts_with(ordered: list[str], start: str) -> bool:
    """Whether a string of the sorted list ``ordered`` starts with ``start`` (the first not below it does, if any)."""
    at = bisect.bisect_left(ordered, start)
    return at < len(ordered) and ordered[at].startswith(start)


@dataclass(frozen=True)
class Suggestion:
    iri: str
    label: str
    why: str = ""  # the label or alternative label that matched, e.g. "alt label KSBNM"; "" for the slug


#: The classes whose instances have IRIs of each kind (records.kinds): suggestions are looked up
#: through the type index, never by scanning every quad.
KIND_CLASSES = {kind.name: [str(expand(cls)) for cls in kind.classes] for kind in KINDS}


def near_matches(store: Store, iri: str, limit: int = 5) -> list[Suggestion]:
    """Known resources whose IRI is close to ``iri`` (a mistyped or guessed slug).

    Candidates are first the resources of the same kind (``id/{kind}/``), compared by slug, label
    and alternative labels as a record's references are (:mod:`csto_kg.records.match`), then
    resources of any kind with the same slug (``id/person/russia`` -> ``id/state/russia``). Inside
    a meeting (``id/meeting/{slug}/participation/9``) the candidates are the meetings.
    """
    if not iri.startswith(ID):
        return []
    rest = iri[len(ID):]
    kind = rest.split("/", 1)[0]
    parts = rest.split("/")
    slug = parts[1] if len(parts) > 1 else ""
    names = {n: ID + n for n in _names_of_kind(store, kind) if ID + n != iri}
    wanted = "/".join(parts[:2])
    named = _names_and_labels(store, kind)
    if named:  # a label may match a slug far from it: every entity of the kind is a candidate
        matches = _slug_index(store, kind, named).close_matches(slug, n=limit)
    else:
        pool = _closest_first(wanted, names)
        candidates = [Candidate(n.split("/", 1)[1], named.get(n, ())) for n in pool if "/" in n]
        matches = close_matches(slug, candidates, n=limit)
    found = [names[f"{kind}/{m.slug}"] for m in matches]
    why = {names[f"{kind}/{m.slug}"]: m.why for m in matches}
    if wanted != rest and wanted in names and ID + wanted not in found:
        found.insert(0, ID + wanted)  # the meeting exists; the part inside it does not
    if len(found) < limit and slug:
        others = " ".join(sparql_iri(f"{ID}{k}/{slug}") for k in KIND_CLASSES if k != kind)
        for solution in store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {others} }} ?s a ?t }}"):
            if solution["s"].value not in found and len(found) < limit:
                found.append(solution["s"].value)
    labels: dict[str, str] = {}
    if found:
        values = " ".join(sparql_iri(c) for c in found)
        for solution in store.query(f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS.label}> ?l "
                                    "FILTER LANGMATCHES(LANG(?l), 'en') }"):
            labels.setdefault(solution["s"].value, solution["l"].value)
    return [Suggestion(c, labels.get(c, ""), why.get(c, "")) for c in found[:limit]]


_NAMES: dict[tuple, tuple[str, ...]] = {}


def _names_of_kind(store: Store, kind: str) -> tuple[str, ...]:
    """``{kind}/{slug}`` of every resource of a kind, through the type index; kept per build."""
    key = (id(store), store.build_id(), kind)
    if key not in _NAMES:
        classes = KIND_CLASSES.get(kind, [])
        prefix = ID + kind + "/"
        names: list[str] = []
        if classes:
            values = " ".join(sparql_iri(c) for c in classes)
            query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?t {{ {values} }} ?s a ?t }}"
            names = [row["s"].value[len(ID):] for row in store.query(query) if row["s"].value.startswith(prefix)]
        if len(_NAMES) > 64:
            _NAMES.clear()
        _NAMES[key] = tuple(sorted(names))
    return _NAMES[key]


_LABELS: dict[tuple, dict[str, tuple[tuple[str, str], ...]]] = {}


def _names_and_labels(store: Store, kind: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """``{kind}/{slug}`` -> the labels and alternative labels of every entity of a kind that records
    name (not sources, holdings, meetings), as :class:`~csto_kg.records.match.Candidate` names; kept per build."""
    if kind not in ENTITY_SECTIONS.values() or kind in UNNAMED_KINDS:
        return {}
    key = (id(store), store.build_id(), kind)
    if key not in _LABELS:
        values = " ".join(sparql_iri(c) for c in KIND_CLASSES[kind])
        query = (f"SELECT DISTINCT ?s ?p ?l WHERE {{ VALUES ?t {{ {values} }} ?s a ?t . "
                 f"VALUES ?p {{ <{RDFS.label}> <{SKOS.altLabel}> }} ?s ?p ?l }}")
        found: dict[str, set[tuple[str, str]]] = {}
        prefix = ID + kind + "/"
        for row in store.query(query):
            if row["s"].value.startswith(prefix):
                what = "alt label" if row["p"].value == str(SKOS.altLabel) else "label"
                found.setdefault(row["s"].value[len(ID):], set()).add((what, row["l"].value))
        if len(_LABELS) > 64:
            _LABELS.clear()
        _LABELS[key] = {name: tuple(sorted(labels)) for name, labels in found.items()}
    return _LABELS[key]


_SLUG_INDEXES: dict[tuple, SlugIndex] = {}


def _slug_index(store: Store, kind: str, named: dict[str, tuple[tuple[str, str], ...]]) -> SlugIndex:
    """The entities of a kind that records name, with their labels, prepared for matching; kept per build."""
    key = (id(store), store.build_id(), kind)
    if key not in _SLUG_INDEXES:
        if len(_SLUG_INDEXES) > 64:
            _SLUG_INDEXES.clear()
        _SLUG_INDEXES[key] = SlugIndex(Candidate(n.split("/", 1)[1], named.get(n, ()))
                                       for n in _names_of_kind(store, kind) if "/" in n)
    return _SLUG_INDEXES[key]


def _closest_first(wanted: str, names: dict[str, str], keep: int = 2000) -> list[str]:
    """At most ``keep`` names, those sharing the longest prefix with ``wanted`` first (matching is slow)."""
    if len(names) <= keep:
        return list(names)

    def shared(name: str) -> int:
        n = 0
        for a, b in zip(name, wanted):
            if a != b:
                break
            n += 1
        return n

    return sorted(names, key=shared, reverse=True)[:keep]
