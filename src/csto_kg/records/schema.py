"""Curated YAML records -> typed, checked records that keep their file positions.

Two kinds of record file live under the data folder:

* ``entities/*.yaml``: lists of states, organizations, bodies, posts, places,
  people, ranks, sources and post-holdings, each entry with a ``slug``;
* ``meetings/*.yaml``: one meeting per file, named ``YYYY[-MM[-DD]]-slug.yaml``.

Structural checks (unknown keys, wrong types, bad slugs and dates, unknown or
duplicate slugs) happen here and are reported as :class:`~csto_kg.problems.Problem`
values with file, line and column; SHACL checks the RDF afterwards.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from . import yamlsafe
from .kinds import BY_NAME as KINDS, ENTITY_SECTIONS
from ..problems import Problem
from .yamlsafe import Mapping, Mark, Sequence, Text

# Anchored with \Z, not $ (which also matches before a final line break), and with ASCII
# digits only: a value that matches goes into an IRI or a typed literal as it is.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
QID = re.compile(r"^Q[1-9][0-9]*\Z")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f-\x9f]+\Z")
DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
MEETING_FILE = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?-[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# A label is a name, on one line: no line break (any that str.splitlines knows) and no other
# control character. Notes and other texts may span lines.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
NOT_IN_A_LABEL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ONE_LINE = "a label on one line, without control characters (a long one may be folded with '>-')"

ROLES = (
    "head-of-delegation",
    "delegation-member",
    "chair",
    "secretary",
    "attendee",
    "observer",
    "invited-guest",
)
ORGANIZATION_TYPES = tuple(KINDS["organization"].types)
MEETING_FORMATS = ("in-person", "videoconference")
DECISION_TYPES = ("appointment", "election")


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
    """A date known to the day, the month or only the year (xsd:date, gYearMonth, gYear)."""

    text: str
    mark: Mark

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month", 10: "day"}[len(self.text)]

    @property
    def earliest(self) -> str:
        """The first day the date can mean, for comparisons (``2019`` -> ``2019-01-01``)."""
        return (self.text + "-01-01")[:10]

    @property
    def latest(self) -> str:
        if self.precision == "day":
            return self.text
        if self.precision == "month":
            year, month = int(self.text[:4]), int(self.text[5:7])
            days = [31, 29 if (year % 4 == 0 and (year % 100 or year % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return f"{self.text}-{days[month - 1]:02d}"
        return self.text + "-12-31"


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
class Decision:
    number: int
    mark: Mark
    type: Text
    appointee: Ref
    post: Ref
    effective_from: PartialDate | None = None
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
    next_meeting: AnnouncedMeeting | None = None


@dataclass
class RecordFile:
    """One file of the data folder and what it holds."""

    path: Path
    name: str  # relative to the data folder, with forward slashes, e.g. ``meetings/x.yaml``
    entities: list[Entity] = field(default_factory=list)
    meeting: Meeting | None = None
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False  # missing, binary, not UTF-8 or too large

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


# --------------------------------------------------------------------------- reading


class _Reader:
    """Reads the checked values of one file, collecting problems instead of stopping."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, mark: Mark, field: str, message: str, expected: str = "", value: object = None) -> None:
        self.problems.append(
            Problem(self.file, mark.line, mark.column, field, message, expected, "error",
                    None if value is None else str(value))
        )

    # -- structure

    def mapping(self, value: object, where: str, mark: Mark, allowed: dict[str, str], required: Iterable[str]) -> Mapping | None:
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, mark), where or "(record)", f"is {_describe(value)}",
                         "a mapping of " + ", ".join(allowed))
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(value.key_marks[key], _join(where, key), f"unknown key {key!r}{hint}",
                             "one of: " + ", ".join(allowed))
        for key in required:
            if value.get(key) is None:
                self.problem(value.key_marks.get(key, value.mark), _join(where, key),
                             "is missing" if key not in value else "is empty", allowed[key])
        return value

    def items(self, parent: Mapping, key: str, where: str) -> list[tuple[str, Mark, object]]:
        """The entries of a list-valued key, with their field names and marks."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, Sequence):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key),
                         f"is {_describe(value)}", "a list ('- ' entries)")
            return []
        return [(f"{_join(where, key)}[{i}]", value.item_marks[i], item) for i, item in enumerate(value)]

    # -- scalars

    def text(self, parent: Mapping, key: str, where: str) -> Text | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, Text):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key), f"is {_describe(value)}", "a text")
            return None
        if not value.strip():
            self.problem(value.mark, _join(where, key), "is blank", "a text")
            return None
        return value

    def pattern(self, parent: Mapping, key: str, where: str, regex: re.Pattern, expected: str) -> Text | None:
        value = self.text(parent, key, where)
        if value is not None and not regex.match(value):
            self.problem(value.mark, _join(where, key), f"{value!r} is not valid", expected, value)
            return None
        return value

    def url(self, parent: Mapping, key: str, where: str) -> Text | None:
        expected = "an http(s) URL without spaces"
        value = self.pattern(parent, key, where, URL, expected)
        if value is not None and (reason := iri_problem(value)) is not None:
            self.problem(value.mark, _join(where, key), f"{value!r} is not a valid URL ({reason})",
                         expected + ", each '%' followed by two hex digits", value)
            return None
        return value

    def language(self, parent: Mapping, key: str, where: str) -> Text | None:
        value = self.pattern(parent, key, where, LANG, "a language tag such as en or ru")
        if value is not None and not is_language_tag(value):
            self.problem(value.mark, _join(where, key), f"{value!r} is not a well-formed language tag",
                         "a BCP 47 tag such as en, ru or sr-Latn", value)
            return None
        return value

    def one_line(self, value: Text, name: str) -> Text:
        """``value``, with a problem when it cannot be a label (more than one line, a control
        character); the value is kept, so that what refers to its entity is not reported too."""
        found = NOT_IN_A_LABEL.search(value)
        if found is None:
            return value
        char = found.group()
        if char not in LINE_BREAKS:
            message = f"{value!r} contains the control character U+{ord(char):04X}"
        elif NOT_IN_A_LABEL.search(value.rstrip(LINE_BREAKS)) is None:
            message = f"{value!r} ends with a line break"
        else:
            message = f"{value!r} spans more than one line"
        self.problem(value.mark, name, message, ONE_LINE, value)
        return value

    def slug(self, parent: Mapping, key: str, where: str) -> Text | None:
        return self.pattern(parent, key, where, SLUG,
                            "a slug: lowercase ASCII letters, digits and single hyphens, e.g. 'aleksandr-gorovoy'")

    def choice(self, parent: Mapping, key: str, where: str, choices: tuple[str, ...], what: str) -> Text | None:
        value = self.text(parent, key, where)
        if value is not None and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(value.mark, _join(where, key), f"{value!r} is not {what}{hint}",
                         "one of: " + ", ".join(choices), value)
            return None
        return value

    def integer(self, parent: Mapping, key: str, where: str) -> int | None:
        value = self.text(parent, key, where)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
            self.problem(value.mark, _join(where, key), f"{value!r} is not a positive whole number",
                         "a number such as 22", value)
            return None
        return int(value)

    def date(self, parent: Mapping, key: str, where: str) -> PartialDate | None:
        value = self.text(parent, key, where)
        if value is None:
            return None
        match = DATE.match(value)
        ok = bool(match)
        if match and match.group(2):
            month = int(match.group(2))
            ok = 1 <= month <= 12
            if ok and match.group(3):
                day = int(match.group(3))
                ok = 1 <= day <= int(PartialDate(value[:7], value.mark).latest[8:])
        if not ok:
            self.problem(value.mark, _join(where, key), f"{value!r} is not a valid date",
                         "YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known", value)
            return None
        return PartialDate(str(value), value.mark)

    def labels(self, parent: Mapping, key: str, where: str, required: bool = True) -> Labels | None:
        value = parent.get(key)
        name = _join(where, key)
        if value is None:
            if required and key in parent:
                self.problem(parent.key_marks[key], name, "is empty", "a label in English")
            return None
        if isinstance(value, Text):
            if not value.strip():
                return self.problem(value.mark, name, "is blank", "a label in English")
            return Labels({"en": self.one_line(value, name)})
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, parent.key_marks[key]), name, f"is {_describe(value)}",
                         "a text, or a mapping of language tag to text (en: ..., ru: ...)")
            return None
        pref: dict[str, Text] = {}
        for lang in value:
            if not is_language_tag(lang):
                self.problem(value.key_marks[lang], f"{name}.{lang}", f"{lang!r} is not a language tag",
                             "a BCP 47 tag such as en, ru, hy")
                continue
            text = self.text(value, lang, name)
            if text is not None:
                pref[lang] = self.one_line(text, f"{name}.{lang}")
        if "en" not in pref and not any(p.field.startswith(name) for p in self.problems):
            self.problem(value.mark, name, "has no English label", "an 'en' entry")
        return Labels(pref)

    def alt_labels(self, parent: Mapping, key: str, where: str) -> dict[str, list[Text]]:
        value = parent.get(key)
        name = _join(where, key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, parent.key_marks[key]), name, f"is {_describe(value)}",
                         "a mapping of language tag to a text or a list of texts")
            return {}
        alt: dict[str, list[Text]] = {}
        for lang, texts in value.items():
            if not is_language_tag(lang):
                self.problem(value.key_marks[lang], f"{name}.{lang}", f"{lang!r} is not a language tag",
                             "a BCP 47 tag such as en, ru, hy")
                continue
            entries = texts if isinstance(texts, Sequence) else [texts]
            for i, text in enumerate(entries):
                if isinstance(text, Text) and text.strip():
                    alt.setdefault(lang, []).append(self.one_line(text, f"{name}.{lang}"))
                else:
                    self.problem(_mark_of(text, value.key_marks[lang]), f"{name}.{lang}", f"is {_describe(text)}", "a text")
        return alt

    def ref(self, parent: Mapping, key: str, where: str, kinds: tuple[str, ...]) -> Ref | None:
        value = self.slug(parent, key, where)
        return Ref(value, kinds) if value is not None else None

    def refs(self, parent: Mapping, key: str, where: str, kinds: tuple[str, ...]) -> list[Ref]:
        value = parent.get(key)
        if value is None:
            return []
        if isinstance(value, Text):
            one = self.ref(parent, key, where, kinds)
            return [one] if one else []
        if not isinstance(value, Sequence):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key), f"is {_describe(value)}",
                         "a slug or a list of slugs")
            return []
        found = []
        for i, item in enumerate(value):
            holder = Mapping({key: item})
            holder.key_marks = {key: value.item_marks[i]}
            holder.mark = value.item_marks[i]
            one = self.ref(holder, key, where, kinds)
            if one:
                found.append(one)
        return found


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _mark_of(value: object, default: Mark) -> Mark:
    return getattr(value, "mark", default)


def _describe(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return f"the text {str(value)!r}"


# --------------------------------------------------------------------------- entity files

_COMMON = {
    "slug": "a slug",
    "label": "a label in English (or en:/ru:/... labels)",
    "alt_labels": "other names, by language",
    "wikidata": "a Wikidata QID such as Q159",
    "note": "a curator's note",
    "sources": "slugs of the sources that support this entry",
}
_ENTITY_FIELDS: dict[str, dict[str, str]] = {
    "state": {},
    "organization": {"type": "one of " + ", ".join(ORGANIZATION_TYPES), "part_of": "the state or organization it belongs to"},
    "body": {"unit_of": "the organization (or body) it is a unit of"},
    "post": {"post_in": "the organization, body or state the post is in"},
    "place": {"country": "the state it lies in", "within": "the place (region) it lies in"},
    "person": {},
    "rank": {"seniority": "its order among ranks: a whole number, higher is more senior"},
    "source": {
        "title": "the report's title",
        "publisher": "who published it",
        "published": "its publication date (YYYY-MM-DD, YYYY-MM or YYYY)",
        "url": "its public http(s) address",
        "language": "the language tag of the text, e.g. en, ru",
        "date_certainty": "how sure the publication date is",
    },
    "post-holding": {
        "person": "the holder",
        "post": "the post held",
        "role": "how it was held: acting, or holder (the default)",
        "start": "when the holding began (YYYY-MM-DD, YYYY-MM or YYYY)",
        "end": "when it ended",
        "date_certainty": "how the start or end is known, when a source does not state it plainly",
    },
    "rank-holding": {
        "person": "the holder",
        "rank": "the rank held",
        "date": "a date the source says the rank was held (YYYY-MM-DD, YYYY-MM or YYYY)",
        "start": "when the rank was conferred, if the source says",
        "end": "when it ended, if the source says",
        "date_certainty": "how the date is known, when a source does not state it plainly",
    },
}
_REQUIRED = {
    "state": ("slug", "label"),
    "organization": ("slug", "label", "type"),
    "body": ("slug", "label", "unit_of"),
    "post": ("slug", "label", "post_in"),
    "place": ("slug", "label"),
    "person": ("slug", "label"),
    "rank": ("slug", "label"),
    "source": ("slug", "publisher"),
    "post-holding": ("slug", "person", "post", "sources"),
    "rank-holding": ("slug", "person", "rank", "sources"),
}
HOLDING_ROLES = ("holder", "acting")


def _read_entity(reader: _Reader, kind: str, where: str, mark: Mark, value: object) -> Entity | None:
    allowed = {**_COMMON, **_ENTITY_FIELDS[kind]}
    if kind == "source":
        allowed = {k: v for k, v in allowed.items() if k not in ("wikidata", "sources", "alt_labels")}
    if kind in ("post-holding", "rank-holding"):
        allowed = {k: v for k, v in allowed.items() if k not in ("wikidata", "alt_labels")}
    entry = reader.mapping(value, where, mark, allowed, _REQUIRED[kind])
    if entry is None:
        return None
    slug = reader.slug(entry, "slug", where)
    labels = reader.labels(entry, "label", where)
    if kind in ("source", "post-holding", "rank-holding") and labels is None:
        labels = Labels({})
    if slug is None or labels is None:
        return None
    labels.alt = reader.alt_labels(entry, "alt_labels", where)
    entity = Entity(
        kind=kind,
        slug=slug,
        labels=labels,
        file=reader.file,
        mark=entry.mark,
        wikidata=reader.pattern(entry, "wikidata", where, QID, "a Wikidata QID such as Q159"),
        note=reader.text(entry, "note", where),
        sources=reader.refs(entry, "sources", where, ("source",)),
    )
    f = entity.fields
    if kind == "organization":
        f["type"] = reader.choice(entry, "type", where, ORGANIZATION_TYPES, "an organization type")
        f["part_of"] = reader.ref(entry, "part_of", where, ("state", "organization"))
    elif kind == "body":
        f["unit_of"] = reader.ref(entry, "unit_of", where, ("organization", "body"))
    elif kind == "post":
        f["post_in"] = reader.ref(entry, "post_in", where, ("organization", "body", "state"))
    elif kind == "place":
        f["country"] = reader.ref(entry, "country", where, ("state",))
        f["within"] = reader.ref(entry, "within", where, ("place",))
    elif kind == "rank":
        f["seniority"] = reader.integer(entry, "seniority", where)
    elif kind == "source":
        f["title"] = reader.text(entry, "title", where)
        f["publisher"] = reader.text(entry, "publisher", where)
        f["published"] = reader.date(entry, "published", where)
        f["url"] = reader.url(entry, "url", where)
        f["language"] = reader.language(entry, "language", where)
        f["date_certainty"] = reader.text(entry, "date_certainty", where)
    elif kind in ("post-holding", "rank-holding"):
        f["person"] = reader.ref(entry, "person", where, ("person",))
        if kind == "post-holding":
            f["post"] = reader.ref(entry, "post", where, ("post",))
            f["role"] = reader.choice(entry, "role", where, HOLDING_ROLES, "a kind of holding")
        else:
            f["rank"] = reader.ref(entry, "rank", where, ("rank",))
            f["date"] = reader.date(entry, "date", where)
            if f["date"] is None and "start" not in entry:
                reader.problem(entry.mark, where, "says neither when the rank was held nor from when",
                               "'date' (held on that date) or 'start' (and 'end')")
        f["start"] = reader.date(entry, "start", where)
        f["end"] = reader.date(entry, "end", where)
        f["date_certainty"] = reader.text(entry, "date_certainty", where)
        if f["start"] and f["end"] and f["end"].latest < f["start"].earliest:
            reader.problem(f["end"].mark, f"{where}.end", f"ends ({f['end'].text}) before it starts ({f['start'].text})",
                           "an end on or after the start", f["end"].text)
    return entity


def read_entity_file(reader: _Reader, data: object) -> list[Entity]:
    top = reader.mapping(data, "", Mark(1, 1), {k: f"a list of {v} entries" for k, v in ENTITY_SECTIONS.items()}, ())
    if top is None:
        return []
    entities = []
    for section, kind in ENTITY_SECTIONS.items():
        if section not in top:
            continue
        for where, mark, item in reader.items(top, section, ""):
            entity = _read_entity(reader, kind, where, mark, item)
            if entity is not None:
                entities.append(entity)
    return entities


# --------------------------------------------------------------------------- meeting files

_MEETING_FIELDS = {
    "label": "the meeting's name in English (or en:/ru:/... labels)",
    "body": "the slug of the body that met",
    "joint_with": "slugs of further bodies that met jointly with it, in one joint meeting",
    "session": "the session number, e.g. 22",
    "date": "the (first) day: YYYY-MM-DD, or YYYY-MM / YYYY when only that is known",
    "end_date": "the last day of a meeting over several days",
    "date_certainty": "how the date is known, when it is not stated plainly",
    "place": "the slug of the place it was held",
    "host_state": "the slug of the state on whose territory it was held",
    "format": "one of " + ", ".join(MEETING_FORMATS),
    "note": "a curator's note",
    "sources": "slugs of the sources the record is curated from (the first is the main one)",
    "delegations": "the states that sent delegations",
    "participations": "who took part, in which role",
    "agenda": "agenda items",
    "decisions": "decisions such as appointments",
    "next_meeting": "the next meeting, as announced",
}
_PARTICIPATION_FIELDS = {
    "n": "the participation's number, unique in the meeting and never reused",
    "person": "the slug of the person (leave out when the source names only a post)",
    "post": "the slug(s) of the post(s) held that day",
    "roles": "one or more of: " + ", ".join(ROLES),
    "on_behalf_of": "the slug of the state or organization represented",
    "rank": "the slug of the rank held that day",
    "sources": "slugs of sources for this participation (default: the meeting's)",
    "note": "a curator's note",
}
_DELEGATION_FIELDS = {"state": "the slug of the state", "sources": "slugs of sources", "note": "a curator's note"}
_AGENDA_FIELDS = {
    "n": "the item's number, unique in the meeting",
    "subject": "what the item is about (a text, or en:/ru: texts)",
    "proposed_by": "the slug of the state or organization that proposed it",
    "sources": "slugs of sources",
}
_DECISION_FIELDS = {
    "n": "the decision's number, unique in the meeting",
    "type": "one of " + ", ".join(DECISION_TYPES),
    "appointee": "the slug of the person appointed",
    "post": "the slug of the post appointed to",
    "effective_from": "when the appointment takes effect, if the source says",
    "sources": "slugs of sources",
    "note": "a curator's note",
}
_NEXT_FIELDS = {
    "date": "when it is announced for (YYYY-MM-DD, YYYY-MM or YYYY)",
    "host_state": "the slug of the state that will host it",
    "place": "the slug of the place, if announced",
    "sources": "slugs of sources",
}
_ACTORS = ("state", "organization")


def read_meeting_file(reader: _Reader, data: object, slug: str) -> Meeting | None:
    top = reader.mapping(data, "", Mark(1, 1), _MEETING_FIELDS, ("label", "body", "date", "sources"))
    if top is None:
        return None
    labels = reader.labels(top, "label", "")
    body = reader.ref(top, "body", "", ("body",))
    start = reader.date(top, "date", "")
    sources = reader.refs(top, "sources", "", ("source",))
    meeting = Meeting(
        slug=slug,
        file=reader.file,
        mark=top.mark,
        labels=labels or Labels({}),
        body=body,  # type: ignore[arg-type]
        start=start,  # type: ignore[arg-type]
        sources=sources,
        session=reader.integer(top, "session", ""),
        end=reader.date(top, "end_date", ""),
        date_certainty=reader.text(top, "date_certainty", ""),
        place=reader.ref(top, "place", "", ("place",)),
        host_state=reader.ref(top, "host_state", "", ("state",)),
        format=reader.choice(top, "format", "", MEETING_FORMATS, "a meeting format"),
        note=reader.text(top, "note", ""),
        joint_with=reader.refs(top, "joint_with", "", ("body",)),
    )
    if start and meeting.end and meeting.end.latest < start.earliest:
        reader.problem(meeting.end.mark, "end_date", f"{meeting.end.text} is before the date {start.text}",
                       "an end date on or after the date", meeting.end.text)

    for where, mark, item in reader.items(top, "delegations", ""):
        entry = reader.mapping(item, where, mark, _DELEGATION_FIELDS, ("state",))
        if entry is not None and (state := reader.ref(entry, "state", where, ("state",))):
            meeting.delegations.append(Delegation(state, entry.mark, reader.refs(entry, "sources", where, ("source",)),
                                                  reader.text(entry, "note", where)))

    for where, mark, item in reader.items(top, "participations", ""):
        entry = reader.mapping(item, where, mark, _PARTICIPATION_FIELDS, ("n", "roles"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        roles = []
        raw_roles = entry.get("roles")
        role_items = raw_roles if isinstance(raw_roles, Sequence) else [raw_roles] if raw_roles is not None else []
        for i, role in enumerate(role_items):
            name = f"{where}.roles[{i}]" if isinstance(raw_roles, Sequence) else f"{where}.roles"
            checked = _choice_item(reader, role, name, entry.key_marks.get("roles", entry.mark))
            if checked:
                roles.append(checked)
        participation = Participation(
            number=number or 0,
            mark=entry.mark,
            roles=roles,
            person=reader.ref(entry, "person", where, ("person",)),
            posts=reader.refs(entry, "post", where, ("post",)),
            on_behalf_of=reader.ref(entry, "on_behalf_of", where, _ACTORS),
            rank=reader.ref(entry, "rank", where, ("rank",)),
            sources=reader.refs(entry, "sources", where, ("source",)),
            note=reader.text(entry, "note", where),
        )
        if participation.person is None and not participation.posts and "person" not in entry and "post" not in entry:
            reader.problem(entry.mark, where, "names neither a person nor a post",
                           "'person' or 'post' (or both)")
        if number:
            meeting.participations.append(participation)

    for where, mark, item in reader.items(top, "agenda", ""):
        entry = reader.mapping(item, where, mark, _AGENDA_FIELDS, ("n", "subject"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        subject = reader.labels(entry, "subject", where)
        if number and subject:
            meeting.agenda.append(AgendaItem(number, entry.mark, subject,
                                             reader.ref(entry, "proposed_by", where, _ACTORS),
                                             reader.refs(entry, "sources", where, ("source",))))

    for where, mark, item in reader.items(top, "decisions", ""):
        entry = reader.mapping(item, where, mark, _DECISION_FIELDS, ("n", "type", "appointee", "post"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        kind = reader.choice(entry, "type", where, DECISION_TYPES, "a decision type")
        appointee = reader.ref(entry, "appointee", where, ("person",))
        post = reader.ref(entry, "post", where, ("post",))
        effective = reader.date(entry, "effective_from", where)
        if number and kind and appointee and post:
            meeting.decisions.append(Decision(number, entry.mark, kind, appointee, post, effective,
                                              reader.refs(entry, "sources", where, ("source",)),
                                              reader.text(entry, "note", where)))

    if "next_meeting" in top:
        entry = reader.mapping(top["next_meeting"], "next_meeting", top.key_marks["next_meeting"], _NEXT_FIELDS, ())
        if entry is not None:
            meeting.next_meeting = AnnouncedMeeting(
                entry.mark,
                reader.date(entry, "date", "next_meeting"),
                reader.ref(entry, "host_state", "next_meeting", ("state",)),
                reader.ref(entry, "place", "next_meeting", ("place",)),
                reader.refs(entry, "sources", "next_meeting", ("source",)),
            )
    _check_meeting_consistency(reader, meeting)
    return meeting


def _choice_item(reader: _Reader, value: object, name: str, mark: Mark) -> Text | None:
    if not isinstance(value, Text):
        reader.problem(_mark_of(value, mark), name, f"is {_describe(value)}", "one of: " + ", ".join(ROLES))
        return None
    if value not in ROLES:
        close = difflib.get_close_matches(value, ROLES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        reader.problem(value.mark, name, f"{value!r} is not a role{hint}", "one of: " + ", ".join(ROLES), value)
        return None
    return value


def _check_meeting_consistency(reader: _Reader, meeting: Meeting) -> None:
    """Rules inside one meeting: numbers used once, one delegation per state."""
    for what, items in (("participations", meeting.participations), ("agenda", meeting.agenda),
                        ("decisions", meeting.decisions)):
        seen: dict[int, Mark] = {}
        for item in items:
            if item.number in seen:
                reader.problem(item.mark, f"{what}.n", f"number {item.number} is used twice (first on line {seen[item.number].line})",
                               "a number not used by another entry of this meeting", item.number)
            seen.setdefault(item.number, item.mark)
    states: dict[str, Mark] = {}
    for delegation in meeting.delegations:
        if delegation.state.slug in states:
            reader.problem(delegation.mark, "delegations.state",
                           f"{delegation.state.slug!r} has a second delegation (first on line {states[delegation.state.slug].line})",
                           "one delegation per state", delegation.state.slug)
        states.setdefault(delegation.state.slug, delegation.mark)
    for p in meeting.participations:
        delegate = {"head-of-delegation", "delegation-member"} & set(p.roles)
        if delegate and (p.on_behalf_of is None or p.on_behalf_of.slug not in states):
            whom = p.on_behalf_of.slug if p.on_behalf_of else "(no on_behalf_of)"
            reader.problem(p.mark, f"participations[n={p.number}].on_behalf_of",
                           f"role {sorted(delegate)[0]} on behalf of {whom}, but the meeting lists no delegation of it",
                           "a state listed under 'delegations'", whom)
    heads = [p for p in meeting.participations if "head-of-delegation" in p.roles and p.on_behalf_of]
    seen_heads: dict[str, Participation] = {}
    for p in heads:
        first = seen_heads.setdefault(p.on_behalf_of.slug, p)
        if first is not p:
            reader.problem(p.mark, f"participations[n={p.number}].roles",
                           f"a second head of the delegation of {p.on_behalf_of.slug} (first: n={first.number})",
                           "one head-of-delegation per state", p.on_behalf_of.slug)


# --------------------------------------------------------------------------- folders


def read_file(path: Path, name: str, data: bytes | None = None) -> RecordFile:
    """Read one record file; ``name`` is its path relative to the data folder.

    ``data``, when given, is the file's content (a record sent over HTTP): ``path`` is not read.
    """
    record = RecordFile(path=path, name=name)
    reader = _Reader(name)
    if not name.isprintable() or name != name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        reader.problem(Mark(1, 1), "(file name)", f"the file name {shown!r} is not printable UTF-8 text",
                       "a file name of letters, digits, hyphens and dots, e.g. ranks.yaml")
        record.unreadable = True
        return _with_problems(record, reader)
    try:
        parsed = yamlsafe.load(path) if data is None else yamlsafe.loads(data)
    except yamlsafe.YamlProblem as err:
        reader.problem(err.mark, "", err.message, "", None)
        record.unreadable = isinstance(err, yamlsafe.Unreadable)
        return _with_problems(record, reader)
    except OSError as err:
        reader.problem(Mark(1, 1), "", f"cannot be read: {err.strerror or err}")
        record.unreadable = True
        return _with_problems(record, reader)
    if name.startswith("meetings/"):
        stem = Path(name).stem
        if not MEETING_FILE.match(stem):
            reader.problem(Mark(1, 1), "(file name)", f"{Path(name).name!r} is not a valid meeting file name",
                           "YYYY-MM-DD-slug.yaml (or YYYY-MM-slug / YYYY-slug), lowercase, e.g. 2019-06-20-ccim-22.yaml")
        elif parsed is None:
            reader.problem(Mark(1, 1), "", "the file is empty", "a meeting record")
        else:
            record.meeting = read_meeting_file(reader, parsed, stem)
    elif parsed is not None:
        record.entities = read_entity_file(reader, parsed)
    return _with_problems(record, reader)


def _with_problems(record: RecordFile, reader: _Reader) -> RecordFile:
    record.problems = reader.problems
    return record


def record_files(data_dir: Path, folders: tuple[str, ...] = ("entities", "meetings")) -> list[tuple[Path, str]]:
    """The record files of a data folder (or of some of its ``folders``), in a stable order."""
    import os

    found = []
    for sub in folders:
        root = os.path.join(data_dir, sub)
        if not os.path.isdir(root):
            continue
        names = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(folder, data_dir).replace(os.sep, "/")
            names += [f"{rel}/{f}" for f in files if f.endswith((".yaml", ".yml")) and not f.startswith(".")]
        found += [(data_dir / name, name) for name in sorted(names)]
    return found


def read_records(data_dir: Path, extra: Iterable[tuple[Path, str]] = ()) -> Records:
    """Read and check every record of ``data_dir`` (plus ``extra`` files)."""
    files = [read_file(path, name) for path, name in [*record_files(data_dir), *extra]]
    problems = [p for f in files for p in f.problems]
    records = Records(files, problems)
    records.problems.extend(check_references(records))
    return records


# --------------------------------------------------------------------------- cross-file rules


class EntityIndex:
    """Slug -> entity, for every entity the records define."""

    def __init__(self, entities: Iterable[Entity] = ()):
        self.by_slug: dict[str, Entity] = {}
        self.duplicates: list[tuple[Entity, Entity]] = []
        for entity in entities:
            first = self.by_slug.setdefault(entity.slug, entity)
            if first is not entity:
                self.duplicates.append((entity, first))

    def suggest(self, slug: str, kinds: tuple[str, ...]) -> str:
        candidates = [s for s, e in self.by_slug.items() if e.kind in kinds]
        close = difflib.get_close_matches(slug, candidates, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""


def references(records: Records) -> Iterable[tuple[str, Ref, str]]:
    """Every (file, reference, field) in the records."""
    for entity in records.entities:
        for ref in entity.sources:
            yield entity.file, ref, "sources"
        for name, value in entity.fields.items():
            if isinstance(value, Ref):
                yield entity.file, value, name
    for m in records.meetings:
        for name, ref in (("body", m.body), ("place", m.place), ("host_state", m.host_state)):
            if ref:
                yield m.file, ref, name
        for ref in m.sources:
            yield m.file, ref, "sources"
        yield from ((m.file, ref, "joint_with") for ref in m.joint_with)
        for d in m.delegations:
            yield m.file, d.state, "delegations.state"
            yield from ((m.file, r, "delegations.sources") for r in d.sources)
        for p in m.participations:
            where = f"participations[n={p.number}]"
            for name, ref in (("person", p.person), ("on_behalf_of", p.on_behalf_of), ("rank", p.rank)):
                if ref:
                    yield m.file, ref, f"{where}.{name}"
            yield from ((m.file, r, f"{where}.post") for r in p.posts)
            yield from ((m.file, r, f"{where}.sources") for r in p.sources)
        for a in m.agenda:
            if a.proposed_by:
                yield m.file, a.proposed_by, f"agenda[n={a.number}].proposed_by"
            yield from ((m.file, r, f"agenda[n={a.number}].sources") for r in a.sources)
        for d in m.decisions:
            yield m.file, d.appointee, f"decisions[n={d.number}].appointee"
            yield m.file, d.post, f"decisions[n={d.number}].post"
            yield from ((m.file, r, f"decisions[n={d.number}].sources") for r in d.sources)
        if m.next_meeting:
            for name, ref in (("host_state", m.next_meeting.host_state), ("place", m.next_meeting.place)):
                if ref:
                    yield m.file, ref, f"next_meeting.{name}"
            yield from ((m.file, r, "next_meeting.sources") for r in m.next_meeting.sources)


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def check_references(records: Records, index: EntityIndex | None = None) -> list[Problem]:
    """Slugs defined once; every reference names an entity of an allowed kind."""
    index = index or EntityIndex(records.entities)
    return duplicate_slugs(index) + unknown_references(records, index)


def duplicate_slugs(index: EntityIndex) -> list[Problem]:
    problems = []
    for entity, first in index.duplicates:
        for here, there in ((entity, first), (first, entity)):  # the curator may be editing either file
            problems.append(Problem(here.file, here.slug.mark.line, here.slug.mark.column, "slug",
                                    f"{here.slug!r} is also used by {_a(there.kind)} at {there.file}:{there.slug.mark.line}",
                                    "a slug not used by any other entity", value=here.slug))
    return problems


def unknown_references(records: Records, index: EntityIndex) -> list[Problem]:
    problems = []
    for file, ref, name in references(records):
        target = index.by_slug.get(ref.slug)
        mark = ref.slug.mark
        if target is None:
            problems.append(Problem(file, mark.line, mark.column, name,
                                    f"unknown {' or '.join(ref.kinds)} {ref.slug!r}{index.suggest(ref.slug, ref.kinds)}",
                                    f"the slug of {_a(' or '.join(ref.kinds))} defined in data/entities/", value=ref.slug))
        elif target.kind not in ref.kinds:
            problems.append(Problem(file, mark.line, mark.column, name,
                                    f"{ref.slug!r} is {_a(target.kind)}, not {_a(' or '.join(ref.kinds))}",
                                    f"the slug of {_a(' or '.join(ref.kinds))}", value=ref.slug))
    return problems
