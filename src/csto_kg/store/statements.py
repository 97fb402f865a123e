"""What of each record's statements the build's files for the pages and the reconciliation service are made from.

The pages' summaries (:mod:`~csto_kg.store.summaries`) and the reconciliation service's names
(:mod:`~csto_kg.store.reconciliation`) read a few properties of the whole store: the store's
queries over all of it took seconds of the build's time after the new store was complete. The
build instead keeps, for each record, the few statements of its graph they read (its **part**,
made where the record's graph is at hand, in the worker that checks it) with the record's build
information, as JSON text (:func:`text`); an incremental build reads the unchanged records' parts
as they were. At the end they are merged (:class:`Statements`) and both files are computed from
them, in memory.

A part is JSON as it is: ``{subject: [predicate, object, predicate, object, ...]}``, the
predicates as the prefixed names of :data:`PREDICATES` (``a`` for ``rdf:type``, whose objects are
the prefixed names of :data:`CLASSES`), IRIs below ``https://w3id.org/csto-kg/id/`` without it
(``person/aleksandr-gorovoy``), any other IRI in ``<>``, a literal as ``"lexical form"`` with
``@lang`` after it when it has one, a blank node as ``_:label``. A record's part names its first
subject under the key ``""`` and writes it ``~`` where it starts an IRI of the part::

    {"": "meeting/2019-06-20-ccim-22",
     "~": ["a", "igo:Meeting", "schema:startDate", "\\"2019-06-20\\"", ...],
     "~/participation/1": ["igo:inMeeting", "~", "igo:participant", "person/aleksandr-gorovoy", ...]}

Labels (``rdfs:label``, ``skos:altLabel``) are kept only of the subjects the same part types with
one of the classes of the entities the service reconciles: a record's labels of its other parts
(every participation has one) would double the parts and are never read.
"""

from __future__ import annotations

import json
from typing import Iterable

import pyoxigraph as ox

from ..graph.names import ID, PREFIXES, expand
from ..graph.terms import IRI
from ..records.kinds import KINDS

#: The predicates whose statements a part keeps (by their prefixed names).
PREDICATES = (
    "schema:startDate", "igo:body", "igo:hostState", "igo:onBehalfOf", "igo:ofState", "igo:absentee",  # summaries
    "igo:post", "igo:actingPost",  # both
    "rdfs:label", "skos:altLabel", "skos:exactMatch", "igo:earliestDate", "igo:latestDate", "igo:participant",
    "igo:inMeeting", "igo:rank", "igo:holder", "org:member", "org:memberDuring", "time:hasBeginning",
    "time:hasEnd",  # reconciliation
)
#: The classes whose ``rdf:type`` statements a part keeps; those of the entities reconciled label them.
ENTITY_CLASSES = tuple(dict.fromkeys(cls for kind in KINDS for cls in kind.classes))
CLASSES = tuple(dict.fromkeys((*ENTITY_CLASSES, "igo:Meeting", "igo:RankHolding", "org:Membership")))
_RDF_TYPE = PREFIXES["rdf"] + "type"
_KEYS = {str(expand(name)): name for name in PREDICATES}
_KEYS[PREFIXES["rdf"] + "type"] = "a"
_CLASS_KEYS = {str(expand(name)): name for name in CLASSES}
_LABELLED = frozenset(ENTITY_CLASSES)
_LABELS = ("rdfs:label", "skos:altLabel")
#: The predicate IRIs :func:`part` reads (others are passed over: filtering by these first is cheaper).
READS = frozenset({*_KEYS, _RDF_TYPE})


def part(triples: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """The part of ``triples``: (subject IRI or ``_:label``, predicate IRI, object as ``<IRI>``,
    ``_:label`` or ``"lexical form"`` with ``@lang`` after it when it has one)."""
    return _part((s, p, _short_term(o) if o.startswith("<") else o) for s, p, o in triples)


def graph_part(triples: Iterable[tuple]) -> dict[str, list[str]]:
    """The part of a record's graph: its ``triples`` of light terms (:mod:`csto_kg.graph.terms`: IRIs
    and literals; the records make no blank nodes). Made for every record the build checks, so kept
    lean: one look at each predicate."""
    found: dict[str, list[str]] = {}
    labels: list[tuple[str, str, str]] = []
    typed: set[str] = set()
    keys, classes, labelled, id_, cut = _KEYS, _CLASS_KEYS, _LABELLED, ID, len(ID)
    starts = str.startswith
    for s, p, o in triples:
        key = keys.get(str(p))
        if key is None:
            continue
        s = str(s)
        s = s[cut:] if starts(s, id_) else f"<{s}>"
        if key == "a":
            key = classes.get(str(o))
            if key is not None:
                found.setdefault(s, []).extend(("a", key))
                if key in labelled:
                    typed.add(s)
        elif type(o) is IRI:
            o = str(o)
            found.setdefault(s, []).extend((key, o[cut:] if starts(o, id_) else f"<{o}>"))
        elif key in _LABELS:
            labels.append((s, key, f'"{o}"@{o.language}' if o.language else f'"{o}"'))
        else:
            found.setdefault(s, []).extend((key, f'"{o}"@{o.language}' if o.language else f'"{o}"'))
    for s, key, o in labels:
        if s in typed:
            found.setdefault(s, []).extend((key, o))
    return _based(found)


def _based(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """``found`` with its first subject (a meeting record's meeting) written ``~`` where it starts an
    IRI (its parts: ``~/participation/1``), and kept under the key ``""``: a third of a meeting's part."""
    base = next(iter(found), "")
    if not base or base.startswith(("<", "_:")):
        return found
    cut, below = len(base), base + "/"

    def short(term: str) -> str:
        return "~" if term == base else "~" + term[cut:] if term.startswith(below) else term

    based: dict[str, list[str]] = {"": base}  # type: ignore[dict-item]
    for s, pairs in found.items():
        based[short(s)] = [short(term) if k % 2 else term for k, term in enumerate(pairs)]
    return based


def _part(triples: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """The part of (subject, predicate IRI, object as a part keeps it)."""
    found: dict[str, list[str]] = {}
    labels: list[tuple[str, str, str]] = []
    typed: set[str] = set()
    keys, classes, labelled = _KEYS, _CLASS_KEYS, _LABELLED
    for s, p, o in triples:
        if p == _RDF_TYPE:
            key = classes.get(_long(o)[1:-1])
            if key is None:
                continue
            s = _short(s)
            found.setdefault(s, []).extend(("a", key))
            if key in labelled:
                typed.add(s)
            continue
        key = keys.get(p)
        if key is None or key == "a":
            continue
        if key in _LABELS:
            labels.append((s, key, o))
        else:
            found.setdefault(_short(s), []).extend((key, o))
    for s, key, o in labels:
        s = _short(s)
        if s in typed:
            found.setdefault(s, []).extend((key, o))
    return found


def text(found: dict[str, list[str]]) -> str:
    """A part as the build keeps it with a record's build information: its JSON text, one string
    (a tenth of the memory of the part itself, while the build holds every record's)."""
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))


def nquads_part(nquads: str) -> dict[str, list[str]]:
    """The part of the statements of the N-Quads text ``nquads`` (the ontology, the labels graph)."""
    def subject(term) -> str:
        return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"

    def obj(term) -> str:
        if isinstance(term, ox.NamedNode):
            return f"<{term.value}>"
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return f'"{term.value}"' + (f"@{term.language}" if term.language else "")

    return part((subject(q.subject), q.predicate.value, obj(q.object))
                for q in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS) if q.predicate.value in READS)


def _short(iri: str) -> str:
    if iri.startswith(ID):
        return iri[len(ID):]
    return iri if iri.startswith("_:") else f"<{iri}>"


def _short_term(term: str) -> str:
    return _short(term[1:-1]) if term.startswith("<") else term


def _long(term: str) -> str:
    """A term of a part as a TSV answer would write it (literals unescaped): ``<IRI>``, ``"text"@lang``."""
    return term if term.startswith(("<", '"', "_:")) else f"<{ID}{term}>"


class Statements:
    """The statements of many parts together, by predicate: what the store's queries of them would find.

    Kept as two lists a predicate, of subjects and of objects. A build reads its records' parts a
    part at a time (:func:`fold`), never all their statements at once: at 100,000 meetings those are
    some 15 million."""

    def __init__(self, parts: Iterable[dict[str, list[str]] | str], keys: frozenset[str] | None = None):
        """``keys``: the predicates to keep (prefixed names, ``a`` for ``rdf:type``), when not all."""
        self._by_key: dict[str, tuple[list[str], list[str]]] = {}
        self._plains: dict[str, str] = {}  # each term's plain value (:meth:`values`), once made
        by_key = self._by_key
        for found in parts:
            if isinstance(found, str):  # as the build keeps it: :func:`text`
                found = json.loads(found)
            base = found.get("")
            for s, pairs in found.items():
                if not s:
                    continue  # the key of the part's base
                if base is not None and s.startswith("~"):
                    s = base + s[1:]
                for k in range(0, len(pairs), 2):
                    if keys is not None and pairs[k] not in keys:
                        continue
                    o = pairs[k + 1]
                    if base is not None and o.startswith("~"):
                        o = base + o[1:]
                    columns = by_key.get(pairs[k])
                    if columns is None:
                        columns = by_key[pairs[k]] = ([], [])
                    columns[0].append(s)
                    columns[1].append(o)

    def _pairs(self, predicate: str) -> Iterable[tuple[str, str]]:
        columns = self._by_key.get(predicate)
        return zip(*columns) if columns is not None else ()

    def rows(self, predicate: str) -> list[tuple[str, str]]:
        """(subject, object) of every statement of ``predicate`` (a prefixed name of :data:`PREDICATES`),
        as TSV terms (``<IRI>``, ``"text"@lang``)."""
        longs: dict[str, str] = {}  # terms recur: one string each
        return [(longs.get(s) or longs.setdefault(s, _long(s)), longs.get(o) or longs.setdefault(o, _long(o)))
                for s, o in self._pairs(predicate)]

    def typed(self, cls: str) -> set[str]:
        """Everything of the class ``cls`` (a prefixed name of :data:`CLASSES`), as ``<IRI>``."""
        return {_long(s) for s, o in self._pairs("a") if o == cls}

    def values(self, predicate: str) -> list[tuple[str, str]]:
        """As :meth:`rows`, as plain values: IRIs without their <>, literals' lexical forms
        (``"text"@lang`` stays as it is when ``predicate`` is a label's)."""
        plains = self._plains  # terms recur, in several predicates' statements: one string each
        if predicate in _LABELS:
            return [(plains.get(s) or plains.setdefault(s, _plain(s)), o) for s, o in self._pairs(predicate)]
        return [(plains.get(s) or plains.setdefault(s, _plain(s)), plains.get(o) or plains.setdefault(o, _plain(o)))
                for s, o in self._pairs(predicate)]

    def typed_values(self, cls: str) -> set[str]:
        """As :meth:`typed`, as plain IRIs."""
        return {_plain(s) for s, o in self._pairs("a") if o == cls}


def fold(first: Iterable[dict[str, list[str]] | str], second: Iterable[dict[str, list[str]] | str], *folds) -> list:
    """The results of ``folds`` (:class:`csto_kg.store.summaries.Fold`,
    :class:`csto_kg.store.reconciliation.Fold`) over the parts, read twice (``first``, then ``second``:
    the same parts), a part at a time: each fold is given each part's :class:`Statements` on the first
    reading (``first``: only the predicates named in its ``FIRST``), then on the second (``second``),
    then asked for its ``result``."""
    keys = frozenset(key for each in folds for key in each.FIRST)
    for part in first:
        found = Statements([part], keys)
        for each in folds:
            each.first(found)
    for part in second:
        found = Statements([part])
        for each in folds:
            each.second(found)
    return [each.result() for each in folds]


def _plain(term: str) -> str:
    first = term[:1]
    if first == "<":
        return term[1:-1]
    if first == '"':
        return term[1:term.rindex('"')]
    return term if first == "_" else ID + term
