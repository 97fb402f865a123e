"""What the entity pages show: plain data read from the store with SPARQL.

Each ``*_view`` function takes the store and an IRI and returns dictionaries and lists of
:class:`Iri` (an IRI) and ``str`` (a literal's text) values, ready for a template. There is
no Flask here; :mod:`csto_kg.web.pages` renders these.

The pages hand these functions a :class:`PageReader` in place of the store: it runs every query
as the endpoint runs a client's, in a query worker stopped at the time limit (or on a store
that stops its queries itself), and the queries of one page share one time limit.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import pyoxigraph as ox

from ..graph.sparql_terms import iri as sparql_iri
from ..graph.vocab import ID, PREFIXES
from ..query.workers import TimeBudget
from ..query import tenures as tenure_answers
from ..store import summaries
from ..records.kinds import KINDS, kind_of_path
from .timeline import Bar, Point

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

ROLE_OBSERVER = ID + "role/observer"
#: What a meeting page calls a decision, by its most specific class (an adoption by the kind of its document).
DECISION_NAMES = ((PREFIXES["igo"] + "Election", "Election"), (PREFIXES["igo"] + "Appointment", "Appointment"))

#: The kinds of resource with a page of their own (records.kinds); every other kind gets the generic page.
KIND_TEMPLATES = {kind.name: kind.page for kind in KINDS if kind.page != "generic"}


class Iri(str):
    """An IRI (as opposed to a literal's text) in the values handed to templates."""


class Literal(str):
    """A literal's text, with its language or datatype when it has one."""

    lang: str | None
    datatype: str | None

    def __new__(cls, text: str, lang: str | None = None, datatype: str | None = None) -> "Literal":
        value = str.__new__(cls, text)
        value.lang, value.datatype = lang, datatype
        return value


def _value(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Iri(term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype is not None else None
        return Literal(term.value, term.language, datatype)
    return Literal("_:" + term.value)


#: The query time left to the page being answered in this context (thread); None outside a page.
_BUDGET: ContextVar[TimeBudget | None] = ContextVar("csto_kg_page_budget", default=None)


class PageReader:
    """The store as the pages read it: every query is run by ``runner`` -- the endpoint's query
    workers (:class:`~csto_kg.query.workers.WorkerPool`), killed at the time limit, or a store that
    stops its queries itself (:class:`~csto_kg.query.workers.InlineRunner`) -- never in the
    server's own process. Within :meth:`page` the queries share ``time_limit_ms`` (0: none), so a
    page is stopped when all its queries together run past the limit.

    One reader serves an app, from many threads: the budget belongs to the request's context.
    """

    def __init__(self, store, runner, time_limit_ms: int) -> None:
        self.store, self.runner, self.time_limit_ms = store, runner, time_limit_ms
        self._summaries: tuple[object, dict] | None = None  # (build folder, its summaries), read once per build

    def summary(self, iri: str) -> dict | None:
        """What the build summarized of ``iri`` (:mod:`csto_kg.store.summaries`): the latest rows of its
        largest sections and how many there are; None when the build has nothing on it (few rows, a
        build without summaries, a remote store) and the page counts and sorts them itself."""
        current = self.store.current_dir() if hasattr(self.store, "current_dir") else None
        if current is None:
            return None
        cached = self._summaries
        if cached is None or cached[0] != current:
            cached = self._summaries = (current, summaries.read(current) or {})
        return cached[1].get("agents", {}).get(iri) or cached[1].get("posts", {}).get(iri)

    def query(self, query: str):
        """``pyoxigraph.QuerySolutions`` or ``QueryBoolean``, as the store's ``query`` gives them."""
        return self.runner.query(query, _BUDGET.get())

    def build_id(self) -> str | None:
        return self.store.build_id()

    @contextlib.contextmanager
    def page(self) -> Iterator[None]:
        """Queries made inside share one time limit: each may take what the ones before it left."""
        if not self.time_limit_ms:
            yield
            return
        token = _BUDGET.set(TimeBudget(self.time_limit_ms / 1000))
        try:
            yield
        finally:
            _BUDGET.reset(token)


def rows(store, query: str) -> list[dict]:
    """A SELECT query's solutions as dictionaries of :class:`Iri` / :class:`Literal`."""
    answer = store.query(PROLOGUE + query)
    names = [v.value for v in answer.variables]
    return [{n: _value(s[n]) for n in names} for s in answer]


#: A tenure's bounds and how they are known, in the order :class:`~csto_kg.web.timeline.Bar` takes them.
TENURE_BOUNDS = ("earliest_start", "latest_start", "earliest_end", "latest_end", "start_basis", "end_basis")


def kind_of(iri: str) -> str:
    """``person`` for ``.../id/person/x``; ``participation`` for ``.../id/meeting/m/participation/1``."""
    return kind_of_path(iri[len(ID):]) if iri.startswith(ID) else ""


@dataclass
class Labels:
    """English labels of IRIs, fetched in one query for a page."""

    store: object
    known: dict[str, str] = field(default_factory=dict)

    def fetch(self, iris: Iterable[str]) -> None:
        """Label ``iris``: an English ``rdfs:label``, else any ``rdfs:label``, else a ``skos:prefLabel``.

        The preferred labels are asked only of the IRIs with no ``rdfs:label`` (the roles, ranks and
        document kinds that have them have both): asked of every IRI with the rest, they took the
        engine two fifths of the query's time."""
        wanted = sorted({i for i in iris if isinstance(i, Iri) and i not in self.known})
        unlabelled = self._fetch(wanted, "rdfs:label")
        self._fetch(unlabelled, "skos:prefLabel")

    def _fetch(self, wanted: list[str], predicate: str) -> list[str]:
        """Label what ``predicate`` labels of ``wanted``; the rest, in order."""
        for start in range(0, len(wanted), 500):
            values = " ".join(sparql_iri(i) for i in wanted[start:start + 500])
            # the labels as they are, chosen here: grouped and filtered by the engine, the same
            # labels take it twice as long
            english: dict[str, str] = {}
            other: dict[str, str] = {}
            for row in rows(self.store, f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s {predicate} ?label }}"):
                other.setdefault(row["s"], str(row["label"]))
                lang = (getattr(row["label"], "lang", None) or "").lower()
                if lang == "en" or lang.startswith("en-"):
                    english.setdefault(row["s"], str(row["label"]))
            for s in other:
                text = english.get(s) or other[s]
                if text:
                    self.known[s] = text
        return [i for i in wanted if i not in self.known]

    def __call__(self, iri: str) -> str:
        return self.known.get(iri, "")


#: Keys of a section's rows whose IRIs the pages link with a text of their own (a participation's
#: number, "holding"), never with a label: their labels are not fetched.
UNLABELLED_KEYS = frozenset({"participation", "holding"})


def _collect(values: Iterable) -> set:
    found = set()
    for value in values:
        if isinstance(value, dict):
            found |= _collect(v for k, v in value.items() if k not in UNLABELLED_KEYS)
        elif isinstance(value, (list, tuple, set)):
            found |= _collect(value)
        elif isinstance(value, Iri):
            found.add(value)
    return found


def facts(store, iri: str) -> list[dict]:
    """Every statement about ``iri``, each with the record file and the sources it comes from.

    A statement in a record file is credited to the sources the resource itself cites
    (``prov:wasDerivedFrom``), never to the others its file cites: an entity without sources
    of its own shows none. A part of a resource that cites none itself (a post-holding's
    interval, its start) is credited to the nearest resource it is part of, by its IRI. A
    statement in a graph that is not a record file (the Wikidata labels) is credited to the
    sources of that graph."""
    s = sparql_iri(iri)
    found = rows(store, f"""
        SELECT ?p ?o ?g ?file WHERE {{
          GRAPH ?g {{ {s} ?p ?o }}
          OPTIONAL {{ ?g igo:recordFile ?file }}
        }} ORDER BY ?p ?o""")
    own = sources_of(store, iri)
    graph_sources: dict[str, list] = defaultdict(list)
    for row in rows(store, f"""SELECT DISTINCT ?g ?source WHERE {{ GRAPH ?g {{ {s} ?p ?o }}
                                  FILTER NOT EXISTS {{ ?g igo:recordFile ?file }}
                                  ?g prov:wasDerivedFrom ?source }} ORDER BY ?source"""):
        graph_sources[row["g"]].append(row["source"])
    for row in found:
        row["sources"] = own if row["file"] is not None else graph_sources.get(row["g"], [])
    return found


def sources_of(store, iri: str) -> list:
    """The sources ``iri`` cites; for a resource inside another (``.../post-holding/x/interval``)
    that cites none, those of the nearest resource it is inside; [] when none does."""
    candidates = [iri]
    if iri.startswith(ID):
        parts = iri[len(ID):].split("/")
        candidates += [ID + "/".join(parts[:n]) for n in range(len(parts) - 1, 1, -1)]
    values = " ".join(sparql_iri(c) for c in candidates)
    cited: dict[str, list] = defaultdict(list)
    for row in rows(store, f"SELECT DISTINCT ?x ?source WHERE {{ VALUES ?x {{ {values} }} ?x prov:wasDerivedFrom ?source }} ORDER BY ?source"):
        cited[row["x"]].append(row["source"])
    return next((cited[c] for c in candidates if cited.get(c)), [])


def inbound(store, iri: str, limit: int = 200) -> list[dict]:
    """Statements that refer to ``iri``."""
    # no ORDER BY in the query: sorting every inbound statement of a much-cited entity (a state
    # at thousands of meetings) costs seconds; the first ``limit`` found are sorted here
    o = sparql_iri(iri)
    found = rows(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {o} FILTER (?p != rdf:type) }} LIMIT {limit}")
    return sorted(found, key=lambda r: (str(r["p"]), str(r["s"])))


def _group(found: list[dict], key: str, many: Iterable[str]) -> list[dict]:
    """Merge rows that share ``key``, turning each column in ``many`` into a sorted list."""
    merged: dict[str, dict] = {}
    many = tuple(many)
    for row in found:
        target = merged.setdefault(row[key], {**row, **{m: [] for m in many}})
        for m in many:
            if row.get(m) is not None and row[m] not in target[m]:
                target[m].append(row[m])
    for row in merged.values():
        for m in many:
            row[m].sort()
    return list(merged.values())


def _number(row: dict, key: str = "number") -> int:
    try:
        return int(row.get(key) or 0)
    except ValueError:
        return 0


def meeting_view(store, iri: str) -> dict:
    m = sparql_iri(iri)
    participations = _group(rows(store, f"""
        SELECT ?participation ?number ?person ?role ?roleAsStated ?onBehalfOf ?post ?actingPost ?postAsStated
               ?rank ?rankNotStated ?count ?source ?note WHERE {{
          ?participation igo:inMeeting {m} ; a igo:Participation .
          OPTIONAL {{ ?participation igo:number ?number }}
          OPTIONAL {{ ?participation igo:participant ?person }}
          OPTIONAL {{ ?participation igo:representativeCount ?count }}
          OPTIONAL {{ ?participation igo:role ?role }}
          OPTIONAL {{ ?participation igo:roleAsStated ?roleAsStated }}
          OPTIONAL {{ ?participation igo:onBehalfOf ?onBehalfOf }}
          OPTIONAL {{ ?participation igo:post ?post }}
          OPTIONAL {{ ?participation igo:actingPost ?actingPost }}
          OPTIONAL {{ ?participation igo:postAsStated ?postAsStated }}
          OPTIONAL {{ ?participation igo:rank ?rank }}
          OPTIONAL {{ ?participation igo:notStated igo:rank BIND (true AS ?rankNotStated) }}
          OPTIONAL {{ ?participation prov:wasDerivedFrom ?source }}
          OPTIONAL {{ ?participation skos:note ?note }}
        }}"""), "participation", ("role", "roleAsStated", "post", "actingPost", "postAsStated", "source"))
    participations.sort(key=_number)
    delegations = rows(store, f"""
        SELECT ?delegation ?state ?head WHERE {{
          ?delegation a igo:Delegation ; igo:inMeeting {m} ; igo:ofState ?state .
          OPTIONAL {{ ?delegation igo:head ?head }}
        }} ORDER BY ?state""")
    groups = []
    placed: set[str] = set()
    for d in delegations:
        members = [p for p in participations if p["onBehalfOf"] == d["state"]]
        placed |= {p["participation"] for p in members}
        groups.append({"title": d["state"], "delegation": d["delegation"], "head": d["head"], "participations": members})
    others: dict[str | None, list] = defaultdict(list)
    observers = []
    for p in participations:
        if p["participation"] in placed:
            continue
        if ROLE_OBSERVER in p["role"]:
            observers.append(p)
        else:
            others[p["onBehalfOf"]].append(p)
    for behalf, members in sorted(others.items(), key=lambda kv: kv[0] or ""):
        groups.append({"title": behalf, "delegation": None, "head": None, "participations": members})
    if observers:
        groups.append({"title": None, "observers": True, "delegation": None, "head": None, "participations": observers})
    decisions = _group(rows(store, f"""
        SELECT ?decision ?number ?type ?appointee ?post ?effectiveFrom ?document ?kind ?title ?subject ?adoptedBy
               ?source WHERE {{
          ?decision igo:decidedAt {m} .
          OPTIONAL {{ ?decision igo:number ?number }}
          OPTIONAL {{ ?decision a ?type FILTER (?type != igo:Decision) }}
          OPTIONAL {{ ?decision igo:appointee ?appointee }}
          OPTIONAL {{ ?decision igo:toPost ?post }}
          OPTIONAL {{ ?decision igo:effectiveFrom ?effectiveFrom }}
          OPTIONAL {{ ?decision igo:adopted ?document .
                     OPTIONAL {{ ?document igo:documentKind ?kind }}
                     OPTIONAL {{ ?document dcterms:title ?title }}
                     OPTIONAL {{ ?document dcterms:subject ?subject }} }}
          OPTIONAL {{ ?decision igo:adoptedBy ?adoptedBy }}
          OPTIONAL {{ ?decision prov:wasDerivedFrom ?source }}
        }}"""), "decision", ("source", "type"))
    for d in decisions:  # named by its most specific kind: an election is also an appointment
        d["name"] = next((name for cls, name in DECISION_NAMES if cls in d["type"]), None)
    decisions.sort(key=_number)
    absences = _group(rows(store, f"""
        SELECT ?absence ?state ?reason ?source WHERE {{
          ?absence a igo:Absence ; igo:inMeeting {m} ; igo:absentee ?state .
          OPTIONAL {{ ?absence igo:reason ?reason }}
          OPTIONAL {{ ?absence prov:wasDerivedFrom ?source }}
        }}"""), "absence", ("source",))
    absences.sort(key=lambda r: r["state"])
    agenda = _group(rows(store, f"""
        SELECT ?item ?number ?subject ?proposedBy ?source WHERE {{
          {m} igo:agendaItem ?item .
          OPTIONAL {{ ?item igo:number ?number }}
          OPTIONAL {{ ?item dcterms:subject ?subject FILTER LANGMATCHES(LANG(?subject), 'en') }}
          OPTIONAL {{ ?item igo:proposedBy ?proposedBy }}
          OPTIONAL {{ ?item prov:wasDerivedFrom ?source }}
        }}"""), "item", ("source",))
    agenda.sort(key=_number)
    siblings = rows(store, f"""
        SELECT DISTINCT ?meeting ?date ?earliest WHERE {{
          {m} igo:body ?body . ?meeting a igo:Meeting ; igo:body ?body .
          OPTIONAL {{ ?meeting schema:startDate ?date }}
          OPTIONAL {{ ?meeting igo:earliestDate ?earliest }}
        }}""")
    # in the order of the first day each can have begun (an EDTF date such as "[2017-04-26, 2018-04-26]"
    # does not sort as text)
    siblings.sort(key=lambda r: (str(r["earliest"] or r["date"] or ""), r["meeting"]))
    position = next((i for i, r in enumerate(siblings) if r["meeting"] == iri), None)
    previous = siblings[position - 1]["meeting"] if position else None
    following = siblings[position + 1]["meeting"] if position is not None and position + 1 < len(siblings) else None
    announced = rows(store, f"""
        SELECT ?next ?date ?hostState ?place ?source WHERE {{
          {m} igo:nextMeeting ?next .
          OPTIONAL {{ ?next schema:startDate ?date }}
          OPTIONAL {{ ?next igo:hostState ?hostState }}
          OPTIONAL {{ ?next schema:location ?place }}
          OPTIONAL {{ ?next prov:wasDerivedFrom ?source }}
        }}""")
    announced = _group(announced, "next", ("source",))
    session = rows(store, f"""
        SELECT ?number ?inferred WHERE {{
          {{ {m} igo:sessionNumber ?number BIND (false AS ?inferred) }}
          UNION {{ {m} igo:inferredSessionNumber ?number BIND (true AS ?inferred) }}
        }} LIMIT 1""")
    return {"groups": groups, "participations": participations, "decisions": decisions, "agenda": agenda,
            "absences": absences, "previous": previous, "next": following, "announced": announced,
            "session": session[0] if session else None}


def person_view(store, iri: str) -> dict:
    p = sparql_iri(iri)
    participations, participation_total = _latest(
        store, "?participation ?meeting ?date ?role ?onBehalfOf ?post ?actingPost ?postAsStated ?rank ?rankNotStated ?source",
        f"?participation igo:participant {p} ; igo:inMeeting ?meeting",
        """OPTIONAL { ?participation igo:role ?role }
           OPTIONAL { ?participation igo:onBehalfOf ?onBehalfOf }
           OPTIONAL { ?participation igo:post ?post }
           OPTIONAL { ?participation igo:actingPost ?actingPost }
           OPTIONAL { ?participation igo:postAsStated ?postAsStated }
           OPTIONAL { ?participation igo:rank ?rank }
           OPTIONAL { ?participation igo:notStated igo:rank BIND (true AS ?rankNotStated) }
           OPTIONAL { ?participation prov:wasDerivedFrom ?source }""",
        "participation", ("role", "post", "actingPost", "postAsStated", "source"))
    posts = _group(rows(store, f"""
        SELECT ?holding ?post ?start ?end ?date ?acting ?decision ?source WHERE {{
          ?holding a org:Membership ; org:member {p} .
          OPTIONAL {{ ?holding igo:atTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?date }}
          OPTIONAL {{ ?holding org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?start }}
          OPTIONAL {{ ?holding org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?end }}
          OPTIONAL {{ ?holding prov:wasGeneratedBy ?decision }}
          OPTIONAL {{ ?holding prov:wasDerivedFrom ?source }}
          {{ ?holding igo:post ?post }} UNION {{ ?holding igo:actingPost ?post BIND (true AS ?acting) }}
        }}"""), "holding", ("source",))  # the union last: before the paths, the engine reads every date in the store
    posts.sort(key=lambda r: (str(r["start"] or r["date"] or ""), r["holding"]))
    appointments = _group(rows(store, f"""
        SELECT ?decision ?meeting ?date ?post ?effectiveFrom ?source WHERE {{
          ?decision igo:appointee {p} .
          OPTIONAL {{ ?decision igo:decidedAt ?meeting . OPTIONAL {{ ?meeting schema:startDate ?date }} }}
          OPTIONAL {{ ?decision igo:toPost ?post }}
          OPTIONAL {{ ?decision igo:effectiveFrom ?effectiveFrom }}
          OPTIONAL {{ ?decision prov:wasDerivedFrom ?source }}
        }}"""), "decision", ("source",))
    appointments.sort(key=lambda r: (str(r["date"] or ""), r["decision"]))
    ranks = _group(rows(store, f"""
        SELECT ?holding ?rank ?date ?source WHERE {{
          ?holding a igo:RankHolding ; igo:holder {p} ; igo:rank ?rank .
          OPTIONAL {{ ?holding igo:atTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?date }}
          OPTIONAL {{ ?holding prov:wasDerivedFrom ?source }}
        }}"""), "holding", ("source",))
    ranks.sort(key=lambda r: (str(r["date"] or ""), r["holding"]))
    held = tenure_answers.career(store, iri.rsplit("/", 1)[1], details=False)  # for the timeline
    bars = [Bar(t["label"] or t["post"], t["tenure"], *(t[b] for b in TENURE_BOUNDS), acting=t["acting"])
            for t in held["posts"]]
    points = [Point(m["label"] or m["meeting"], ID + "meeting/" + m["meeting"], m["date"]) for m in held["meetings"]
              if m["date"]]
    return {"participations": participations, "totals": {"participations": participation_total}, "posts": posts,
            "appointments": appointments, "ranks": ranks, "timeline_bars": bars, "timeline_points": points}


#: Rows a section of a page shows at most (the latest first); the workbench answers the rest.
SECTION_ROWS = summaries.SECTION_ROWS


def _summary(store, iri: str) -> dict | None:
    """The build's summary of ``iri`` when ``store`` is the pages' reader and the build has one."""
    return store.summary(iri) if isinstance(store, PageReader) else None


def _latest(store, select: str, pattern: str, optional: str, key: str, many: Iterable[str],
            summarized: dict | None = None) -> tuple[list[dict], int]:
    """The latest ``SECTION_ROWS`` of a section and how many there are in all.

    ``pattern`` binds ``?{key}`` and ``?meeting`` selectively (an index lookup); ``optional`` adds
    the details of the rows kept, so the cost follows what is shown, not what is recorded. With the
    build's summary of the section (``summarized``: its ``total`` and the keys of its ``latest``
    rows), the store is asked only for the details of those rows, their meetings included.
    """
    if summarized is not None and not summarized["latest"]:
        return [], summarized["total"]  # nothing to ask (and asked with no rows, the engine reads every detail)
    if summarized is not None:
        total = summarized["total"]
        keys = " ".join(sparql_iri(k) for k in summarized["latest"])
        kept = f"""{{ SELECT ?{key} ?meeting ?date WHERE {{ VALUES ?{key} {{ {keys} }} ?{key} igo:inMeeting ?meeting
                      OPTIONAL {{ ?meeting schema:startDate ?date }} }} }}"""
    else:
        total = int(rows(store, f"SELECT (COUNT(DISTINCT ?{key}) AS ?n) WHERE {{ {pattern} }}")[0]["n"])
        kept = f"""{{ SELECT DISTINCT ?{key} ?meeting ?date WHERE {{
               {pattern} OPTIONAL {{ ?meeting schema:startDate ?date }}
             }} ORDER BY DESC(?date) DESC(?{key}) LIMIT {SECTION_ROWS} }}"""
    found = _group(rows(store, f"""
        SELECT {select} WHERE {{
          {kept}
          {optional}
        }}"""), key, many)
    found.sort(key=lambda r: (str(r["date"] or ""), r[key]))
    return found, total


def agent_view(store, iri: str) -> dict:
    """A state, organization or body: its meetings, the delegations it sent and who headed them."""
    a = sparql_iri(iri)
    summary = _summary(store, iri)
    if summary is not None:
        meetings, meeting_total = _summarized_meetings(store, summary["meetings"])
    else:
        meetings, meeting_total = _agent_meetings(store, a)
    delegations, delegation_total = _latest(
        store, "?delegation ?meeting ?date ?head ?source", f"?delegation igo:ofState {a} ; igo:inMeeting ?meeting",
        "OPTIONAL { ?delegation igo:head ?head } OPTIONAL { ?delegation prov:wasDerivedFrom ?source }",
        "delegation", ("source",), summary and summary["delegations"])
    participations, participation_total = _latest(
        store, "?participation ?meeting ?date ?person ?role ?post ?actingPost ?source",
        f"?participation igo:onBehalfOf {a} ; igo:inMeeting ?meeting",
        """OPTIONAL { ?participation igo:participant ?person } OPTIONAL { ?participation igo:role ?role }
           OPTIONAL { ?participation igo:post ?post } OPTIONAL { ?participation igo:actingPost ?actingPost }
           OPTIONAL { ?participation prov:wasDerivedFrom ?source }""",
        "participation", ("role", "post", "actingPost", "source"), summary and summary["participations"])
    posts = rows(store, f"SELECT DISTINCT ?post WHERE {{ ?post org:postIn {a} }} ORDER BY ?post")
    parts = rows(store, f"SELECT DISTINCT ?part WHERE {{ {{ ?part org:unitOf {a} }} UNION {{ ?part org:subOrganizationOf {a} }} }} ORDER BY ?part")
    return {"meetings": meetings, "delegations": delegations, "participations": participations,
            "totals": {"meetings": meeting_total, "delegations": delegation_total,
                       "participations": participation_total},
            "posts": [r["post"] for r in posts], "parts": [r["part"] for r in parts]}


def _summarized_meetings(store, summarized: dict) -> tuple[list[dict], int]:
    """The meetings of an agent's page from the build's summary: which and how, with their dates from the store."""
    if not summarized["latest"]:
        return [], summarized["total"]
    values = " ".join(sparql_iri(m) for m, _ in summarized["latest"])
    dates: dict[str, object] = {}
    for row in rows(store, f"""SELECT DISTINCT ?meeting ?date WHERE {{ VALUES ?meeting {{ {values} }}
                               OPTIONAL {{ ?meeting schema:startDate ?date }} }}"""):
        dates.setdefault(row["meeting"], row["date"])
    meetings = [{"meeting": Iri(m), "date": dates.get(m), "how": list(how)} for m, how in summarized["latest"]]
    meetings.sort(key=lambda r: (str(r["date"] or ""), r["meeting"]))
    return meetings, summarized["total"]


def _agent_meetings(store, a: str) -> tuple[list[dict], int]:
    """The latest meetings of the agent ``a`` (an IRI written for SPARQL), and how many there are."""
    hows: dict[str, dict] = {}
    for how, pattern in (("body that met", f"?meeting igo:body {a}"), ("host", f"?meeting igo:hostState {a}"),
                         ("participant", f"?x igo:onBehalfOf {a} ; igo:inMeeting ?meeting"),
                         ("sent a delegation", f"?x igo:ofState {a} ; igo:inMeeting ?meeting"),
                         ("absent", f"?x igo:absentee {a} ; igo:inMeeting ?meeting")):
        for row in rows(store, f"""SELECT DISTINCT ?meeting ?date WHERE {{ {pattern} . ?meeting a igo:Meeting
                                   OPTIONAL {{ ?meeting schema:startDate ?date }} }}
                                   ORDER BY DESC(?date) LIMIT {SECTION_ROWS}"""):
            entry = hows.setdefault(row["meeting"], {"meeting": row["meeting"], "date": row["date"], "how": []})
            entry["how"].append(how)
    meetings = sorted(hows.values(), key=lambda r: (str(r["date"] or ""), r["meeting"]))[-SECTION_ROWS:]
    # the meetings first, then their type: joining the type to the union directly costs tens of
    # seconds for a state at a thousand meetings
    meeting_total = int(rows(store, f"""SELECT (COUNT(?meeting) AS ?n) WHERE {{
        {{ SELECT DISTINCT ?meeting WHERE {{
          {{ ?meeting igo:body {a} }} UNION {{ ?meeting igo:hostState {a} }}
          UNION {{ ?x igo:onBehalfOf {a} ; igo:inMeeting ?meeting }} UNION {{ ?x igo:ofState {a} ; igo:inMeeting ?meeting }}
          UNION {{ ?x igo:absentee {a} ; igo:inMeeting ?meeting }}
        }} }}
        ?meeting a igo:Meeting
        }}""")[0]["n"])
    return meetings, meeting_total


def post_view(store, iri: str) -> dict:
    """A post: who held it over time, and who attended meetings in it."""
    p = sparql_iri(iri)
    summary = _summary(store, iri) or {}
    # the post's holdings, from the build's summary when it has them: the store finds them only by
    # reading every statement that names the post (thousands of participations for a minister's)
    known = summary.get("holdings")
    holdings = "" if known is None else f"VALUES ?holding {{ {' '.join(sparql_iri(h) for h in known)} }}"
    holders = [] if known == [] else _group(rows(store, f"""
        SELECT ?holding ?person ?start ?end ?date ?acting ?source WHERE {{
          {holdings}
          {{ ?holding igo:post {p} }} UNION {{ ?holding igo:actingPost {p} BIND (true AS ?acting) }}
          ?holding a org:Membership .
          OPTIONAL {{ ?holding igo:atTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?date }}
          OPTIONAL {{ ?holding org:member ?person }}
          OPTIONAL {{ ?holding org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?start }}
          OPTIONAL {{ ?holding org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?end }}
          OPTIONAL {{ ?holding prov:wasDerivedFrom ?source }}
        }}"""), "holding", ("source",))
    holders.sort(key=lambda r: (str(r["start"] or r["date"] or ""), r["holding"]))
    participations, participation_total = _latest(
        store, "?participation ?meeting ?date ?person ?role ?acting ?source",
        f"?participation igo:post|igo:actingPost {p} ; igo:inMeeting ?meeting",
        f"""OPTIONAL {{ ?participation igo:participant ?person }} OPTIONAL {{ ?participation igo:role ?role }}
           OPTIONAL {{ ?participation igo:actingPost {p} BIND (true AS ?acting) }}
           OPTIONAL {{ ?participation prov:wasDerivedFrom ?source }}""",
        "participation", ("role", "source"), summary.get("participations"))
    slug = iri.rsplit("/", 1)[1]
    tenures = (tenure_answers.holders(store, slug, details=False)  # for the timeline
               + tenure_answers.holders(store, slug, acting=True, details=False))
    tenures.sort(key=lambda t: (t["earliest_start"] or t["latest_start"] or "", t["person"]))
    bars = [Bar(t["label"] or t["person"], t["tenure"], *(t[b] for b in TENURE_BOUNDS), acting=t["acting"])
            for t in tenures]
    return {"holders": holders, "participations": participations,
            "totals": {"participations": participation_total}, "timeline_bars": bars}


VIEWS = {"meeting": meeting_view, "person": person_view, "agent": agent_view, "post": post_view}


def page_data(store, iri: str) -> tuple[str, dict, Labels]:
    """The template name, its data and the labels of every IRI in it."""
    template = KIND_TEMPLATES.get(kind_of(iri), "generic")
    data = VIEWS[template](store, iri) if template in VIEWS else {}
    data["facts"] = facts(store, iri)
    data["inbound"] = inbound(store, iri)
    labels = Labels(store)
    labels.fetch(_collect(data.values()) | {Iri(iri)})
    return template, data, labels
