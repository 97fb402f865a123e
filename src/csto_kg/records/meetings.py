"""The schema of meeting files: the meeting, its delegations, participations, agenda, decisions and next meeting."""

from __future__ import annotations

import difflib

from .yamlsafe import Mapping, Mark, Sequence, Text
from .model import (
    Absence, AgendaItem, Alternative, AnnouncedMeeting, DECISION_TYPES, DOCUMENT_KINDS, Decision, Delegation, Labels,
    MEETING_FILE, MEETING_FILE_DATE, MEETING_FORMATS, Meeting, NOT_STATED, Participation, ROLES, Ref, SLUG,
    ends_before, foreign_script,
)
from .dates import is_day
from .reader import _Reader, _describe, _is_english, _mark_of
from .rules import ROLE_EXPECTED


_MEETING_FIELDS = {
    "label": "the meeting's name in English (or en:/ru:/... labels)",
    "body": "the slug of the body that met",
    "joint_with": "slugs of further bodies that met jointly with it, in one joint meeting",
    "session": "the session number, e.g. 22; {number: 22, inferred: true} when no source states it",
    "date": "the (first) day: YYYY-MM-DD, or YYYY-MM / YYYY when only that is known",
    "end_date": "the last day of a meeting over several days",
    "date_certainty": "how the date is known, when it is not stated plainly",
    "place": "the slug of the place it was held",
    "host_state": "the slug of the state on whose territory it was held",
    "format": "one of " + ", ".join(MEETING_FORMATS),
    "note": "a curator's note",
    "sources": "slugs of the sources that report the meeting (the first is the main one)",
    "delegations": "the states that sent delegations",
    "participations": "who took part, in which role",
    "agenda": "agenda items",
    "decisions": "decisions: appointments, elections, documents adopted",
    "absent": "the states the sources say did not take part, and why",
    "next_meeting": "the next meeting, as announced",
    "former_ids": "earlier names of this file (without .yaml), whose IRIs keep working",
}
_PARTICIPATION_FIELDS = {
    "n": "the participation's number, unique in the meeting and never reused",
    "person": "the slug of the person (leave out when the source names only a post, or no one)",
    "post": "the slug(s) of the post(s) held that day",
    "acting_post": "the slug(s) of the post(s) held that day in an acting capacity (the source says 'acting')",
    "post_as_stated": "the source's own wording of the post(s), by language: {en: ...}",
    "roles": "one or more roles: " + ", ".join(ROLES) + ", or one defined under 'roles:'",
    "role_as_stated": "the source's own wording of the role, by language: {en: ...}",
    "on_behalf_of": "the slug of the state, organization or body represented (alone: its unnamed representatives)",
    "count": "how many unnamed representatives took part, when the source says",
    "rank": f"the slug of the rank held that day, or {NOT_STATED} when the sources give none",
    "sources": "slugs of the sources that state it (default: the meeting's, when it cites one)",
    "note": "a curator's note",
}
_SESSION_FIELDS = {
    "number": "the session number, e.g. 22",
    "inferred": "true when no source states the number and it is the curator's inference",
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
    "appointee": "the slug of the person appointed (appointment, election)",
    "post": "the slug of the post appointed to (appointment, election)",
    "effective_from": "when the appointment takes effect, if the source says",
    "kind": "the kind of document adopted (adoption): " + ", ".join(DOCUMENT_KINDS),
    "title": "the document's title, as the source gives it (adoption)",
    "language": "the language tag of the title (default: en)",
    "subject": "what an untitled document is about, in the curator's words (adoption)",
    "adopted_by": "the slug of the body, organization or state that adopted or signed it, when the source names one",
    "sources": "slugs of sources",
    "note": "a curator's note",
    "alternatives": "what other sources state otherwise, each with its own sources",
}
_ALTERNATIVE_FIELDS = {
    "sources": "slugs of the sources that state it otherwise",
    "kind": "the kind of document as these sources call it (adoption): " + ", ".join(DOCUMENT_KINDS),
    "title": "the document's title as these sources give it (adoption)",
    "subject": "what the document is about as these sources describe it (adoption)",
    "effective_from": "when these sources say the appointment takes effect (appointment, election)",
    "made_on": "when these sources say the decision was made, e.g. ../2025-11-26 (on or before)",
    "note": "a curator's note: what these sources say",
}
_ALTERNATIVE_VALUES = {"adoption": ("kind", "title", "subject", "made_on"),
                       "appointment": ("effective_from", "made_on"), "election": ("effective_from", "made_on")}
_FOR_TYPE = {  # the fields only one type of decision takes, and those it needs
    "appointment": (("appointee", "post", "effective_from"), ("appointee", "post")),
    "election": (("appointee", "post", "effective_from"), ("appointee", "post")),
    "adoption": (("kind", "title", "language", "subject", "adopted_by"), ("kind",)),
}
_ABSENT_FIELDS = {
    "state": "the slug of the state that did not take part",
    "reason": "why, as the source gives it (in your words)",
    "sources": "slugs of the sources that state it (default: the meeting's, when it cites one)",
    "note": "a curator's note",
}
_NEXT_FIELDS = {
    "date": "when it is announced for (YYYY-MM-DD, YYYY-MM or YYYY)",
    "host_state": "the slug of the state that will host it",
    "place": "the slug of the place, if announced",
    "sources": "slugs of sources",
}
_ACTORS = ("state", "organization")
_REPRESENTED = ("state", "organization", "body")


def read_meeting_file(reader: _Reader, data: object, slug: str) -> Meeting | None:
    top = reader.mapping(data, "", Mark(1, 1), _MEETING_FIELDS, ("label", "body", "date", "sources"))
    if top is None:
        return None
    labels = reader.labels(top, "label", "")
    body = reader.ref(top, "body", "", ("body",))
    start = reader.date(top, "date", "")
    sources = reader.refs(top, "sources", "", ("source",))
    session, session_inferred = _session(reader, top)
    meeting = Meeting(
        slug=slug,
        file=reader.file,
        mark=top.mark,
        labels=labels or Labels({}),
        body=body,  # type: ignore[arg-type]
        start=start,  # type: ignore[arg-type]
        sources=sources,
        session=session,
        session_inferred=session_inferred,
        end=reader.date(top, "end_date", ""),
        date_certainty=reader.text(top, "date_certainty", ""),
        place=reader.ref(top, "place", "", ("place",)),
        host_state=reader.ref(top, "host_state", "", ("state",)),
        format=reader.choice(top, "format", "", MEETING_FORMATS, "a meeting format"),
        note=reader.text(top, "note", ""),
        joint_with=reader.refs(top, "joint_with", "", ("body",)),
    )
    if start is not None:
        _check_file_date(reader, meeting.slug, start)
    meeting.former_ids = _former_ids(reader, top, slug)
    if ends_before(meeting.end, start):
        reader.problem(meeting.end.mark, "end_date", f"{meeting.end.text} is before the date {start.text}",
                       "an end date on or after the date", meeting.end.text)

    for where, mark, item in reader.items(top, "delegations", "", by="state"):
        entry = reader.mapping(item, where, mark, _DELEGATION_FIELDS, ("state",))
        if entry is not None and (state := reader.ref(entry, "state", where, ("state",))):
            meeting.delegations.append(Delegation(state, entry.mark, _item_sources(reader, entry, where, sources),
                                                  reader.text(entry, "note", where)))

    for where, mark, item in reader.items(top, "participations", "", by="n"):
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
            on_behalf_of=reader.ref(entry, "on_behalf_of", where, _REPRESENTED),
            rank=None if reader.not_stated(entry, "rank") else reader.ref(entry, "rank", where, ("rank",)),
            sources=_item_sources(reader, entry, where, sources),
            note=reader.text(entry, "note", where),
            count=reader.integer(entry, "count", where),
            acting_posts=reader.refs(entry, "acting_post", where, ("post",)),
            post_as_stated=reader.alt_labels(entry, "post_as_stated", where),
            role_as_stated=reader.alt_labels(entry, "role_as_stated", where),
        )
        if (mark := reader.not_stated(entry, "rank")) is not None:
            participation.not_stated["rank"] = mark
        named = bool({"person", "post", "acting_post"} & set(entry))
        if not named and "on_behalf_of" not in entry:
            reader.problem(entry.mark, where, "names neither a person, a post nor whom it acted for",
                           "'person' or 'post' / 'acting_post' (or both), or 'on_behalf_of' alone for representatives the source does not name")
        elif not named and {"head-of-delegation", "chair", "secretary"} & set(roles):
            role = sorted({"head-of-delegation", "chair", "secretary"} & set(roles))[0]
            reader.problem(entry.mark, f"{where}.roles", f"role {role} is held by one person, but the participation names neither a person nor a post",
                           "'person' or 'post' for the one who held the role", role)
        if "count" in entry and "person" in entry:
            reader.problem(entry.key_marks["count"], f"{where}.count", "is given for a named person",
                           "'count' only for representatives the source does not name (no 'person')", entry.get("count"))
        if number:
            meeting.participations.append(participation)

    for where, mark, item in reader.items(top, "agenda", "", by="n"):
        entry = reader.mapping(item, where, mark, _AGENDA_FIELDS, ("n", "subject"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        subject = reader.labels(entry, "subject", where)
        if number and subject:
            meeting.agenda.append(AgendaItem(number, entry.mark, subject,
                                             reader.ref(entry, "proposed_by", where, _ACTORS),
                                             _item_sources(reader, entry, where, sources)))

    for where, mark, item in reader.items(top, "decisions", "", by="n"):
        entry = reader.mapping(item, where, mark, _DECISION_FIELDS, ("n", "type"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        kind = reader.choice(entry, "type", where, DECISION_TYPES, "a decision type")
        if kind is None:
            continue
        own, needed = _FOR_TYPE[kind]
        for key in dict.fromkeys(k for other in DECISION_TYPES for k in _FOR_TYPE[other][0]):
            if key in entry and key not in own:
                reader.problem(entry.key_marks[key], f"{where}.{key}", f"is not a field of a decision of type {kind}",
                               f"for type {kind}: " + ", ".join(own))
        missing = [key for key in needed if entry.get(key) is None]
        for key in missing:
            reader.problem(entry.key_marks.get(key, entry.mark), f"{where}.{key}",
                           "is missing" if key not in entry else "is empty", f"for type {kind}: {_DECISION_FIELDS[key]}")
        decision = Decision(number or 0, entry.mark, kind,
                            reader.ref(entry, "appointee", where, ("person",)) if "appointee" in own else None,
                            reader.ref(entry, "post", where, ("post",)) if "post" in own else None,
                            reader.date(entry, "effective_from", where) if "effective_from" in own else None,
                            _item_sources(reader, entry, where, sources),
                            reader.text(entry, "note", where))
        if kind == "adoption":
            decision.kind = reader.choice(entry, "kind", where, DOCUMENT_KINDS, "a kind of document")
            decision.title = reader.text(entry, "title", where)
            decision.language = reader.language(entry, "language", where)
            decision.subject = reader.text(entry, "subject", where)
            if decision.subject is not None:
                reader.one_line(decision.subject, f"{where}.subject")
                _english_text(reader, decision.subject, f"{where}.subject",
                              "the subject in English, in your words (the document's own title goes under 'title', "
                              "with its 'language')")
            if decision.title is not None:
                reader.one_line(decision.title, f"{where}.title")
                if decision.language is None or _is_english(decision.language):
                    _english_text(reader, decision.title, f"{where}.title",
                                  "the title's language under 'language' (e.g. language: ru), or an English title")
            if "language" in entry and "title" not in entry:
                reader.problem(entry.key_marks["language"], f"{where}.language", "is given without a title",
                               "'language' only with 'title', for the title's language")
            decision.adopted_by = reader.ref(entry, "adopted_by", where, _REPRESENTED)
            complete = decision.kind is not None
        else:
            complete = decision.appointee is not None and decision.post is not None
        decision.alternatives = _alternatives(reader, entry, where, kind)
        if number and complete and not missing:
            meeting.decisions.append(decision)

    for where, mark, item in reader.items(top, "absent", "", by="state"):
        entry = reader.mapping(item, where, mark, _ABSENT_FIELDS, ("state",))
        if entry is not None and (state := reader.ref(entry, "state", where, ("state",))):
            meeting.absent.append(Absence(state, entry.mark, reader.text(entry, "reason", where),
                                          _item_sources(reader, entry, where, sources),
                                          reader.text(entry, "note", where)))

    if "next_meeting" in top:
        entry = reader.mapping(top["next_meeting"], "next_meeting", top.key_marks["next_meeting"], _NEXT_FIELDS, ())
        if entry is not None:
            meeting.next_meeting = AnnouncedMeeting(
                entry.mark,
                reader.date(entry, "date", "next_meeting"),
                reader.ref(entry, "host_state", "next_meeting", ("state",)),
                reader.ref(entry, "place", "next_meeting", ("place",)),
                _item_sources(reader, entry, "next_meeting", sources),
            )
    _check_meeting_consistency(reader, meeting)
    return meeting


def _check_file_date(reader: _Reader, slug: str, date) -> None:
    """The date a meeting's file name starts with (its IRI's) must be one the record's date can be:
    the date or a part of it (``2019-06`` for ``2019-06-20``, or the other way round), or, for an
    EDTF date, a day, month or year it can be (``2018-04-26`` for ``[2017-04-26, 2018-04-26]``)."""
    found = MEETING_FILE_DATE.match(slug)
    if found is None:
        return
    prefix, rest = found.group(1), slug[len(found.group(1)) + 1:]
    if not is_day(prefix):
        reader.problem(date.mark, "(file name)", f"the file name {slug + '.yaml'!r} starts with {prefix}, which is not a date",
                       f"a file name starting with a date the record's date can be, e.g. {_example(date)}-{rest}.yaml")
        return
    if date.allows(prefix):
        return
    reader.problem(date.mark, "(file name)",
                   f"the file name {slug + '.yaml'!r} starts with {prefix}, which the date {date.text} cannot be",
                   f"a file name starting with {_expected_start(date)}, e.g. {_example(date)}-{rest}.yaml "
                   "(to rename a record, list its old name under former_ids)", date.text)


def _expected_start(date) -> str:
    if date.exact:
        parts = [date.text[:n] for n in (7, 4) if n < len(date.text)]
        return f"{date.text} or a part of it ({', '.join(parts)})" if parts else date.text
    return f"a day, month or year that {date.text} can be (X: any digit)"


def _example(date) -> str:
    return date.text if date.exact else (date.edtf.example or date.text.strip("[]{}.").split(",")[0].replace("X", "0")[:10])


def _former_ids(reader: _Reader, top, slug: str) -> list[Text]:
    """The former names of a meeting's file: each a meeting file name (without .yaml), used once."""
    found: list[Text] = []
    value = top.get("former_ids")
    if value is None:
        return found
    items = value if isinstance(value, Sequence) else [value]
    marks = value.item_marks if isinstance(value, Sequence) else [top.key_marks["former_ids"]]
    for i, item in enumerate(items):
        name = f"former_ids[{i}]" if isinstance(value, Sequence) else "former_ids"
        expected = "the file's earlier name without .yaml, e.g. 2018-04-26-ccim-21"
        if not isinstance(item, Text) or not MEETING_FILE.match(item):
            shown = f"{str(item)!r}" if isinstance(item, Text) else _describe(item)
            reader.problem(_mark_of(item, marks[i]), name, f"{shown} is not a meeting file name", expected, item)
        elif item == slug:
            reader.problem(item.mark, name, f"{item!r} is this file's own name", "a name the file had before", item)
        elif item in found:
            reader.problem(item.mark, name, f"{item!r} is listed twice", "each earlier name once", item)
        else:
            found.append(item)
    return found


def _alternatives(reader: _Reader, entry, where: str, kind: str) -> list[Alternative]:
    """What other sources state otherwise about a decision: each names its sources and at least one
    value of its own (for an adoption kind, title, subject or made_on; for an appointment or election
    effective_from or made_on)."""
    found = []
    values = _ALTERNATIVE_VALUES[kind]
    allowed = {k: v for k, v in _ALTERNATIVE_FIELDS.items() if k in values or k in ("sources", "note")}
    for at, mark, item in reader.items(entry, "alternatives", where):
        alt = reader.mapping(item, at, mark, allowed, ("sources",))
        if alt is None:
            continue
        if not any(alt.get(key) is not None for key in values):
            reader.problem(alt.mark, at, "states no value of its own",
                           f"at least one of {', '.join(values)}: what these sources state otherwise")
        a = Alternative(alt.mark, reader.refs(alt, "sources", at, ("source",)),
                        kind=reader.choice(alt, "kind", at, DOCUMENT_KINDS, "a kind of document") if "kind" in values else None,
                        title=reader.text(alt, "title", at), subject=reader.text(alt, "subject", at),
                        effective_from=reader.date(alt, "effective_from", at) if "effective_from" in values else None,
                        made_on=reader.date(alt, "made_on", at), note=reader.text(alt, "note", at))
        for key in ("title", "subject"):
            if getattr(a, key) is not None:
                reader.one_line(getattr(a, key), f"{at}.{key}")
        found.append(a)
    return found


def _item_sources(reader: _Reader, entry, where: str, meeting_sources: list[Ref]) -> list[Ref]:
    """The sources of one item of a meeting (a delegation, participation, agenda item, decision, the
    next meeting, ...). An item without its own is credited to the meeting's sources, which is exact
    only when the meeting cites one: in a meeting citing several, every item names the ones that state it."""
    found = reader.refs(entry, "sources", where, ("source",))
    if "sources" not in entry and len(meeting_sources) > 1:
        cited = ", ".join(str(ref.slug) for ref in meeting_sources)
        reader.problem(entry.mark, f"{where}.sources",
                       f"is missing; the meeting cites {len(meeting_sources)} sources, so each item names those that state it",
                       f"sources: [...] listing those of {cited} that state this item")
    return found


def _session(reader: _Reader, top: Mapping) -> tuple[int | None, bool]:
    """``session: 22``, or ``session: {number: 22, inferred: true}``."""
    value = top.get("session")
    if not isinstance(value, Mapping):
        return reader.integer(top, "session", ""), False
    entry = reader.mapping(value, "session", top.key_marks["session"], _SESSION_FIELDS, ("number",))
    return reader.integer(entry, "number", "session"), bool(reader.boolean(entry, "inferred", "session"))


def _english_text(reader: _Reader, value: Text, name: str, expected: str) -> None:
    """A problem when ``value``, an English text that names something (it makes an English label),
    is written mostly in another script than Latin."""
    script = foreign_script(value)
    if script is not None:
        reader.problem(value.mark, name, f"{value!r} is in {script} script, not English", expected, value)


def _choice_item(reader: _Reader, value: object, name: str, mark: Mark) -> Text | None:
    """A role's slug; whether a role the scheme does not hold is defined in the data is checked
    across files (:func:`csto_kg.records.rules.unknown_references`)."""
    if not isinstance(value, Text):
        reader.problem(_mark_of(value, mark), name, f"is {_describe(value)}", ROLE_EXPECTED)
        return None
    if value not in ROLES and not SLUG.match(value):
        close = difflib.get_close_matches(value, ROLES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        reader.problem(value.mark, name, f"{value!r} is not a role{hint}", ROLE_EXPECTED, value)
        return None
    return value


def _check_meeting_consistency(reader: _Reader, meeting: Meeting) -> None:
    """Rules inside one meeting: numbers used once, one delegation per state, an absent state not
    also taking part."""
    for what, items in (("participations", meeting.participations), ("agenda", meeting.agenda),
                        ("decisions", meeting.decisions)):
        seen: dict[int, Mark] = {}
        for item in items:
            if item.number in seen:
                reader.problem(item.mark, f"{what}[n={item.number}].n", f"number {item.number} is used twice (first on line {seen[item.number].line})",
                               "a number not used by another entry of this meeting", item.number)
            seen.setdefault(item.number, item.mark)
    states: dict[str, Mark] = {}
    for delegation in meeting.delegations:
        if delegation.state.slug in states:
            reader.problem(delegation.mark, f"delegations[state={delegation.state.slug}].state",
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
    absent: dict[str, Mark] = {}
    for absence in meeting.absent:
        slug = absence.state.slug
        if slug in absent:
            reader.problem(absence.mark, f"absent[state={slug}].state", f"{slug!r} is listed as absent twice (first on line {absent[slug].line})",
                           "one entry per absent state", slug)
        absent.setdefault(slug, absence.mark)
        if slug in states:
            reader.problem(absence.state.slug.mark, f"absent[state={slug}].state",
                           f"{slug!r} is listed as absent, but the meeting lists a delegation of it (line {states[slug].line})",
                           "a state either under 'delegations' or under 'absent', not both", slug)
        present = next((p for p in meeting.participations if p.on_behalf_of and p.on_behalf_of.slug == slug), None)
        if present is not None:
            reader.problem(absence.state.slug.mark, f"absent[state={slug}].state",
                           f"{slug!r} is listed as absent, but participation n={present.number} is on its behalf",
                           "a state either absent or taking part, not both", slug)
    heads = [p for p in meeting.participations if "head-of-delegation" in p.roles and p.on_behalf_of]
    seen_heads: dict[str, Participation] = {}
    for p in heads:
        first = seen_heads.setdefault(p.on_behalf_of.slug, p)
        if first is not p:
            reader.problem(p.mark, f"participations[n={p.number}].roles",
                           f"a second head of the delegation of {p.on_behalf_of.slug} (first: n={first.number})",
                           "one head-of-delegation per state", p.on_behalf_of.slug)


