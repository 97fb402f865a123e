"""Per-build summaries: what a page would otherwise count and sort on every request.

A state or an organization is named by tens of thousands of participations and delegations, a
minister's post by thousands of participations. Its page shows how many there are and the latest
:data:`SECTION_ROWS` of each; finding those with SPARQL means reading every one of them on every
request (seconds, growing with the records). The build works them out once, from what each
record's part (:mod:`~csto_kg.store.statements`) keeps of its statements, and writes for every
resource with more than :data:`SECTION_ROWS` of them which are the latest ones and how many there
are in all, beside the build (``builds/<id>.summaries.json``). A page then asks the store only for
the details of the rows it shows.

Only the ordering and the counts come from here; every fact a page shows is still read from the
store. A build without a summary file (one made before summaries, a remote store) is read with the
queries, as before. The file::

    {"version": 2, "section_rows": 100,
     "agents": {IRI: {"meetings": {"total": N, "latest": [[meeting, [how, ...]], ...]},
                      "delegations": {"total": N, "latest": [delegation, ...]},
                      "participations": {"total": N, "latest": [participation, ...]}}},
     "posts": {IRI: {"participations": {"total": N, "latest": [participation, ...]},
                     "holdings": [post-holding, ...]}}}

A post's ``holdings`` are every ``org:Membership`` of it (``igo:post`` or ``igo:actingPost``): the
store finds them only by reading each statement naming the post, its participations' too. A file
written before they were kept has no ``holdings``, and its post pages ask the store.

``latest`` lists are in time order (the meeting's start date, then the IRI), oldest first.
"""

from __future__ import annotations

import heapq
import json
import os
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from ..graph.vocab import ID
from .statements import Statements

VERSION = 2
#: Rows a section of a page shows at most (the latest first); the workbench answers the rest.
SECTION_ROWS = 100

_PREFIXES = """PREFIX igo: <https://w3id.org/csto-kg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
"""
_MEETING = "<" + ID + "meeting/"  # as TSV writes the IRI of a meeting
_PARTS = ("participation", "delegation", "absence")  # the parts of a meeting that are igo:inMeeting it
#: How a meeting concerns an agent, in the order a page lists them: the property that says so, and
#: what has it (the meeting itself, or a delegation, participation or absence in the meeting).
HOW_PROPERTIES = (("body that met", "igo:body", "meeting"), ("host", "igo:hostState", "meeting"),
                  ("participant", "igo:onBehalfOf", "participations"),
                  ("sent a delegation", "igo:ofState", "delegations"), ("absent", "igo:absentee", "absence"))


def path_of(build: Path) -> Path:
    """The summary file of the build in folder ``build``."""
    return build.with_name(build.name + ".summaries.json")


def _tsv(store, query: str) -> list[list[str]]:
    """A SELECT's rows as the terms' TSV text (IRIs in <>), read in bulk: far faster than term objects."""
    answer = store.query(_PREFIXES + query)
    lines = answer.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")
    return [line.split("\t") for line in lines[1:] if line]


def _iri(term: str) -> str:
    return term[1:-1]


def _date(term: str) -> str:
    """The lexical form of a date literal (for ordering: dates, year-months and years sort as text)."""
    if term.startswith('"'):
        return term[1:term.index('"', 1)]
    return term


def _meeting_of(item: str) -> str | None:
    """The meeting a participation, delegation or absence is part of, by its IRI (``<.../id/meeting/m/participation/3>``
    is part of ``<.../id/meeting/m>``); None for any other IRI (a post-holding inside a decision, say)."""
    if not item.startswith(_MEETING):
        return None
    parts = item[len(_MEETING):-1].split("/")
    if len(parts) != 3 or parts[1] not in _PARTS:
        return None
    return _MEETING + parts[0] + ">"


def compute(store) -> dict:
    """The summaries of ``store`` (anything with ``query(text)`` whose default graph is the union).

    Each query reads one property, through the store's index on it. A part of a meeting is put in
    its meeting by its IRI, as the records lay IRIs out: joining each to ``igo:inMeeting`` would
    read as many rows again. The pages take a row's meeting from the store, never from here.

    The build does not ask the store: it merges the records' parts (:func:`merge`); this is the
    reference that is tested against."""
    starts = _tsv(store, "SELECT ?meeting ?date WHERE { ?meeting schema:startDate ?date }")
    typed = [m for (m,) in _tsv(store, "SELECT ?meeting WHERE { ?meeting a igo:Meeting }")]
    links = {predicate: _tsv(store, f"SELECT ?x ?o WHERE {{ ?x {predicate} ?o }}") for predicate in _LINKS}
    memberships = [h for (h,) in _tsv(store, "SELECT ?h WHERE { ?h a org:Membership }")]
    return _summarize(starts, typed, links, memberships)


#: The properties whose statements the summaries count, as the queries name them.
_LINKS = (*(predicate for _how, predicate, _section in HOW_PROPERTIES), "igo:post", "igo:actingPost")


def _summarize(starts, typed, links: dict[str, list], memberships) -> dict:
    """The summaries from the statements they are made of, as TSV terms (IRIs in <>): ``starts`` the
    (thing, date) of every ``schema:startDate``, ``typed`` whatever is an ``igo:Meeting``, ``links``
    the (subject, object) of every statement of each of :data:`_LINKS`, ``memberships`` whatever is an
    ``org:Membership``. Repeated rows change nothing."""
    summary = _Summary(_dates(starts), set(typed), set(memberships))
    summary.add(links)
    return summary.result()


def _dates(starts) -> dict[str, str]:
    """Each meeting's date (the latest of its ``schema:startDate``), from (meeting, date) rows."""
    dates: dict[str, str] = {}
    for meeting, date in starts:
        dates[meeting] = max(dates.get(meeting, ""), _date(date))
    return dates


class _Summary:
    """The summaries, added to a statement at a time (:meth:`add`) once every meeting's date, which
    things are meetings and which are post-holdings are known. Of each section it keeps how many
    rows there are and the latest :data:`SECTION_ROWS` (a row is a participation, delegation or
    absence, each in one meeting's record: the rows of one :meth:`add` are told apart, those of two
    never meet); of each agent, how each of its meetings concerns it."""

    def __init__(self, dates: dict[str, str], typed: set[str], memberships: set[str]):
        self.dates, self.typed, self.memberships = dates, typed, memberships
        self.hows: dict[str, dict[str, int]] = defaultdict(dict)  # agent -> meeting -> hows, as bits of HOW_PROPERTIES
        self.items: dict[str, dict[str, _Latest]] = {"delegations": {}, "participations": {}}
        self.unplaced: set[str] = set()  # agents and posts with a part whose IRI names no meeting: left to the page's queries
        self.held: dict[str, _Latest] = {}
        self.holdings: dict[str, set[str]] = defaultdict(set)

    def add(self, links: dict[str, list]) -> None:
        """Add the (subject, object) of statements of each of :data:`_LINKS` (``links``, by predicate)."""
        for bit, (_how, predicate, section) in enumerate(HOW_PROPERTIES):
            items = self.items.get(section)
            seen: set[tuple[str, str]] = set()
            for x, agent in links.get(predicate, ()):
                meeting = x if section == "meeting" else _meeting_of(x)
                if meeting is None:
                    self.unplaced.add(agent)
                    continue
                meetings = self.hows[agent]
                meetings[meeting] = meetings.get(meeting, 0) | 1 << bit
                if items is not None and (agent, x) not in seen:
                    seen.add((agent, x))
                    latest = items.get(agent) or items.setdefault(agent, _Latest())
                    latest.add(self.dates.get(meeting, ""), x)
        seen = set()  # a participation in both a post and the same acting post is one row
        for predicate in ("igo:post", "igo:actingPost"):
            for x, post in links.get(predicate, ()):
                meeting = _meeting_of(x)
                if meeting is None:  # a post-holding (or a tenure), not a participation
                    if x in self.memberships:
                        self.holdings[post].add(x)
                    continue
                if (post, x) not in seen:
                    seen.add((post, x))
                    latest = self.held.get(post) or self.held.setdefault(post, _Latest())
                    latest.add(self.dates.get(meeting, ""), x)

    def result(self) -> dict:
        order = [how for how, _, _ in HOW_PROPERTIES]
        agents = {}
        for agent, meetings in self.hows.items():
            sizes = [len(meetings), *(self.items[s][agent].total for s in self.items if agent in self.items[s])]
            if max(sizes) <= SECTION_ROWS or agent in self.unplaced:
                continue  # small enough for the page's own queries
            kept = sorted((m for m in meetings if m in self.typed), key=lambda m: (self.dates.get(m, ""), m))
            entry = {"meetings": {"total": len(kept), "latest": [
                [_iri(m), [h for bit, h in enumerate(order) if meetings[m] >> bit & 1]] for m in kept[-SECTION_ROWS:]]}}
            for section, items in self.items.items():
                entry[section] = (items.get(agent) or _Latest()).result()
            agents[_iri(agent)] = entry
        posts = {_iri(post): {"participations": found.result(),
                              "holdings": sorted(_iri(h) for h in self.holdings.get(post, ()))}
                 for post, found in self.held.items() if found.total > SECTION_ROWS}
        return {"version": VERSION, "section_rows": SECTION_ROWS, "agents": agents, "posts": posts}


class _Latest:
    """How many rows a section has, and its latest :data:`SECTION_ROWS` by (their meeting's date, IRI)."""

    __slots__ = ("total", "_kept")

    def __init__(self):
        self.total = 0
        self._kept: list[tuple[str, str]] = []  # a heap: the earliest of those kept first

    def add(self, date: str, item: str) -> None:
        self.total += 1
        if len(self._kept) < SECTION_ROWS:
            heapq.heappush(self._kept, (date, item))
        elif (date, item) > self._kept[0]:
            heapq.heapreplace(self._kept, (date, item))

    def result(self) -> dict:
        return {"total": self.total, "latest": [_iri(item) for _date, item in sorted(self._kept)]}


def merge(statements: Statements) -> dict:
    """The summaries of a build from the statements of its records' and other graphs' parts
    (:mod:`~csto_kg.store.statements`): what :func:`compute` reads from the store the build makes.

    The tenures graph has no part: the only statements of it the summaries read are its tenures'
    ``igo:post`` and ``igo:actingPost``, and a tenure is in no meeting."""
    links = {predicate: statements.rows(predicate) for predicate in _LINKS}
    return _summarize(statements.rows("schema:startDate"), statements.typed("igo:Meeting"), links,
                      statements.typed("org:Membership"))


class Fold:
    """The summaries of a build from its parts, read twice (:func:`~csto_kg.store.statements.fold`):
    the first reading finds every meeting's date, the meetings and the post-holdings; the second
    adds each part's statements. What :func:`merge` gives, without all the statements at once."""

    FIRST = ("schema:startDate", "a")  # the predicates the first reading reads

    def __init__(self):
        self.dates: dict[str, str] = {}
        self.typed: set[str] = set()
        self.memberships: set[str] = set()
        self._summary: _Summary | None = None

    def first(self, found: Statements) -> None:
        for meeting, date in found.rows("schema:startDate"):
            self.dates[meeting] = max(self.dates.get(meeting, ""), _date(date))
        self.typed |= found.typed("igo:Meeting")
        self.memberships |= found.typed("org:Membership")

    def second(self, found: Statements) -> None:
        self._started().add({predicate: found.rows(predicate) for predicate in _LINKS})

    def result(self) -> dict:
        return self._started().result()

    def _started(self) -> _Summary:
        if self._summary is None:
            self._summary = _Summary(self.dates, self.typed, self.memberships)
        return self._summary


def write(build: Path, found: dict) -> Path:
    """Write the summaries ``found`` beside the build folder ``build`` (a build writes them before its
    store is served: no page of it is ever made without them)."""
    target = path_of(build)
    partial = target.with_name(target.name + f".{os.getpid()}.new")
    partial.write_text(json.dumps(found, separators=(",", ":")), encoding="utf-8")
    partial.replace(target)
    return target


def read(build: Path) -> dict | None:
    """The summaries of the build in folder ``build``; None when it has none (or of another version)."""
    try:
        found = json.loads(path_of(build).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("version") != VERSION:
        return None
    rows = found.get("section_rows")
    if not isinstance(rows, int) or rows < SECTION_ROWS:
        return None
    if rows > SECTION_ROWS:  # a build that kept more of each section: its latest rows are still the latest
        for entries in (found.get("agents", {}), found.get("posts", {})):
            for sections in entries.values():
                for section in sections.values():
                    if isinstance(section, dict):  # not a post's holdings: every one is shown
                        section["latest"] = section["latest"][-SECTION_ROWS:]
        found["section_rows"] = SECTION_ROWS
    return found
