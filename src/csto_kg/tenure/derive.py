"""Deriving tenures from records.

Each piece of evidence bounds when a person held a post (``acting`` kept apart from substantive
holding): a post-holding states its start, end or a date it was held; an appointment or election
starts a holding (``effective_from``, else the meeting's date); a participation stating the post
attests it on the meeting's date. The evidence for one person, post and capacity makes one tenure
with earliest/latest start and end, each with how it is known. For a post declared
``single_holder: true``, a successor's earliest start is the latest end of an open predecessor.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..graph.vocab import entity_iri
from typing import Iterable

from ..records.model import Meeting, PartialDate, RecordFile, Records

STATED, APPOINTMENT, ATTESTED, SUCCESSION = "stated", "appointment", "attested", "succession"


@dataclass(slots=True)  # a build at scale holds millions of these while it reasons
class Evidence:
    basis: str  # stated, appointment or attested
    file: str  # the record file, relative to the data folder
    line: int
    sources: list[str]
    start: tuple[str | None, str | None] | None = None  # earliest, latest start it gives
    end: tuple[str | None, str | None] | None = None  # earliest, latest end it gives
    held: tuple[str, str] | None = None  # a span in which it was held (an attestation, a holding's date)
    node: str = ""  # the IRI of the post-holding, decision or participation
    decision: str | None = None  # appointment or election


@dataclass
class Tenure:
    person: str
    post: str
    acting: bool
    earliest_start: str | None = None
    latest_start: str | None = None
    earliest_end: str | None = None
    latest_end: str | None = None
    start_basis: str | None = None
    end_basis: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    spell: int = 1  # the person's first, second, ... time in the post (in this capacity)

    @property
    def key(self) -> str:
        return f"{self.person}--{self.post}" + ("--acting" if self.acting else "") + \
            (f"--{self.spell}" if self.spell > 1 else "")

    @property
    def sources(self) -> list[str]:
        return sorted({s for e in self.evidence for s in e.sources})

    @property
    def files(self) -> list[str]:
        return sorted({e.file for e in self.evidence})

    @property
    def places(self) -> list[str]:
        return sorted({f"{e.file}:{e.line}" for e in self.evidence})

    def on(self, day: str) -> str | None:
        """``certainly`` when the bounds guarantee the post was held on ``day``, ``possibly`` when
        they only allow it, else None."""
        if (self.earliest_start is not None and day < self.earliest_start) or \
                (self.latest_end is not None and day > self.latest_end):
            return None
        if self.latest_start is not None and self.latest_start <= day and \
                self.earliest_end is not None and day <= self.earliest_end:
            return "certainly"
        return "possibly"


@dataclass
class Conflict:
    message: str
    places: list[str]  # where the evidence involved is written: "meetings/x.yaml:12"

    @property
    def files(self) -> list[str]:
        return sorted({place.rsplit(":", 1)[0] for place in self.places})


def _bounds(date: PartialDate | None) -> tuple[str | None, str | None] | None:
    return None if date is None else (date.earliest, date.latest)


def _meeting_span(m: Meeting) -> tuple[str, str] | None:
    first, last = m.start.earliest, (m.end or m.start).latest
    return (first, last) if first and last else None


Claim = tuple[str, str, bool, Evidence]  # person, post, acting, the evidence


def record_evidence(record: RecordFile) -> list[Claim]:
    """The evidence one record file gives of who held which post when."""
    found: list[Claim] = []
    for e in record.entities:
        f = e.fields
        if e.kind != "post-holding" or f.get("person") is None or f.get("post") is None:
            continue
        ev = Evidence(STATED, record.name, e.mark.line, [str(s.slug) for s in e.sources],
                      start=_bounds(f.get("start")), end=_bounds(f.get("end")),
                      node=str(entity_iri(e.kind, e.slug)))
        if f.get("date") is not None and f["date"].earliest and f["date"].latest:
            ev.held = (f["date"].earliest, f["date"].latest)
        found.append((str(f["person"].slug), str(f["post"].slug), f.get("role") == "acting", ev))
    m = record.meeting
    if m is None:
        return found
    span = _meeting_span(m)
    meeting = str(entity_iri("meeting", m.slug))
    for d in m.decisions:
        if d.type not in ("appointment", "election") or d.appointee is None or d.post is None:
            continue
        start = d.effective_from or m.start
        found.append((str(d.appointee.slug), str(d.post.slug), False,
                      Evidence(APPOINTMENT, record.name, d.mark.line, [str(s.slug) for s in d.sources or m.sources],
                               start=_bounds(start), node=f"{meeting}/decision/{d.number}",
                               decision=str(d.type))))
    if span is None:
        return found
    for p in m.participations:
        if p.person is None:
            continue
        for acting, posts in ((False, p.posts), (True, p.acting_posts)):
            for post in posts:
                found.append((str(p.person.slug), str(post.slug), acting,
                              Evidence(ATTESTED, record.name, p.mark.line,
                                       [str(s.slug) for s in p.sources or m.sources],
                                       held=span, node=f"{meeting}/participation/{p.number}")))
    return found


def single_holder_posts(record: RecordFile) -> list[str]:
    """The posts a record file declares ``single_holder: true``."""
    return [str(e.slug) for e in record.entities if e.kind == "post" and e.fields.get("single_holder")]


def claim_row(claim: Claim) -> list:
    """A claim as a JSON-able row, kept with a record's build information so that an incremental
    build reasons over the evidence of the records it does not read again."""
    person, post, acting, e = claim
    return [person, post, int(acting), e.basis, e.file, e.line, e.sources, e.start and list(e.start),
            e.end and list(e.end), e.held and list(e.held), e.node, e.decision]


def claim_from_row(row: list, shared: dict | None = None) -> Claim:
    """The claim of a row made by :func:`claim_row`. With ``shared`` (a dict kept across calls),
    equal values are made one object: the names, files, dates and lists of sources that recur
    over the rows of a build are then held once however many claims carry them."""
    person, post, acting, basis, file, line, sources, start, end, held, node, decision = row
    if shared is None:
        return (person, post, bool(acting),
                Evidence(basis, file, line, list(sources), start=tuple(start) if start else None,
                         end=tuple(end) if end else None, held=tuple(held) if held else None, node=node,
                         decision=decision))

    def one(value):
        return value if value is None else shared.setdefault(value, value)

    def span(pair):
        if not pair:
            return None
        pair = (one(pair[0]), one(pair[1]))
        return shared.setdefault(pair, pair)

    key = ("sources", *sources)  # tuples of sources: apart from the tuples of dates
    listed = shared.get(key)
    if listed is None:
        listed = shared[key] = [one(s) for s in sources]
    return (one(person), one(post), bool(acting),
            Evidence(one(basis), one(file), line, listed, start=span(start), end=span(end), held=span(held),
                     node=node, decision=one(decision)))


def _merge(person: str, post: str, acting: bool, evidence: list[Evidence], conflicts: list[Conflict]) -> Tenure:
    t = Tenure(person, post, acting, evidence=sorted(evidence, key=lambda e: (e.file, e.line)))
    # a start: stated first, then an appointment
    for basis in (STATED, APPOINTMENT):
        starts = [e.start for e in t.evidence if e.basis == basis and e.start is not None]
        if starts and t.start_basis is None:
            t.earliest_start = max((s[0] for s in starts if s[0]), default=None)
            t.latest_start = min((s[1] for s in starts if s[1]), default=None)
            t.start_basis = basis
    ends = [e.end for e in t.evidence if e.end is not None]
    if ends:
        t.earliest_end = max((s[0] for s in ends if s[0]), default=None)
        t.latest_end = min((s[1] for s in ends if s[1]), default=None)
        t.end_basis = STATED
    for e in t.evidence:
        if e.held is None:
            continue
        first, last = e.held
        basis = ATTESTED if e.basis == ATTESTED else STATED
        if t.latest_start is None or last < t.latest_start:
            t.latest_start = last
            t.start_basis = t.start_basis or basis
        if t.earliest_end is None or first > t.earliest_end:
            t.earliest_end = first
            t.end_basis = t.end_basis or basis
        # held before an election starts it: a re-election, which does not give the start; held
        # before an appointment starts it: a conflict
        appointed = [a for a in t.evidence if a.decision == "appointment" and a.start and a.start[0]]
        for a in appointed:
            if last < a.start[0]:
                conflicts.append(Conflict(
                    f"{person} is attested as {post} on {last}, before being appointed to it from {a.start[0]}",
                    sorted({f"{e.file}:{e.line}", f"{a.file}:{a.line}"})))
    if t.earliest_start and t.latest_start and t.latest_start < t.earliest_start:
        t.earliest_start, t.start_basis = None, ATTESTED
    if t.earliest_end is None and t.latest_start is not None:
        t.earliest_end = t.latest_start  # held at least on the day it certainly had begun by
        t.end_basis = t.end_basis or t.start_basis
    return t


def derive(records: Records) -> tuple[list[Tenure], list[Conflict]]:
    """Every tenure the records give evidence of, and the conflicts between them."""
    return reason([c for record in records.files for c in record_evidence(record)],
                  {post for record in records.files for post in single_holder_posts(record)})


def reason(claims: Iterable[Claim], single: set[str]) -> tuple[list[Tenure], list[Conflict]]:
    """The tenures ``claims`` give evidence of, ``single`` being the single-holder posts."""
    conflicts: list[Conflict] = []
    grouped: dict[tuple[str, str, bool], list[Evidence]] = {}
    for person, post, acting, evidence in claims:
        grouped.setdefault((person, post, acting), []).append(evidence)
    tenures = [_merge(person, post, acting, ev, conflicts) for (person, post, acting), ev in sorted(grouped.items())]
    tenures = _spells(tenures, grouped, single, conflicts)
    substantive: dict[str, list[Tenure]] = {}  # each single-holder post's tenures, substantive and acting
    acting: dict[str, list[Tenure]] = {}
    for t in tenures:
        if t.post in single:
            (acting if t.acting else substantive).setdefault(t.post, []).append(t)

    def begins(t: Tenure) -> str:
        return t.earliest_start or t.latest_start or ""

    for post in sorted(single):
        held = sorted(substantive.get(post, ()), key=lambda t: (begins(t), t.person))
        for i, t in enumerate(held):
            successor = next((s for s in held[i + 1:] if s.earliest_start and (t.latest_start or "") < s.earliest_start),
                             None)
            if successor is not None and t.latest_end is None:
                if t.earliest_end and t.earliest_end > successor.earliest_start:
                    conflicts.append(Conflict(
                        f"{t.person} is shown holding {post} on {t.earliest_end}, after {successor.person}"
                        f" took it from {successor.earliest_start}", sorted(set(t.places + successor.places))))
                else:
                    t.latest_end, t.end_basis = successor.earliest_start, SUCCESSION
            if not (t.latest_start and t.earliest_end):
                continue
            for other in held[i + 1:]:
                if begins(other) > t.earliest_end:
                    break  # held in start order: no later tenure is certainly held together with this one
                if not (other.latest_start and other.earliest_end):
                    continue
                first, last = max(t.latest_start, other.latest_start), min(t.earliest_end, other.earliest_end)
                if first <= last and STATED in (t.start_basis, t.end_basis) \
                        and STATED in (other.start_basis, other.end_basis):
                    conflicts.append(Conflict(
                        f"{t.person} and {other.person} both hold the single-holder post {post} on {first}",
                        sorted(set(t.places + other.places))))
        # an open acting tenure ends, at the latest, when a substantive holder's tenure begins
        starts = sorted(s.earliest_start for s in held if s.earliest_start)
        for t in acting.get(post, ()):
            if t.latest_end is None:
                since = t.latest_start or t.earliest_start or ""
                after = bisect.bisect_right(starts, since)
                if after < len(starts):
                    t.latest_end, t.end_basis = starts[after], SUCCESSION
    return tenures, conflicts


def _span(e: Evidence) -> tuple[str | None, str | None]:
    """The first and last day a piece of evidence can speak of."""
    first = (e.start and e.start[0]) or (e.held and e.held[0]) or (e.end and e.end[0])
    last = (e.end and e.end[1]) or (e.held and e.held[1]) or (e.start and e.start[1])
    return first or None, last or None


class _Spans:
    """The days each holder of a post certainly held it, to ask quickly whether someone other than a
    given person certainly held it on some day strictly between two days."""

    def __init__(self, spans: list[tuple[str, str, str]]) -> None:
        spans = sorted(spans)
        self.firsts = [first for first, _last, _person in spans]
        # for each prefix of the spans (by first day): the latest last day, and the latest of another person
        self.best: list[tuple[str, str]] = []
        self.second: list[tuple[str, str]] = []
        best, second = ("", ""), ("", "")
        for _first, last, person in spans:
            if last > best[0]:
                if person != best[1]:
                    second = best
                best = (last, person)
            elif person != best[1] and last > second[0]:
                second = (last, person)
            self.best.append(best)
            self.second.append(second)

    def other_between(self, after: str, before: str, person: str) -> bool:
        k = bisect.bisect_left(self.firsts, before) - 1  # the spans that begin before ``before``
        if k < 0:
            return False
        for last, who in (self.best[k], self.second[k]):
            if who and who != person:
                return last > after
        return False


def _spells(tenures: list[Tenure], grouped: dict[tuple[str, str, bool], list[Evidence]], single: set[str],
            conflicts: list[Conflict]) -> list[Tenure]:
    """Split a person's evidence for a single-holder post into separate spells where another
    person certainly held the post in between (Semerikov acting in April 2017, and again from
    November 2018, with Khachaturov holding it between): one tenure per spell."""
    certain: dict[str, list[tuple[str, str, str]]] = {}  # post -> (latest start, earliest end, person)
    for t in tenures:
        if t.post in single and not t.acting and t.latest_start and t.earliest_end:
            certain.setdefault(t.post, []).append((t.latest_start, t.earliest_end, t.person))
    between = {post: _Spans(spans) for post, spans in certain.items()}
    result = []
    for t in tenures:
        spans = between.get(t.post)
        evidence = grouped[(t.person, t.post, t.acting)]
        if spans is None or len(evidence) < 2:
            result.append(t)
            continue
        evidence = sorted(evidence, key=lambda e: (_span(e)[0] or "", e.file, e.line))
        spells, current = [], [evidence[0]]
        for before, after in zip(evidence, evidence[1:]):
            end_before, start_after = _span(before)[1], _span(after)[0]
            # another holder certainly held the post on some day between the two
            if end_before and start_after and spans.other_between(end_before, start_after, t.person):
                spells.append(current)
                current = []
            current.append(after)
        spells.append(current)
        if len(spells) == 1:
            result.append(t)
            continue
        for n, part in enumerate(spells, 1):
            spell = _merge(t.person, t.post, t.acting, part, conflicts)
            spell.spell = n
            result.append(spell)
    return result


def holders(tenures: list[Tenure], post: str, on: str | None = None, acting: bool = False) -> list[tuple[Tenure, str | None]]:
    """The tenures of ``post`` (acting ones when ``acting``), with ``certainly``/``possibly`` on ``on``."""
    found = []
    for t in tenures:
        if t.post != post or t.acting != acting:
            continue
        how = t.on(on) if on else None
        if on is None or how is not None:
            found.append((t, how))
    return sorted(found, key=lambda pair: (pair[0].earliest_start or pair[0].latest_start or "", pair[0].person))
