"""Per-build data of the reconciliation service: what :class:`csto_kg.query.reconcile.ReconcileIndex` answers from.

The service matches names against every entity's labels and alternative labels, and tells
namesakes apart by the states a person acted for, the posts and ranks they held (with dates) and
the meetings they attended. Reading all that takes about a dozen queries over every label and
participation of the store: seconds on the real records, minutes on a large store, far past a
client's time limit. The build works it out once, from what each record's part
(:mod:`~csto_kg.store.statements`) keeps of its statements, and writes it beside the build
(``builds/<id>.reconcile.json``); the server loads that file once per build and asks the store
nothing. A build without the file (one made before it, a remote store) is read with the same
queries by the server, under the endpoint's time limit; both ways give the same entities in the
same order.

The file::

    {"version": 1,
     "entities": [{"id": "person/aleksandr-gorovoy", "kind": "person", "name": "Aleksandr Gorovoy",
                   "names": [every label and alternative label, sorted],
                   "qids": [...], "states": [...], "ranks": [...], "meetings": [...],
                   "posts": [[post id, [[first day, last day], ...]], ...]}, ...]}

Ids are the paths of resources below ``https://w3id.org/csto-kg/id/``; entities are in the order
of :data:`KIND_ORDER`, then of their ids; names, a person's posts and each post's spells are sorted
(the index's answers depend on the order, which is therefore the same however the file was made).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from ..graph.vocab import ID, PREFIXES, expand
from ..records.kinds import KINDS
from .statements import CLASSES, Statements

VERSION = 1
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
#: The kinds of entity the service reconciles, in the order of its types.
KIND_ORDER = ("person", "post", "organization", "body", "state", "place", "meeting")
#: The classes of each kind (as csto_kg.query.describe.KIND_CLASSES).
KIND_CLASSES = {kind.name: [str(expand(cls)) for cls in kind.classes] for kind in KINDS}


def path_of(build: Path) -> Path:
    """The reconciliation file of the build in folder ``build``."""
    return build.with_name(build.name + ".reconcile.json")


def local_id(iri: str) -> str:
    """The id of an entity (``person/aleksandr-gorovoy``) from its IRI; any other IRI as it is."""
    return iri[len(ID):] if iri.startswith(ID) else iri


Select = Callable[[str], Iterable[tuple[str, ...]]]


def solutions(query: Callable[[str], object]) -> Select:
    """A SELECT runner of rows of plain values (IRIs, literals' lexical forms; "" when unbound)
    from ``query``, which gives ``pyoxigraph.QuerySolutions`` (a store's, the query workers')."""
    def select(text: str) -> list[tuple[str, ...]]:
        answer = query(PROLOGUE + text)
        names = [v.value for v in answer.variables]
        return [tuple("" if row[n] is None else row[n].value for n in names) for row in answer]
    return select


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match) -> str:
    found = match.group(1)
    return chr(int(found[1:], 16)) if len(found) > 1 else _ESCAPES.get(found, found)


def _value(term: str) -> str:
    """The plain value of a term as SPARQL's TSV results write it: an IRI without its <>, a
    literal's lexical form unescaped (``"Горовой"@ru`` -> ``Горовой``)."""
    if term.startswith("<"):
        return term[1:-1]
    if term.startswith('"'):
        text = term[1:term.rindex('"')]
        return _ESCAPE.sub(_unescape, text) if "\\" in text else text
    return term


def tsv(store) -> Select:
    """A SELECT runner of rows of plain values over ``store`` directly, its answers read in bulk
    as TSV (far faster than term objects), without a time limit: the entities as the store's own
    queries find them, which what the build folds from the records' parts must equal."""
    def select(text: str) -> list[tuple[str, ...]]:
        answer = store.query(PROLOGUE + text).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
        return [tuple(_value(term) for term in line.split("\t")) for line in answer.split("\n")[1:] if line]
    return select


class _Asked:
    """The questions :func:`_entities` asks, answered by the store's queries (``select``)."""

    def __init__(self, select: Select):
        self.select = select

    def labels(self, klass: str, predicate: str) -> Iterable[tuple[str, str, str]]:
        return self.select(f"SELECT ?s ?l (LANG(?l) AS ?lang) WHERE {{ ?s a <{klass}> ; {predicate} ?l }}")

    def pairs(self, predicate: str) -> Iterable[tuple[str, str]]:
        return self.select(f"SELECT ?s ?o WHERE {{ ?s {predicate} ?o }}")

    def meeting_days(self, edge: str) -> Iterable[tuple[str, str]]:
        return self.select(f"SELECT ?m ?d WHERE {{ ?m a igo:Meeting ; igo:{edge} ?d }}")

    def rank_holdings(self) -> Iterable[tuple[str, str]]:
        return self.select("SELECT DISTINCT ?person ?x WHERE { ?h a igo:RankHolding ; igo:holder ?person ; igo:rank ?x }")

    def membership_bounds(self, edge: str, date: str) -> Iterable[tuple[str, str]]:
        return self.select(f"SELECT ?h ?d WHERE {{ ?h a org:Membership ; org:memberDuring/time:{edge}/igo:{date} ?d }}")

    def membership_posts(self, predicate: str) -> Iterable[tuple[str, str, str]]:
        return self.select(f"SELECT ?h ?person ?x WHERE {{ ?h a org:Membership ; org:member ?person ; {predicate} ?x }}")


class _Merged:
    """The same questions answered from the build's records' parts (:class:`~csto_kg.store.statements.Statements`)."""

    def __init__(self, found: Statements, typed: dict[str, set[str]] | None = None):
        self.found = found
        self._typed: dict[str, set[str]] = dict(typed or {})  # which subjects are of a class, when known already

    def _of(self, cls: str) -> set[str]:
        if cls not in self._typed:
            self._typed[cls] = self.found.typed_values(cls)
        return self._typed[cls]

    def _by_subject(self, predicate: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for s, o in self.found.values(predicate):
            found.setdefault(s, []).append(o)
        return found

    def labels(self, klass: str, predicate: str) -> Iterable[tuple[str, str, str]]:
        typed = self._of(_CLASS_NAMES[klass])
        return _labels((s, o) for s, o in self.found.values(predicate) if s in typed)

    def pairs(self, predicate: str) -> Iterable[tuple[str, str]]:
        return self.found.values(predicate)

    def meeting_days(self, edge: str) -> Iterable[tuple[str, str]]:
        meetings = self._of("igo:Meeting")
        return [(m, d) for m, d in self.found.values(f"igo:{edge}") if m in meetings]

    def rank_holdings(self) -> Iterable[tuple[str, str]]:
        holdings, ranks = self._of("igo:RankHolding"), self._by_subject("igo:rank")
        return dict.fromkeys((person, rank) for h, person in self.found.values("igo:holder")
                             if h in holdings for rank in ranks.get(h, ()))

    def membership_bounds(self, edge: str, date: str) -> Iterable[tuple[str, str]]:
        memberships = self._of("org:Membership")
        instants, dates = self._by_subject(f"time:{edge}"), self._by_subject(f"igo:{date}")
        return [(h, d) for h, during in self.found.values("org:memberDuring") if h in memberships
                for instant in instants.get(during, ()) for d in dates.get(instant, ())]

    def membership_posts(self, predicate: str) -> Iterable[tuple[str, str, str]]:
        memberships, posts = self._of("org:Membership"), self._by_subject(predicate)
        return [(h, person, x) for h, person in self.found.values("org:member")
                if h in memberships for x in posts.get(h, ())]


_CLASS_NAMES = {str(expand(name)): name for name in CLASSES}
_ENTITY_CLASS_NAMES = tuple(dict.fromkeys(_CLASS_NAMES[cls] for classes in KIND_CLASSES.values() for cls in classes))


def _labels(rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(subject, text, language) of the literals among (subject, ``"text"@lang``) ``rows``."""
    for s, o in rows:
        if o.startswith('"'):
            end = o.rindex('"')
            yield s, o[1:end], o[end + 2:]


def entities(select: Select) -> list[dict]:
    """The entities found by ``select`` (:func:`solutions` or :func:`tsv`), each a dict as in the
    file (sets as sets, spells as tuples). Each query reads one property, or a few of small
    classes, through the store's indexes; the parts of meetings are joined here."""
    return _entities(_Asked(select))


def merge(found: Statements) -> list[dict]:
    """The entities of a build from the statements of its records' and other graphs' parts: what
    :func:`entities` reads from the store the build makes, without asking the store. (The tenures
    graph has no part: its tenures are of no class the service reads.)"""
    return _entities(_Merged(found))


class Fold:
    """The entities of a build from its parts, read twice (:func:`~csto_kg.store.statements.fold`):
    what :func:`merge` gives, without all the statements at once, nor the joins over all of them.

    The first reading gathers what concerns the entities themselves: the subjects of their classes,
    their labels and QIDs, the meetings' days, and which subjects are meetings, rank-holdings and
    post-holdings. The second joins each part's participations and holdings within the part: the
    record that made a participation or a holding wrote all its statements, and their instants'."""

    FIRST = ("a", "rdfs:label", "skos:altLabel", "skos:exactMatch", "igo:earliestDate", "igo:latestDate")

    def __init__(self):
        self._named: _Named | None = _Named()
        self._found: tuple | None = None
        self._attested: dict[tuple[str, str], list[str]] = {}
        self._ids: dict[str, str] = {}

    def first(self, found: Statements) -> None:
        assert self._named is not None, "the first reading is over"
        self._named.add(found)

    def second(self, found: Statements) -> None:
        entities, people, days, typed = self._started()
        _join(_Merged(found, typed), people, days, self._attested, self._ids)

    def result(self) -> list[dict]:
        entities, people, _days, _typed = self._started()
        return _ordered(entities, people, self._attested)

    def _started(self) -> tuple:
        if self._found is None:
            assert self._named is not None
            self._found = (*_named(self._named), self._named.typed)
            self._named = None
        return self._found


def _entities(asked) -> list[dict]:
    """The entities, in the order of :data:`KIND_ORDER` then of their ids (each's posts in the order
    of their ids, each post's spells in order), whichever way the questions were answered."""
    found, people, days = _named(asked)
    attested: dict[tuple[str, str], list[str]] = {}
    _join(asked, people, days, attested, {})
    return _ordered(found, people, attested)


def _id_of(ids: dict[str, str], iri: str) -> str:
    """The id of ``iri`` (:func:`local_id`), one string for each id however many sets hold it."""
    id_ = ids.get(iri)
    if id_ is None:
        id_ = ids[iri] = local_id(iri)
    return id_


def _named(asked) -> tuple[dict[str, dict], dict[str, dict], dict[str, tuple[str, str]]]:
    """The entities with their names and QIDs (by id), the people among them, and each meeting's
    first and last days (by id)."""
    found: dict[str, dict] = {}
    english: dict[str, str] = {}
    ids: dict[str, str] = {}
    for kind in KIND_ORDER:
        for klass in KIND_CLASSES[kind]:
            for predicate in ("rdfs:label", "skos:altLabel"):
                for iri, text, lang in asked.labels(klass, predicate):
                    if not iri.startswith(ID + kind + "/"):
                        continue
                    local = _id_of(ids, iri)
                    e = found.get(local)
                    if e is None:
                        e = found[local] = {"id": local, "kind": kind, "name": "", "names": [], "qids": set(),
                                            "states": set(), "ranks": set(), "meetings": set(), "posts": {}}
                    if text not in e["names"]:
                        e["names"].append(text)
                    if predicate == "rdfs:label" and lang.startswith("en"):
                        english[local] = min(english.get(local, text), text)
    for e in found.values():
        e["names"].sort()
        e["name"] = english.get(e["id"]) or (e["names"][0] if e["names"] else e["id"].split("/", 1)[1])
    for s, w in asked.pairs("skos:exactMatch"):
        e = found.get(local_id(s))
        if e is not None and w.startswith(PREFIXES["wd"]):
            e["qids"].add(w[len(PREFIXES["wd"]):])
    people = {i: e for i, e in found.items() if e["kind"] == "person"}
    days: dict[str, tuple[str, str]] = {}
    for edge in ("earliestDate", "latestDate"):
        for m, d in asked.meeting_days(edge):
            first, last = days.get(local_id(m), ("", ""))
            days[_id_of(ids, m)] = (d, last) if edge == "earliestDate" else (first, d)
    return found, people, days


def _join(asked, people: dict[str, dict], days: dict[str, tuple[str, str]],
          attested: dict[tuple[str, str], list[str]], ids: dict[str, str]) -> None:
    """Add to ``people`` the meetings, states and ranks of their participations, the ranks they held
    and the spells of the posts they held; add to ``attested`` the days of the meetings at which each
    (person, post) is attested."""
    participants: dict[str, list[dict]] = {}  # participation -> the people it is of
    for pa, person in asked.pairs("igo:participant"):
        e = people.get(local_id(person))
        if e is not None:
            participants.setdefault(pa, []).append(e)
    held_at: dict[str, tuple[str, str]] = {}  # participation -> (person, meeting)
    for pa, meeting in asked.pairs("igo:inMeeting"):
        if pa in participants:
            meeting = _id_of(ids, meeting)
            for e in participants[pa]:
                e["meetings"].add(meeting)
                held_at[pa] = (e["id"], meeting)
    for predicate, field in (("igo:onBehalfOf", "states"), ("igo:rank", "ranks")):
        for pa, x in asked.pairs(predicate):
            for e in participants.get(pa, ()):
                e[field].add(_id_of(ids, x))
    for person, rank in asked.rank_holdings():
        e = people.get(local_id(person))
        if e is not None:
            e["ranks"].add(_id_of(ids, rank))
    for predicate in ("igo:post", "igo:actingPost"):
        for pa, x in asked.pairs(predicate):
            if pa in held_at:
                person, meeting = held_at[pa]
                seen = attested.setdefault((person, _id_of(ids, x)), [])
                seen.extend(d for d in days.get(meeting, ()) if d)
                if len(seen) > 2:  # only the first and last day are kept
                    seen[:] = [min(seen), max(seen)]
    bounds: dict[str, list[str]] = {}
    for edge, n in (("hasBeginning", 0), ("hasEnd", 1)):
        for h, d in asked.membership_bounds(edge, "earliestDate" if n == 0 else "latestDate"):
            bounds.setdefault(h, ["", ""])[n] = d
    for predicate in ("igo:post", "igo:actingPost"):
        for h, person, x in asked.membership_posts(predicate):
            e = people.get(local_id(person))
            if e is not None:
                e["posts"].setdefault(_id_of(ids, x), []).append(tuple(bounds.get(h, ("", ""))))


def _ordered(found: dict[str, dict], people: dict[str, dict], attested: dict[tuple[str, str], list[str]]) -> list[dict]:
    """The entities in their order, each person's posts with the spells at which they are attested."""
    for (person, post), seen in attested.items():  # attested at meetings: held from the first to the last
        people[person]["posts"].setdefault(post, []).append((min(seen), max(seen)) if seen else ("", ""))
    order = {kind: n for n, kind in enumerate(KIND_ORDER)}
    for e in found.values():
        e["posts"] = {post: sorted(e["posts"][post]) for post in sorted(e["posts"])}
    return sorted(found.values(), key=lambda e: (order[e["kind"]], e["id"]))


class _Named:
    """The questions :func:`_named` asks, answered from what :func:`fold`'s first reading gathered
    (:meth:`add`, a part at a time). Also keeps which subjects are meetings, rank-holdings and
    post-holdings (:attr:`typed`), for the second reading."""

    def __init__(self):
        self.classes: dict[str, set[str]] = {}  # subject -> its classes among the entities' kinds'
        self.labelled: dict[str, list[tuple[str, str]]] = {"rdfs:label": [], "skos:altLabel": []}
        self.matches: list[tuple[str, str]] = []
        self.days: dict[str, list[tuple[str, str]]] = {"earliestDate": [], "latestDate": []}
        self.typed: dict[str, set[str]] = {name: set() for name in ("igo:Meeting", "igo:RankHolding", "org:Membership")}

    def add(self, found: Statements) -> None:
        for name in _ENTITY_CLASS_NAMES:
            for s in found.typed_values(name):
                self.classes.setdefault(s, set()).add(name)
        for name, members in self.typed.items():
            members |= found.typed_values(name)
        for predicate, rows in self.labelled.items():
            rows += found.values(predicate)
        self.matches += found.values("skos:exactMatch")
        for edge, rows in self.days.items():
            rows += found.values(f"igo:{edge}")

    def labels(self, klass: str, predicate: str) -> Iterable[tuple[str, str, str]]:
        name = _CLASS_NAMES[klass]
        return _labels((s, o) for s, o in self.labelled[predicate] if name in self.classes.get(s, ()))

    def pairs(self, predicate: str) -> Iterable[tuple[str, str]]:
        assert predicate == "skos:exactMatch", predicate
        return self.matches

    def meeting_days(self, edge: str) -> Iterable[tuple[str, str]]:
        meetings = self.typed["igo:Meeting"]
        return [(m, d) for m, d in self.days[edge] if m in meetings]


def _plain(e: dict) -> dict:
    """An entity as the file keeps it: sets sorted, spells as lists."""
    return {**e, **{k: sorted(e[k]) for k in ("qids", "states", "ranks", "meetings")},
            "posts": [[post, [list(spell) for spell in spells]] for post, spells in e["posts"].items()]}


def write(build: Path, found: list[dict]) -> Path:
    """Write the entities ``found`` beside the build folder ``build`` (a build writes them before its
    store is served: reconciliation never has to read them from the store)."""
    target = path_of(build)
    data = {"version": VERSION, "entities": [_plain(e) for e in found]}
    partial = target.with_name(target.name + f".{os.getpid()}.new")
    partial.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    partial.replace(target)
    return target


def load(build: Path) -> list[dict] | None:
    """The entities written for the build in folder ``build`` (sets as sets, spells as tuples);
    None when it has no file (or one of another version)."""
    try:
        found = json.loads(path_of(build).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("version") != VERSION or not isinstance(found.get("entities"), list):
        return None
    return [{**e, **{k: set(e[k]) for k in ("qids", "states", "ranks", "meetings")},
             "posts": {post: [tuple(spell) for spell in spells] for post, spells in e["posts"]}}
            for e in found["entities"]]
