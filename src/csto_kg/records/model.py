"""The record types and the rules for single values (slugs, dates, QIDs, URLs, language tags, labels)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..problems import Problem
from . import dates
from .kinds import BY_NAME as KINDS
from .yamlsafe import Mark, Text


# Anchored with \Z, not $ (which also matches before a final line break), and with ASCII
# digits only: a value that matches goes into an IRI or a typed literal as it is.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
QID = re.compile(r"^Q[1-9][0-9]*\Z")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f-\x9f]+\Z")
DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
MEETING_FILE = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?-[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# The date a meeting file's name starts with (the longest that fits: 2019-05-cfm-x -> 2019-05).
MEETING_FILE_DATE = re.compile(r"^([0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)-[a-z0-9]")
# A label is a name, on one line: no line break (any that str.splitlines knows) and no other
# control character. Notes and other texts may span lines.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
NOT_IN_A_LABEL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ONE_LINE = "a label on one line, without control characters (a long one may be folded with '>-')"

#: The roles of the scheme in ontology/roles.ttl: the base roles (its top concepts) first, then
#: the narrower ones. Curators add more in the data (``roles:`` in an entity file).
BASE_ROLES = (
    "head-of-delegation",
    "delegation-member",
    "chair",
    "secretary",
    "attendee",
    "observer",
    "invited-guest",
)
ROLES = BASE_ROLES + ("opened", "host", "presented", "spoke", "rapporteur")
#: The kinds of document a decision adopts (ontology/document-kinds.ttl).
DOCUMENT_KINDS = ("agreement", "declaration", "statement", "protocol", "plan", "programme", "strategy",
                  "resolution", "decision", "document")
ORGANIZATION_TYPES = tuple(KINDS["organization"].types)
# Written in place of a value the sources do not state (``rank: not-stated``), so that a known
# absence is told apart from a field not yet curated; never a slug.
NOT_STATED = "not-stated"
MEETING_FORMATS = ("in-person", "videoconference")
DECISION_TYPES = ("appointment", "election", "adoption")


@lru_cache(maxsize=256)
def is_language_tag(tag: str) -> bool:
    """A tag of the form records use (``en``, ``ru``, ``sr-Latn``) that is also well-formed BCP 47,
    as the store requires (``en-a``, a singleton without its subtag, is not)."""
    if not LANG.match(tag):
        return False
    import pyoxigraph

    try:
        pyoxigraph.Literal("", language=tag)
    except ValueError:
        return False
    return True


def foreign_script(text: str) -> str | None:
    """The script most of ``text``'s letters are written in when it is not Latin (``Cyrillic`` for
    ``Россия``), or None: an English label is written in Latin letters (accents and the like allowed);
    a text without letters, or with as many Latin letters as others, is not foreign."""
    if text.isascii():  # every ASCII letter is Latin: the usual English label needs no look at each one
        return None
    latin, others = 0, {}
    for char in text:
        if not unicodedata.category(char).startswith("L"):
            continue
        name = unicodedata.name(char, "")
        if "LATIN" in name or unicodedata.normalize("NFKD", char)[:1].isascii():
            latin += 1
        else:
            script = name.split(" ", 1)[0] or "unnamed"
            others[script] = others.get(script, 0) + 1
    if sum(others.values()) <= latin:
        return None
    script = max(sorted(others), key=others.__getitem__)
    return script if script == "CJK" else script.capitalize()


def iri_problem(value: str) -> str | None:
    """Why the store would refuse ``value`` as an IRI (bad %-escapes, a bad host), or None."""
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(value)
    except ValueError as err:
        return "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in str(err))
    return None


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class PartialDate:
    """A date as a record gives it: exact to the day, the month or only the year (xsd:date,
    gYearMonth, gYear), or any other EDTF date (``2018?``, ``2018-XX-06``, ``../2025-08-29``,
    ``[2017-04-26, 2018-04-26]``: see :mod:`csto_kg.records.dates`)."""

    text: str
    mark: Mark

    @property
    def exact(self) -> bool:
        """Whether the date is exact to a day, a month or a year (else it is another EDTF date)."""
        return len(self.text) in (4, 7, 10) and DATE.match(self.text) is not None

    @property
    def precision(self) -> str | None:
        """``day``, ``month`` or ``year`` for an exact date; None for any other EDTF date."""
        return {4: "year", 7: "month", 10: "day"}[len(self.text)] if self.exact else None

    @property
    def edtf(self) -> "dates.Edtf":
        return dates.read(self.text)

    @property
    def earliest(self) -> str | None:
        """The first day the date can mean, for comparisons (``2019`` -> ``2019-01-01``); None when
        nothing bounds it (``../2025-08-29``, a year not stated)."""
        if not self.exact:
            return self.edtf.earliest
        return (self.text + "-01-01")[:10]

    @property
    def latest(self) -> str | None:
        if not self.exact:
            return self.edtf.latest
        if self.precision == "day":
            return self.text
        if self.precision == "month":
            year, month = int(self.text[:4]), int(self.text[5:7])
            days = [31, 29 if (year % 4 == 0 and (year % 100 or year % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return f"{self.text}-{days[month - 1]:02d}"
        return self.text + "-12-31"

    def allows(self, day: str) -> bool:
        """Whether the exact date ``day`` (``YYYY[-MM[-DD]]``) can be this date: ``2019-06`` allows
        ``2019-06-20`` and ``2019``; ``[2017-04-26, 2018-04-26]`` allows ``2018-04-26`` and ``2017``."""
        if not self.exact:
            return self.edtf.allows(day)
        first, last = dates.span(day)
        return self.earliest <= last and self.latest >= first


def ends_before(end: PartialDate | None, start: PartialDate | None) -> bool:
    """Whether ``end`` is certainly before ``start`` (for every reading of both)."""
    if end is None or start is None or end.latest is None or start.earliest is None:
        return False
    return end.latest < start.earliest


@dataclass(frozen=True)
class Ref:
    """A reference by slug to an entity of one of ``kinds``."""

    slug: Text
    kinds: tuple[str, ...]


@dataclass
class Labels:
    """Preferred labels and alternative labels by language tag."""

    pref: dict[str, Text]
    alt: dict[str, list[Text]] = field(default_factory=dict)


@dataclass
class Entity:
    """One entry of an entity file; ``fields`` holds the kind-specific values."""

    kind: str
    slug: Text
    labels: Labels
    file: str
    mark: Mark
    wikidata: Text | None = None
    note: Text | None = None
    sources: list[Ref] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    not_stated: dict[str, Mark] = field(default_factory=dict)  # field -> where ``not-stated`` was written


@dataclass
class Participation:
    number: int
    mark: Mark
    roles: list[Text]
    person: Ref | None = None
    posts: list[Ref] = field(default_factory=list)
    on_behalf_of: Ref | None = None
    rank: Ref | None = None
    sources: list[Ref] = field(default_factory=list)
    note: Text | None = None
    count: int | None = None  # how many unnamed representatives, when the source says
    acting_posts: list[Ref] = field(default_factory=list)  # posts held in an acting capacity
    post_as_stated: dict[str, list[Text]] = field(default_factory=dict)  # the source's wording, by language
    role_as_stated: dict[str, list[Text]] = field(default_factory=dict)
    not_stated: dict[str, Mark] = field(default_factory=dict)  # field -> where ``not-stated`` was written


@dataclass
class Delegation:
    state: Ref
    mark: Mark
    sources: list[Ref] = field(default_factory=list)
    note: Text | None = None


@dataclass
class AgendaItem:
    number: int
    mark: Mark
    subject: Labels
    proposed_by: Ref | None = None
    sources: list[Ref] = field(default_factory=list)


@dataclass
class Alternative:
    """What another source states otherwise about an item (a decision): the values it gives in
    place of the item's own, with the sources that give them. Both statements are kept."""

    mark: Mark
    sources: list[Ref]
    kind: Text | None = None  # of the document, as this source calls it
    title: Text | None = None
    subject: Text | None = None
    effective_from: PartialDate | None = None
    made_on: PartialDate | None = None  # when this source says the decision was made (EDTF: ``../2025-11-26``)
    note: Text | None = None


@dataclass
class Decision:
    """An appointment or election (``appointee``, ``post``) or the adoption of a document (``kind``, ``title``)."""

    number: int
    mark: Mark
    type: Text
    appointee: Ref | None
    post: Ref | None
    effective_from: PartialDate | None = None
    sources: list[Ref] = field(default_factory=list)
    note: Text | None = None
    kind: Text | None = None  # of the document adopted (DOCUMENT_KINDS)
    title: Text | None = None  # the document's title, as the source gives it
    language: Text | None = None  # the title's language tag (default: en)
    subject: Text | None = None  # what an untitled document is about, in the curator's words
    adopted_by: Ref | None = None
    alternatives: list[Alternative] = field(default_factory=list)  # what other sources state otherwise


@dataclass
class Absence:
    """A state that the source says did not take part, and why."""

    state: Ref
    mark: Mark
    reason: Text | None = None
    sources: list[Ref] = field(default_factory=list)
    note: Text | None = None


@dataclass
class AnnouncedMeeting:
    mark: Mark
    date: PartialDate | None = None
    host_state: Ref | None = None
    place: Ref | None = None
    sources: list[Ref] = field(default_factory=list)


@dataclass
class Meeting:
    slug: str
    file: str
    mark: Mark
    labels: Labels
    body: Ref
    start: PartialDate
    sources: list[Ref]
    session: int | None = None
    session_inferred: bool = False  # the curator inferred the number; no source states it
    end: PartialDate | None = None
    date_certainty: Text | None = None
    place: Ref | None = None
    host_state: Ref | None = None
    format: Text | None = None
    note: Text | None = None
    joint_with: list[Ref] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    absent: list[Absence] = field(default_factory=list)
    next_meeting: AnnouncedMeeting | None = None
    former_ids: list[Text] = field(default_factory=list)  # earlier file names (slugs), whose IRIs redirect here


@dataclass
class RecordFile:
    """One file of the data folder and what it holds."""

    path: Path
    name: str  # relative to the data folder, with forward slashes, e.g. ``meetings/x.yaml``
    entities: list[Entity] = field(default_factory=list)
    meeting: Meeting | None = None
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False  # missing, binary, not UTF-8 or too large
    # read from disk: the SHA-256 of the very bytes read, and the file's size and modification time
    # as they were just before (a build keeps them, to tell next time whether the file changed)
    digest: str = ""
    stamp: tuple[int, int] | None = None

    @property
    def graph_name(self) -> str:
        """The path without extension, as used in the named graph's IRI."""
        return self.name.rsplit(".", 1)[0]


@dataclass
class Records:
    """Everything read from a data folder, with the problems found on the way."""

    files: list[RecordFile]
    problems: list[Problem]

    @property
    def entities(self) -> Iterable[Entity]:
        for record in self.files:
            yield from record.entities

    @property
    def meetings(self) -> Iterable[Meeting]:
        for record in self.files:
            if record.meeting is not None:
                yield record.meeting

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


