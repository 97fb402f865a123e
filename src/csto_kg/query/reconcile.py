"""What the reconciliation service answers: candidates and scores, suggestions, extension values.

The W3C Entity Reconciliation Community Group's Reconciliation Service API v0.2 (the version
OpenRefine implements) is served by :mod:`csto_kg.web.reconcile`; everything it answers is worked
out here, without Flask, from a :class:`ReconcileIndex`: the names, types, QIDs and, for people,
the states they acted for, the posts and ranks they held (with dates) and the meetings they
attended, written by the build beside the store (:mod:`csto_kg.store.reconciliation`) and loaded
once per build of the graph; a build without that file is read from the store with the same queries.

Identifiers are the paths of resources below ``https://w3id.org/csto-kg/id/``
(``person/aleksandr-gorovoy``); types are the kinds of resource (``person``, ``post``, ...).
Names are matched by :mod:`csto_kg.records.match` (the matcher of every "did you mean").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..graph.vocab import ID, PREFIXES
from ..problems import CstoKgError, QueryTimeout
from ..records.match import NameIndex, fold, name, name_score
from ..store import reconciliation
from .describe import KIND_CLASSES

#: The types a query may name, and the service's default types: (id, name).
TYPES = (("person", "Person"), ("post", "Post"), ("organization", "Organization"), ("body", "Body"),
         ("state", "State"), ("place", "Place"), ("meeting", "Meeting"))
TYPE_NAMES = dict(TYPES)
#: Properties of a person a query may give to tell namesakes apart, and extension may fetch: (id, name).
PROPERTIES = (("state", "State acted for"), ("post", "Post held"), ("date", "A date on which the post was held"),
              ("rank", "Rank held"), ("qid", "Wikidata QID"), ("meetings", "Meetings attended"))
PROPERTY_NAMES = dict(PROPERTIES)
#: What data extension can fetch, by type (the properties it proposes).
EXTEND_PROPERTIES = {"person": ("post", "state", "rank", "qid", "meetings")}
DEFAULT_EXTEND = ("qid",)

#: Limits of one request: queries in a batch, candidates per query, characters of a query's text,
#: properties per query, entities and properties of one extension, values of one cell.
MAX_QUERIES = 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 5
MAX_TEXT = 500
MAX_QUERY_PROPERTIES = 20
MAX_EXTEND_IDS = 1000
MAX_EXTEND_PROPERTIES = 10
MAX_VALUES = 500
#: A candidate is a match when it scores at least this, every given property agrees, and the next
#: candidate is at least MATCH_LEAD behind.
MATCH_SCORE = 90
MATCH_LEAD = 10
#: What a property that agrees adds to a score, and one that disagrees takes away.
AGREES, DISAGREES = 5, 25


class BadReconcileRequest(CstoKgError):
    status = 400


@dataclass
class Entity:
    id: str  # person/aleksandr-gorovoy
    kind: str
    name: str = ""  # the English label, else any label
    names: list[str] = field(default_factory=list)  # every label and alternative label
    qids: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)  # ids of the states a person acted for
    ranks: set[str] = field(default_factory=set)
    meetings: set[str] = field(default_factory=set)
    #: post id -> [(first day, last day)] on which the person held it ("" when unbounded)
    posts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _local(iri: str) -> str:
    return iri[len(ID):] if iri.startswith(ID) else iri


def entity_id(value: str) -> str:
    """An identifier as a client may give it, an IRI or a path: ``person/x``."""
    return _local(value.strip())


def _day_range(text: str) -> tuple[str, str] | None:
    """The first and last day a date given by a client may mean (``2019`` -> 2019-01-01..2019-12-31)."""
    text = text.strip()[:10]
    parts = text.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            int(parts[0])
            return f"{text}-01-01", f"{text}-12-31"
        if len(parts) == 2:
            int(parts[0]), int(parts[1])
            return f"{text}-01", f"{text}-31"
        if len(parts) == 3:
            int(parts[0]), int(parts[1]), int(parts[2])
            return text, text
    except ValueError:
        return None
    return None


class ReconcileIndex:
    """Everything the service answers from, read from the store once (per build)."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities = {e.id: e for e in entities}
        self.names = NameIndex((e.id, text) for e in self.entities.values() for text in e.names)
        #: (the folded words of a name from one of its words on, id), sorted: for suggesting by a prefix
        self.folded = sorted({("".join(words[k:]), e.id) for e in self.entities.values() for text in e.names
                              for words in [name(text).words] for k in range(len(words))})

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def read(cls, query: Callable[[str], Iterable]) -> "ReconcileIndex":
        """The index of what ``query`` (a SPARQL SELECT runner returning pyoxigraph solutions) finds."""
        return cls.of(reconciliation.entities(reconciliation.solutions(query)))

    @classmethod
    def of(cls, found: Iterable[dict]) -> "ReconcileIndex":
        """The index of entities as :mod:`csto_kg.store.reconciliation` reads and loads them."""
        return cls(Entity(**e) for e in found)

    @classmethod
    def load(cls, build) -> "ReconcileIndex | None":
        """The index the build in folder ``build`` wrote; None when it wrote none."""
        found = reconciliation.load(build)
        return None if found is None else cls.of(found)

    # -- reconciliation ------------------------------------------------------------------------

    def reconcile(self, batch: object, deadline: float | None = None) -> dict:
        """The answer to a query batch ``{"q0": {"query": ..., "type": ..., "limit": ..., "properties": [...]}}``."""
        if not isinstance(batch, dict):
            raise BadReconcileRequest("queries: expected a JSON object of queries keyed q0, q1, ...")
        if len(batch) > MAX_QUERIES:
            raise BadReconcileRequest(f"queries: {len(batch):,} queries; at most {MAX_QUERIES:,} in one batch")
        answer = {}
        for key, query in batch.items():
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout(f"the batch ran past the time limit after {len(answer):,} of {len(batch):,} "
                                   "queries; send fewer at once")
            answer[key] = {"result": self.candidates(query, key)}
        return answer

    def candidates(self, query: object, key: str = "q0") -> list[dict]:
        if not isinstance(query, dict):
            raise BadReconcileRequest(f"queries.{key}: expected an object with query, type, limit, properties")
        text = query.get("query", "")
        if not isinstance(text, str):
            raise BadReconcileRequest(f"queries.{key}.query: expected a string")
        if len(text) > MAX_TEXT:
            raise BadReconcileRequest(f"queries.{key}.query: {len(text):,} characters; at most {MAX_TEXT}")
        kinds = self._types(query.get("type"), f"queries.{key}.type")
        limit = query.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
            raise BadReconcileRequest(f"queries.{key}.limit: expected a number of candidates, 0 or more")
        limit = min(int(limit) or DEFAULT_LIMIT, MAX_LIMIT)
        given = self._properties(query.get("properties", []), f"queries.{key}.properties")
        accept = (lambda i: self.entities[i].kind in kinds) if kinds else None
        hits = self.names.search(text, limit=limit + 5 if given else limit, accept=accept)
        scored = []
        for hit in hits:
            e = self.entities[hit.key]
            score = hit.score * 100
            verdicts = [self._agrees(e, pid, values, given) for pid, values in given.items()]
            score += AGREES * verdicts.count(True) - DISAGREES * (len(verdicts) - verdicts.count(True))
            scored.append((round(max(0.0, min(score, 100.0)), 1), all(verdicts), e))
        scored.sort(key=lambda s: (-s[0], s[2].name, s[2].id))
        scored = scored[:limit]
        results = []
        for i, (score, agree, e) in enumerate(scored):
            lead = score - scored[i + 1][0] if i + 1 < len(scored) else 100.0
            results.append({"id": e.id, "name": e.name, "score": score,
                            "match": i == 0 and agree and score >= MATCH_SCORE and lead >= MATCH_LEAD,
                            "type": [{"id": e.kind, "name": TYPE_NAMES[e.kind]}],
                            "description": self.description(e)})
        return results

    def _types(self, value, where: str) -> set[str]:
        wanted = [] if value is None else [value] if isinstance(value, str) else value
        if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
            raise BadReconcileRequest(f"{where}: expected a type id or a list of them")
        kinds = set()
        for t in wanted:
            kind = _type_of(t)
            if kind is None:
                raise BadReconcileRequest(f"{where}: unknown type {t!r}; expected one of {', '.join(TYPE_NAMES)}")
            kinds.add(kind)
        return kinds

    def _properties(self, value, where: str) -> dict[str, list[str]]:
        if not isinstance(value, list) or len(value) > MAX_QUERY_PROPERTIES:
            raise BadReconcileRequest(f"{where}: expected a list of at most {MAX_QUERY_PROPERTIES} {{pid, v}} objects")
        given: dict[str, list[str]] = {}
        for prop in value:
            if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
                raise BadReconcileRequest(f"{where}: expected {{\"pid\": ..., \"v\": ...}} objects")
            pid = prop["pid"]
            if pid not in ("state", "post", "date", "qid"):
                raise BadReconcileRequest(f"{where}: unknown property {pid!r}; expected state, post, date or qid")
            values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
            for v in values[:MAX_QUERY_PROPERTIES]:
                text = v.get("id") or v.get("name") if isinstance(v, dict) else v
                if isinstance(text, (str, int, float)) and not isinstance(text, bool) and str(text).strip():
                    given.setdefault(pid, []).append(str(text).strip())
        return given

    def _refers(self, value: str, ids: Iterable[str], kind: str) -> bool:
        """Whether ``value`` (an id, a slug or a name) names one of ``ids``."""
        local = entity_id(value)
        targets = [self.entities.get(i) for i in ids]
        for target in targets:
            if target is None:
                continue
            if local in (target.id, target.id.split("/", 1)[1]):
                return True
            if any(name_score(value, text) >= 0.85 for text in target.names):
                return True
        return False

    def _agrees(self, e: Entity, pid: str, values: list[str], given: dict[str, list[str]]) -> bool:
        if pid == "qid":
            return any(v.upper().rsplit("/", 1)[-1] in e.qids for v in values)
        if pid == "state":
            return any(self._refers(v, e.states, "state") for v in values)
        posts = [p for p in e.posts if any(self._refers(v, [p], "post") for v in given.get("post", []))] \
            if "post" in given else list(e.posts)
        if pid == "post":
            return bool(posts)
        if pid == "date":
            return any(self._held_on(e, post, v) for post in posts for v in values)
        return False

    @staticmethod
    def _held_on(e: Entity, post: str, date: str) -> bool:
        days = _day_range(date)
        if days is None:
            return False
        return any((not first or first <= days[1]) and (not last or last >= days[0]) and (first or last)
                   for first, last in e.posts.get(post, []))

    def description(self, e: Entity) -> str:
        parts = [TYPE_NAMES[e.kind]]
        if e.posts:
            parts.append("; ".join(sorted(self._name(p) for p in e.posts))[:200])
        if e.qids:
            parts.append(", ".join(sorted(e.qids)))
        return " — ".join(parts)

    def _name(self, i: str) -> str:
        e = self.entities.get(i)
        return e.name if e is not None else i

    # -- suggest, preview, extension -----------------------------------------------------------

    def suggest_entities(self, prefix: str, kinds: set[str], limit: int = 10) -> list[dict]:
        """Entities whose names start with ``prefix`` (in the folded spelling), then those it names best."""
        prefix = prefix[:MAX_TEXT]
        folded = "".join(name(prefix).words)
        found: list[str] = []
        if folded:
            import bisect  # noqa: PLC0415

            start = bisect.bisect_left(self.folded, (folded, ""))
            for text, i in self.folded[start:]:
                if not text.startswith(folded) or len(found) >= limit:
                    break
                if i not in found and (not kinds or self.entities[i].kind in kinds):
                    found.append(i)
        if len(found) < limit:
            accept = (lambda i: self.entities[i].kind in kinds) if kinds else None
            for hit in self.names.search(prefix, limit=limit, accept=accept):
                if hit.key not in found and len(found) < limit:
                    found.append(hit.key)
        return [{"id": i, "name": self.entities[i].name, "description": self.description(self.entities[i]),
                 "notable": [{"id": self.entities[i].kind, "name": TYPE_NAMES[self.entities[i].kind]}]}
                for i in found]

    def extend(self, request: object, deadline: float | None = None) -> dict:
        """The answer to ``{"ids": [...], "properties": [{"id": ..., "settings": {...}}]}``."""
        if not isinstance(request, dict) or not isinstance(request.get("ids"), list) \
                or not isinstance(request.get("properties"), list):
            raise BadReconcileRequest('extend: expected {"ids": [...], "properties": [{"id": ...}]}')
        ids, props = request["ids"], request["properties"]
        if len(ids) > MAX_EXTEND_IDS or len(props) > MAX_EXTEND_PROPERTIES:
            raise BadReconcileRequest(f"extend: at most {MAX_EXTEND_IDS:,} ids and {MAX_EXTEND_PROPERTIES} properties")
        wanted = []
        for prop in props:
            pid = prop.get("id") if isinstance(prop, dict) else None
            if pid not in EXTEND_PROPERTIES["person"]:
                raise BadReconcileRequest(f"extend.properties: unknown property {pid!r}; expected one of "
                                          + ", ".join(EXTEND_PROPERTIES["person"]))
            settings = prop.get("settings") or {}
            if not isinstance(settings, dict):
                raise BadReconcileRequest("extend.properties.settings: expected an object")
            wanted.append((pid, settings))
        rows = {}
        for raw in ids:
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout("the extension ran past the time limit; ask for fewer rows at once")
            if not isinstance(raw, str):
                raise BadReconcileRequest("extend.ids: expected identifiers (strings)")
            e = self.entities.get(entity_id(raw))
            rows[raw] = {pid: (self._values(e, pid, settings) if e is not None else []) for pid, settings in wanted}
        meta = []
        for pid, _settings in wanted:
            column = {"id": pid, "name": PROPERTY_NAMES[pid]}
            if pid in ("post", "state", "rank", "meetings"):
                column["type"] = {"id": {"post": "post", "state": "state", "rank": "rank", "meetings": "meeting"}[pid],
                                  "name": {"post": "Post", "state": "State", "rank": "Rank", "meetings": "Meeting"}[pid]}
            meta.append(column)
        return {"meta": meta, "rows": rows}

    def _values(self, e: Entity, pid: str, settings: dict) -> list[dict]:
        limit = settings.get("limit", 0)
        limit = int(limit) if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > 0 else MAX_VALUES
        limit = min(limit, MAX_VALUES)
        if pid == "qid":
            return [{"str": q} for q in sorted(e.qids)][:limit]
        if pid == "post":
            date = str(settings.get("date") or "").strip()
            posts = sorted(e.posts) if not date else sorted(p for p in e.posts if self._held_on(e, p, date))
            return [self._ref(p) for p in posts][:limit]
        chosen = {"state": e.states, "rank": e.ranks, "meetings": e.meetings}[pid]
        return [self._ref(i) for i in sorted(chosen)][:limit]

    def _ref(self, i: str) -> dict:
        return {"id": i, "name": self._name(i)}

    def preview(self, raw: str) -> dict | None:
        """What the preview card shows of an entity; None when there is none by that id."""
        e = self.entities.get(entity_id(raw))
        if e is None:
            return None
        return {"id": e.id, "name": e.name, "type": TYPE_NAMES[e.kind],
                "other_names": [n for n in e.names if n != e.name][:10], "qids": sorted(e.qids),
                "posts": [self._name(p) for p in sorted(e.posts)][:10],
                "states": [self._name(s) for s in sorted(e.states)][:10], "meetings": len(e.meetings)}


def _type_of(value: str) -> str | None:
    """The kind a type id names: ``person``, its class (``foaf:Person`` or the IRI), or its name."""
    if value in TYPE_NAMES:
        return value
    for kind, _ in TYPES:
        for cls in KIND_CLASSES[kind]:
            curie = next((f"{p}:{cls[len(ns):]}" for p, ns in PREFIXES.items() if cls.startswith(ns)), None)
            if value in (cls, curie):
                return kind
    lowered = value.strip().lower()
    return next((kind for kind, label in TYPES if label.lower() == lowered), None)


def suggest_types(prefix: str) -> list[dict]:
    folded = fold(prefix)
    return [{"id": kind, "name": label} for kind, label in TYPES if not folded or fold(label).startswith(folded)
            or folded in fold(label)]


def suggest_properties(prefix: str) -> list[dict]:
    folded = fold(prefix)
    return [{"id": pid, "name": label} for pid, label in PROPERTIES
            if not folded or folded in fold(label) or pid.startswith(prefix.lower())]


def propose_properties(kind: str | None, limit: int | None) -> dict:
    found = _type_of(kind) if kind else "person"
    props = EXTEND_PROPERTIES.get(found or "", DEFAULT_EXTEND)
    props = props[: max(int(limit), 0)] if limit else props
    return {"type": kind or "person", "properties": [{"id": p, "name": PROPERTY_NAMES[p]} for p in props],
            "limit": len(props)}
