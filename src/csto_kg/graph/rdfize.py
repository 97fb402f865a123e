"""Checked records -> RDF: one named graph per record file, with provenance.

Every triple remembers where in the YAML it came from (``RecordGraph.locations``),
so a SHACL result on a node and path can be reported at the file and line the
curator wrote. The output is deterministic: no blank nodes, IRIs made from slugs
and numbers only. The terms are light ones (:mod:`csto_kg.graph.terms`), not rdflib's:
checking a record needs no rdflib; :attr:`RecordGraph.graph` converts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from typing import TYPE_CHECKING

from .. import records as r
from ..records.kinds import BY_NAME as KINDS, ENTITY_SECTIONS
from .terms import IRI, Literal, to_rdflib
from .names import (
    DCTERMS, EDTF, IGO, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, TIME, WD, XSD,
    document_kind_iri, entity_iri, expand, graph_iri, iri, role_iri,
)
from ..records.yamlsafe import Mark

if TYPE_CHECKING:
    from rdflib import Graph

Node = IRI | Literal

DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}
TIME_PROPERTIES = {"day": TIME.inXSDDate, "month": TIME.inXSDgYearMonth, "year": TIME.inXSDgYear}
# the class of each kind of entity, and of each type of organization (records.kinds)
ORGANIZATION_CLASSES = {name: expand(cls) for name, cls in KINDS["organization"].types.items()}
ENTITY_CLASSES = {kind: expand(KINDS[kind].rdf_class) for kind in ENTITY_SECTIONS.values()}
# the property of each field a record may mark ``not-stated`` (igo:notStated)
NOT_STATED_PROPERTIES = {"rank": IGO.rank, "wikidata": SKOS.exactMatch}
ATTENDANCE_MODES = {
    "in-person": SCHEMA.OfflineEventAttendanceMode,
    "videoconference": SCHEMA.OnlineEventAttendanceMode,
}


@dataclass(frozen=True)
class Location:
    """Where a node or a triple came from in its record file."""

    line: int
    column: int
    field: str


class RecordGraph:
    """The RDF of one record file: its triples, in order, and where each came from."""

    def __init__(self, name: str, iri: IRI):
        self.name = name
        self.iri = iri
        self.triples: list[tuple[IRI, IRI, Node]] = []  # may repeat a triple; RDF is a set
        # where each node, and each of its properties, was first written: the mark and the field
        # (a Location is made only for what :meth:`locate` is asked: a record with no problem needs none)
        self.locations: dict[tuple[Node, Node | None], tuple[Mark, str]] = {}
        self._graph: Graph | None = None

    def add(self, triple: tuple[IRI, IRI, Node]) -> None:
        self.triples.append(triple)

    def __len__(self) -> int:
        return len(self.triples)

    @property
    def graph(self) -> Graph:
        """The triples as an rdflib graph of rdflib terms (built on first use; the build and the
        check do not need it)."""
        if self._graph is None:
            from rdflib import Graph  # noqa: PLC0415 - only whoever asks for an rdflib graph loads rdflib

            self._graph = Graph()
            for s, p, o in self.triples:
                self._graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        return self._graph

    def nquads(self) -> list[str]:
        """The triples as N-Quads lines in this record's graph, each once, in order."""
        ctx = f" <{self.iri}> .\n"
        return list(dict.fromkeys([f"<{s}> <{p}> <{o}>{ctx}" if type(o) is IRI else f"<{s}> <{p}> {nquads_term(o)}{ctx}"
                                   for s, p, o in self.triples]))

    def locate(self, node: Node, path: Node | None) -> Location | None:
        found = self.locations.get((node, path)) or self.locations.get((node, None))
        return None if found is None else Location(found[0].line, found[0].column, found[1])


# What a quoted N-Quads string may not hold as it is: '"', '\\', line feed and carriage return
# (the grammar's STRING_LITERAL_QUOTE), and, escaped too so that every quad stays on one line
# for any reader and no raw control character reaches a terminal, the other C0 controls, DEL,
# NEL and the Unicode line and paragraph separators.
_ESCAPED = re.compile("[\x00-\x1f\"\\\\\x7f\x85\u2028\u2029]")
_ECHAR = {"\t": "\\t", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\f": "\\f", '"': '\\"', "\\": "\\\\"}


def _escape(match: re.Match) -> str:
    char = match.group()
    return _ECHAR.get(char) or f"\\u{ord(char):04X}"


def nquads_string(text: str) -> str:
    """``text`` as a quoted N-Quads string (STRING_LITERAL_QUOTE), on one line whatever it holds."""
    return f'"{_ESCAPED.sub(_escape, text)}"' if _ESCAPED.search(text) else f'"{text}"'


_XSD_STRING = str(XSD.string)


def nquads_term(node: Node) -> str:
    """An IRI or a literal as N-Quads writes it (the graphs the records make have no blank nodes)."""
    if isinstance(node, IRI):
        return f"<{node}>"
    if isinstance(node, Literal):
        language, datatype = node.language, node.datatype
        text = node.lexical
        quoted = nquads_string(text)
        if language:
            return f"{quoted}@{language}"
        if datatype is not None and not str.__eq__(datatype, _XSD_STRING):  # a datatype is an IRI
            return f"{quoted}^^<{datatype}>"
        return quoted
    raise TypeError(f"no N-Quads form for {node!r}")


def text_literal(text: str, lang: str | None) -> Literal:
    """A plain or language-tagged literal (the tag was checked when the record was read)."""
    return Literal(text, None, lang)


@lru_cache(maxsize=4096)
def int_literal(number: int) -> Literal:
    """An xsd:integer, written as rdflib writes a Python int (its decimal digits)."""
    return Literal(str(int(number)), XSD.integer)


def boolean_literal(value: bool) -> Literal:
    """An xsd:boolean, written as rdflib writes a Python bool (``true``, ``false``)."""
    return Literal("true" if value else "false", XSD.boolean)


@lru_cache(maxsize=65536)
def date_literal_of(text: str, precision: str | None) -> Literal:
    """An exact date as xsd:date, gYearMonth or gYear (``precision``); any other EDTF date (no
    precision) as a literal of the EDTF datatype."""
    if precision is None:
        return Literal(text, EDTF)
    return Literal(text, DATE_TYPES[precision])


@lru_cache(maxsize=65536)
def day_literal(day: str) -> Literal:
    return Literal(day, XSD.date)


def date_literal(date: r.PartialDate) -> Literal:
    return date_literal_of(date.text, date.precision)


def time_property(date: r.PartialDate) -> IRI:
    """The property of a time:Instant that holds ``date``: time:inXSDDate, … for an exact date, igo:inEDTF else."""
    return TIME_PROPERTIES[date.precision] if date.precision else IGO.inEDTF


class _Builder:
    def __init__(self, name: str, index: r.EntityIndex):
        self.index = index
        self.out = RecordGraph(name, graph_iri(name))
        self.triples = self.out.triples
        self.locations = self.out.locations

    def add(self, s: IRI, p: IRI, o: Node, mark: Mark, name: str) -> None:
        self.triples.append((s, p, o))
        self.locations.setdefault((s, p), (mark, name))

    def node(self, s: IRI, mark: Mark, name: str) -> None:
        self.locations.setdefault((s, None), (mark, name))

    def iri(self, ref: r.Ref) -> IRI:
        target = self.index.by_slug.get(ref.slug)
        kind = target.kind if target is not None and target.kind in ref.kinds else ref.kinds[0]
        return entity_iri(kind, ref.slug)

    def ref(self, s: IRI, p: IRI, ref: r.Ref | None, name: str) -> None:
        if ref is not None:
            self.add(s, p, self.iri(ref), ref.slug.mark, name)

    def label_of(self, ref: r.Ref | None) -> str:
        target = self.index.by_slug.get(ref.slug) if ref else None
        if target is not None and "en" in target.labels.pref:
            return str(target.labels.pref["en"])
        return str(ref.slug) if ref else "?"

    def labels(self, s: IRI, labels: r.Labels, name: str, predicate: IRI = RDFS.label) -> None:
        for lang, text in sorted(labels.pref.items()):
            self.add(s, predicate, text_literal(str(text), lang), text.mark, f"{name}.{lang}" if lang != "en" else name)
        for lang, texts in sorted(labels.alt.items()):
            for text in texts:
                self.add(s, SKOS.altLabel, text_literal(str(text), lang), text.mark, "alt_labels")

    def text(self, s: IRI, p: IRI, value: r.Text | None, name: str, lang: str | None = "en") -> None:
        if value is not None:
            self.add(s, p, text_literal(" ".join(str(value).split()), lang), value.mark, name)

    def date(self, s: IRI, p: IRI, value: r.PartialDate | None, name: str) -> None:
        if value is not None:
            self.add(s, p, date_literal(value), value.mark, name)

    def bounds(self, s: IRI, first: r.PartialDate | None, last: r.PartialDate | None, name: str) -> None:
        """igo:earliestDate and igo:latestDate of ``s``: the first day ``first`` can mean and the last
        day ``last`` can mean, as xsd:date, where they are bounded."""
        if first is not None and first.earliest is not None:
            self.add(s, IGO.earliestDate, day_literal(first.earliest), first.mark, name)
        if last is not None and last.latest is not None:
            self.add(s, IGO.latestDate, day_literal(last.latest), last.mark, name)

    def instant(self, instant: IRI, date: r.PartialDate, name: str) -> None:
        self.add(instant, RDF.type, TIME.Instant, date.mark, name)
        self.add(instant, time_property(date), date_literal(date), date.mark, name)
        self.bounds(instant, date, date, name)

    def sources(self, s: IRI, refs: Iterable[r.Ref], name: str) -> None:
        for ref in refs:
            self.ref(s, PROV.wasDerivedFrom, ref, name)

    def interval(self, s: IRI, start: r.PartialDate | None, end: r.PartialDate | None,
                 mark: Mark, name: str, predicate: IRI = ORG.memberDuring) -> None:
        interval = iri(f"{s}/interval")
        self.add(s, predicate, interval, mark, name)
        self.add(interval, RDF.type, TIME.Interval, mark, name)
        for edge, predicate, date, field_name in (("start", TIME.hasBeginning, start, "start"),
                                                   ("end", TIME.hasEnd, end, "end")):
            if date is None:
                continue
            instant = iri(f"{s}/{edge}")
            self.add(interval, predicate, instant, date.mark, field_name)
            self.instant(instant, date, field_name)


def _entity(b: _Builder, e: r.Entity) -> None:
    s = entity_iri(e.kind, e.slug)
    b.node(s, e.mark, "slug")
    f = e.fields
    cls = ORGANIZATION_CLASSES.get(f.get("type") or "organization") if e.kind == "organization" else ENTITY_CLASSES[e.kind]
    b.add(s, RDF.type, cls, e.slug.mark, "slug")
    if e.kind == "rank":
        if f.get("seniority") is not None:
            b.add(s, IGO.seniority, int_literal(f["seniority"]), e.slug.mark, "seniority")
        b.add(s, RDF.type, SKOS.Concept, e.slug.mark, "slug")
        b.add(s, SKOS.inScheme, IGO.RankScheme, e.slug.mark, "slug")
        b.labels(s, r.Labels(e.labels.pref), "label", SKOS.prefLabel)
    if e.kind == "role":
        b.add(s, RDF.type, SKOS.Concept, e.slug.mark, "slug")
        b.add(s, SKOS.inScheme, IGO.RoleScheme, e.slug.mark, "slug")
        b.labels(s, r.Labels(e.labels.pref), "label", SKOS.prefLabel)
        b.ref(s, SKOS.broader, f.get("broader"), "broader")
        b.text(s, SKOS.definition, f.get("definition"), "definition")
    b.labels(s, e.labels, "label")
    if e.wikidata:
        b.add(s, SKOS.exactMatch, WD[str(e.wikidata)], e.wikidata.mark, "wikidata")
    if "wikidata" in e.not_stated:
        b.add(s, IGO.notStated, NOT_STATED_PROPERTIES["wikidata"], e.not_stated["wikidata"], "wikidata")
    qid, evidence = e.fields.get("wikidata_candidate") or (None, None)
    if qid:
        b.add(s, IGO.wikidataCandidate, WD[str(qid)], qid.mark, "wikidata_candidate.qid")
        b.text(s, IGO.wikidataEvidence, evidence, "wikidata_candidate.evidence")
    b.text(s, SKOS.note, e.note, "note")
    b.sources(s, e.sources, "sources")
    if e.kind == "organization":
        b.ref(s, ORG.subOrganizationOf, f.get("part_of"), "part_of")
    elif e.kind == "body":
        b.ref(s, ORG.unitOf, f.get("unit_of"), "unit_of")
    elif e.kind == "post":
        b.ref(s, ORG.postIn, f.get("post_in"), "post_in")
        if f.get("single_holder"):
            b.add(s, RDF.type, IGO.SingleHolderPost, e.slug.mark, "single_holder")
    elif e.kind == "place":
        b.ref(s, IGO.country, f.get("country"), "country")
        b.ref(s, SCHEMA.containedInPlace, f.get("within"), "within")
    elif e.kind == "source":
        b.text(s, DCTERMS.title, f.get("title"), "title", lang=f.get("language") or None)
        b.text(s, SCHEMA.publisher, f.get("publisher"), "publisher", lang=None)
        b.date(s, DCTERMS.issued, f.get("published"), "published")
        b.bounds(s, f.get("published"), f.get("published"), "published")
        if f.get("url"):
            b.add(s, SCHEMA.url, IRI(f["url"]), f["url"].mark, "url")
        if f.get("language"):
            b.add(s, DCTERMS.language, Literal(str(f["language"])), f["language"].mark, "language")
        b.text(s, IGO.dateCertainty, f.get("date_certainty"), "date_certainty")
        if f.get("excerpt_only") is not None:
            b.add(s, IGO.excerptOnly, boolean_literal(f["excerpt_only"]), e.mark, "excerpt_only")
        if not e.labels.pref:
            title = f.get("title") or f.get("publisher")
            published = f.get("published")
            b.add(s, RDFS.label, text_literal(f"{title}" + (f" ({published.text})" if published else ""), lang="en"),
                  e.slug.mark, "slug")
    elif e.kind == "post-holding":
        _post_holding(b, s, e.slug.mark, f.get("person"), f.get("post"), f.get("start"), f.get("end"),
                      acting=f.get("role") == "acting")
        b.text(s, IGO.dateCertainty, f.get("date_certainty"), "date_certainty")
        if f.get("date") is not None:
            _instant(b, s, f["date"])
        if not e.labels.pref:
            acting = "acting " if f.get("role") == "acting" else ""
            b.add(s, RDFS.label, text_literal(f"{b.label_of(f.get('person'))}, {acting}{b.label_of(f.get('post'))}", lang="en"),
                  e.slug.mark, "slug")
    elif e.kind == "rank-holding":
        b.ref(s, IGO.holder, f.get("person"), "person")
        b.text(s, IGO.dateCertainty, f.get("date_certainty"), "date_certainty")
        b.ref(s, IGO.rank, f.get("rank"), "rank")
        if f.get("date") is not None:
            _instant(b, s, f["date"])
        if f.get("start") is not None or f.get("end") is not None:
            b.interval(s, f.get("start"), f.get("end"), e.slug.mark, "start", IGO.during)
        if not e.labels.pref:
            b.add(s, RDFS.label, text_literal(f"{b.label_of(f.get('person'))}, {b.label_of(f.get('rank'))}", lang="en"),
                  e.slug.mark, "slug")


def _instant(b: _Builder, s: IRI, date: r.PartialDate) -> None:
    """The one date a source says a rank or post was held (``igo:atTime``)."""
    instant = iri(f"{s}/date")
    b.add(s, IGO.atTime, instant, date.mark, "date")
    b.instant(instant, date, "date")


def _post_holding(b: _Builder, s: IRI, mark: Mark, person: r.Ref | None, post: r.Ref | None,
                  start: r.PartialDate | None, end: r.PartialDate | None, names: tuple[str, str] = ("person", "post"),
                  acting: bool = False) -> None:
    """An org:Membership; an acting one names its post with igo:actingPost, never igo:post."""
    b.add(s, RDF.type, ORG.Membership, mark, "slug")
    b.ref(s, ORG.member, person, names[0])
    b.ref(s, IGO.actingPost if acting else IGO.post, post, names[1])
    post_entity = b.index.by_slug.get(post.slug) if post else None
    if post_entity is not None and post_entity.fields.get("post_in") is not None:
        b.ref(s, ORG.organization, post_entity.fields["post_in"], names[1])
    b.interval(s, start, end, mark, "start")


def _meeting(b: _Builder, m: r.Meeting) -> None:
    s = entity_iri("meeting", m.slug)
    b.node(s, m.mark, "(meeting)")
    b.add(s, RDF.type, IGO.Meeting, m.mark, "(meeting)")
    b.labels(s, m.labels, "label")
    b.ref(s, IGO.body, m.body, "body")
    for ref in m.joint_with:
        b.ref(s, IGO.jointWith, ref, "joint_with")
    if m.session is not None:
        b.add(s, IGO.inferredSessionNumber if m.session_inferred else IGO.sessionNumber, int_literal(m.session),
              m.mark, "session")
    b.date(s, SCHEMA.startDate, m.start, "date")
    b.date(s, SCHEMA.endDate, m.end, "end_date")
    b.bounds(s, m.start, m.end or m.start, "date")  # the days between which it was held
    b.text(s, IGO.dateCertainty, m.date_certainty, "date_certainty")
    b.ref(s, SCHEMA.location, m.place, "place")
    b.ref(s, IGO.hostState, m.host_state, "host_state")
    if m.format:
        b.add(s, SCHEMA.eventAttendanceMode, ATTENDANCE_MODES[m.format], m.format.mark, "format")
    b.text(s, SKOS.note, m.note, "note")
    b.sources(s, m.sources, "sources")
    for former in m.former_ids:  # the IRIs of the file's earlier names: the same meeting
        b.add(s, OWL.sameAs, entity_iri("meeting", former), former.mark, "former_ids")
    meeting_label = str(m.labels.pref.get("en", m.slug))

    delegations: dict[str, IRI] = {}
    for d in m.delegations:
        node = iri(f"{s}/delegation/{d.state.slug}")
        delegations[d.state.slug] = node
        where = f"delegations[state={d.state.slug}]"
        b.node(node, d.mark, where)
        b.add(node, RDF.type, IGO.Delegation, d.mark, where)
        b.add(node, IGO.inMeeting, s, d.mark, where)
        b.ref(node, IGO.ofState, d.state, f"{where}.state")
        b.add(node, RDFS.label, text_literal(f"Delegation of {b.label_of(d.state)} to the {meeting_label}", lang="en"),
              d.mark, where)
        b.sources(node, d.sources or m.sources, f"{where}.sources")
        b.text(node, SKOS.note, d.note, f"{where}.note")

    for p in m.participations:
        node = iri(f"{s}/participation/{p.number}")
        where = f"participations[n={p.number}]"
        b.node(node, p.mark, where)
        b.add(node, RDF.type, IGO.Participation, p.mark, where)
        b.add(node, IGO.inMeeting, s, p.mark, where)
        b.add(node, IGO.number, int_literal(p.number), p.mark, f"{where}.n")
        b.ref(node, IGO.participant, p.person, f"{where}.person")
        for role in p.roles:
            b.add(node, IGO.role, role_iri(role), role.mark, f"{where}.roles")
        b.ref(node, IGO.onBehalfOf, p.on_behalf_of, f"{where}.on_behalf_of")
        for post in p.posts:
            b.ref(node, IGO.post, post, f"{where}.post")
        for post in p.acting_posts:
            b.ref(node, IGO.actingPost, post, f"{where}.acting_post")
        b.ref(node, IGO.rank, p.rank, f"{where}.rank")
        if p.count is not None:
            b.add(node, IGO.representativeCount, int_literal(p.count), p.mark, f"{where}.count")
        for field_name, mark in sorted(p.not_stated.items()):
            b.add(node, IGO.notStated, NOT_STATED_PROPERTIES[field_name], mark, f"{where}.{field_name}")
        for predicate, stated, field_name in ((IGO.postAsStated, p.post_as_stated, "post_as_stated"),
                                              (IGO.roleAsStated, p.role_as_stated, "role_as_stated")):
            for lang, texts in sorted(stated.items()):
                for text in texts:
                    b.add(node, predicate, text_literal(str(text), lang), text.mark, f"{where}.{field_name}.{lang}")
        b.text(node, SKOS.note, p.note, f"{where}.note")
        b.sources(node, p.sources or m.sources, f"{where}.sources")
        who = (b.label_of(p.person) if p.person else b.label_of(p.posts[0]) if p.posts
               else f"acting {b.label_of(p.acting_posts[0])}" if p.acting_posts
               else f"Representatives of {b.label_of(p.on_behalf_of)}" if p.on_behalf_of else f"participant {p.number}")
        b.add(node, RDFS.label, text_literal(f"{who} at the {meeting_label}", lang="en"), p.mark, where)
        delegation = delegations.get(p.on_behalf_of.slug) if p.on_behalf_of else None
        if delegation is not None and {"head-of-delegation", "delegation-member"} & set(p.roles):
            b.add(node, IGO.delegation, delegation, p.mark, f"{where}.on_behalf_of")
            if p.person is not None:
                b.add(delegation, IGO.member, b.iri(p.person), p.person.slug.mark, f"{where}.person")
                if "head-of-delegation" in p.roles:
                    b.add(delegation, IGO.head, b.iri(p.person), p.person.slug.mark, f"{where}.person")

    for a in m.agenda:
        node = iri(f"{s}/agenda/{a.number}")
        where = f"agenda[n={a.number}]"
        b.node(node, a.mark, where)
        b.add(s, IGO.agendaItem, node, a.mark, where)
        b.add(node, RDF.type, IGO.AgendaItem, a.mark, where)
        b.add(node, IGO.number, int_literal(a.number), a.mark, f"{where}.n")
        b.labels(node, a.subject, f"{where}.subject", DCTERMS.subject)
        b.labels(node, r.Labels(a.subject.pref), f"{where}.subject")
        b.ref(node, IGO.proposedBy, a.proposed_by, f"{where}.proposed_by")
        b.sources(node, a.sources or m.sources, f"{where}.sources")

    for d in m.decisions:
        node = iri(f"{s}/decision/{d.number}")
        where = f"decisions[n={d.number}]"
        b.node(node, d.mark, where)
        b.add(node, RDF.type, IGO.Decision, d.mark, where)
        if d.type == "adoption":
            _adoption(b, s, node, d, m, where, meeting_label)
            continue
        b.add(node, RDF.type, IGO.Appointment, d.type.mark, f"{where}.type")
        if d.type == "election":
            b.add(node, RDF.type, IGO.Election, d.type.mark, f"{where}.type")
        b.add(node, IGO.decidedAt, s, d.mark, where)
        b.add(node, IGO.number, int_literal(d.number), d.mark, f"{where}.n")
        b.ref(node, IGO.appointee, d.appointee, f"{where}.appointee")
        b.ref(node, IGO.toPost, d.post, f"{where}.post")
        b.date(node, IGO.effectiveFrom, d.effective_from, f"{where}.effective_from")
        b.text(node, SKOS.note, d.note, f"{where}.note")
        b.sources(node, d.sources or m.sources, f"{where}.sources")
        b.add(node, RDFS.label, text_literal(f"{'Election' if d.type == 'election' else 'Appointment'} of {b.label_of(d.appointee)} as {b.label_of(d.post)}", lang="en"),
              d.mark, where)
        # The post-holding the appointment starts: from its effective date, else from the meeting.
        holding = iri(f"{node}/post-holding")
        b.node(holding, d.mark, where)
        _post_holding(b, holding, d.mark, d.appointee, d.post, d.effective_from or m.start, None,
                      (f"{where}.appointee", f"{where}.post"))
        b.add(holding, PROV.wasGeneratedBy, node, d.mark, where)
        b.add(holding, RDFS.label, text_literal(f"{b.label_of(d.appointee)}, {b.label_of(d.post)}", lang="en"), d.mark, where)
        b.sources(holding, d.sources or m.sources, f"{where}.sources")
        _alternatives(b, node, d, where)

    for a in m.absent:
        node = iri(f"{s}/absence/{a.state.slug}")
        where = f"absent[state={a.state.slug}]"
        b.node(node, a.mark, where)
        b.add(node, RDF.type, IGO.Absence, a.mark, where)
        b.add(node, IGO.inMeeting, s, a.mark, where)
        b.ref(node, IGO.absentee, a.state, f"{where}.state")
        b.text(node, IGO.reason, a.reason, f"{where}.reason")
        b.text(node, SKOS.note, a.note, f"{where}.note")
        b.sources(node, a.sources or m.sources, f"{where}.sources")
        b.add(node, RDFS.label, text_literal(f"{b.label_of(a.state)} absent from the {meeting_label}", lang="en"),
              a.mark, where)

    if m.next_meeting is not None:
        n = m.next_meeting
        node = iri(f"{s}/next-meeting")
        b.node(node, n.mark, "next_meeting")
        b.add(s, IGO.nextMeeting, node, n.mark, "next_meeting")
        b.add(node, RDF.type, IGO.AnnouncedMeeting, n.mark, "next_meeting")
        b.ref(node, IGO.body, m.body, "body")
        b.date(node, SCHEMA.startDate, n.date, "next_meeting.date")
        b.bounds(node, n.date, n.date, "next_meeting.date")
        b.ref(node, IGO.hostState, n.host_state, "next_meeting.host_state")
        b.ref(node, SCHEMA.location, n.place, "next_meeting.place")
        b.sources(node, n.sources or m.sources, "next_meeting.sources")
        b.add(node, RDFS.label, text_literal(f"Next meeting of the {b.label_of(m.body)}, as announced at the {meeting_label}",
                                        lang="en"), n.mark, "next_meeting")


def _adoption(b: _Builder, s: IRI, node: IRI, d: r.Decision, m: r.Meeting, where: str, meeting_label: str) -> None:
    """A decision adopting a document: the decision, and the document it adopted."""
    b.add(node, RDF.type, IGO.Adoption, d.type.mark, f"{where}.type")
    b.add(node, IGO.decidedAt, s, d.mark, where)
    b.add(node, IGO.number, int_literal(d.number), d.mark, f"{where}.n")
    b.ref(node, IGO.adoptedBy, d.adopted_by, f"{where}.adopted_by")
    b.text(node, SKOS.note, d.note, f"{where}.note")
    b.sources(node, d.sources or m.sources, f"{where}.sources")
    document = iri(f"{node}/document")
    b.node(document, d.mark, where)
    b.add(node, IGO.adopted, document, d.mark, where)
    b.add(document, RDF.type, IGO.Document, d.mark, where)
    b.add(document, IGO.documentKind, document_kind_iri(d.kind), d.kind.mark, f"{where}.kind")
    b.text(document, DCTERMS.title, d.title, f"{where}.title", lang=str(d.language) if d.language else "en")
    b.text(document, DCTERMS.subject, d.subject, f"{where}.subject")
    b.add(document, PROV.wasGeneratedBy, node, d.mark, where)
    b.sources(document, d.sources or m.sources, f"{where}.sources")
    # its English label: the title when it is English; else the kind, with the title or the subject
    kind, title = str(d.kind).capitalize(), " ".join(str(d.title or "").split())
    named = (title if title and (d.language or "en") == "en" else f"{kind} \u201c{title}\u201d" if title
             else f"{kind}: {' '.join(str(d.subject).split())}" if d.subject else kind)
    b.add(document, RDFS.label, text_literal(named, lang="en"), d.mark, where)
    b.add(node, RDFS.label, text_literal(f"{named}, adopted at the {meeting_label}", lang="en"), d.mark, where)
    _alternatives(b, node, d, where)


def _alternatives(b: _Builder, node: IRI, d: r.Decision, where: str) -> None:
    """What other sources state otherwise about a decision (igo:statedOtherwise), each a node of
    its own with the values they give and the sources that give them."""
    for i, a in enumerate(d.alternatives, 1):
        alt, at = iri(f"{node}/alternative/{i}"), f"{where}.alternatives[{i - 1}]"
        b.node(alt, a.mark, at)
        b.add(alt, RDF.type, IGO.AlternativeStatement, a.mark, at)
        b.add(node, IGO.statedOtherwise, alt, a.mark, at)
        if a.kind is not None:
            b.add(alt, IGO.kindAsStated, document_kind_iri(a.kind), a.kind.mark, f"{at}.kind")
        b.text(alt, DCTERMS.title, a.title, f"{at}.title")
        b.text(alt, DCTERMS.subject, a.subject, f"{at}.subject")
        b.date(alt, IGO.effectiveFromAsStated, a.effective_from, f"{at}.effective_from")
        b.date(alt, IGO.madeOn, a.made_on, f"{at}.made_on")
        b.bounds(alt, a.made_on, a.made_on, f"{at}.made_on")
        b.text(alt, SKOS.note, a.note, f"{at}.note")
        b.sources(alt, a.sources, f"{at}.sources")
        said = "; ".join(x for x in (
            f"a {a.kind}" if a.kind else "", str(a.title or a.subject or ""),
            f"effective from {a.effective_from.text}" if a.effective_from else "",
            f"made on {a.made_on.text}" if a.made_on else "") if x)
        b.add(alt, RDFS.label, text_literal(f"Stated otherwise: {' '.join(said.split())}", lang="en"), a.mark, at)


def rdfize(record: r.RecordFile, index: r.EntityIndex) -> RecordGraph:
    """The named graph of one record file."""
    b = _Builder(record.graph_name, index)
    g = b.out.iri
    top = Mark(1, 1)
    b.add(g, RDF.type, IGO.RecordGraph, top, "(file)")
    b.add(g, IGO.recordFile, Literal(record.name), top, "(file)")
    for entity in record.entities:
        _entity(b, entity)
    if record.meeting is not None:
        _meeting(b, record.meeting)
    derived = PROV.wasDerivedFrom
    cited = sorted({o for _s, p, o in b.out.triples if str.__eq__(p, derived)})  # every predicate is an IRI
    for source in cited:
        b.out.add((g, PROV.wasDerivedFrom, source))
    return b.out
