"""The schema of meeting files: the meeting, its delegations, participations, agenda, decisions and next meeting."""

from __future__ import annotations

import difflib

from .yamlsafe import Mark, Sequence, Text
from .model import (
    AgendaItem, AnnouncedMeeting, DECISION_TYPES, Decision, Delegation, Labels, MEETING_FORMATS,
    Meeting, Participation, ROLES,
)
from .reader import _Reader, _describe, _mark_of


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

    for where, mark, item in reader.items(top, "delegations", "", by="state"):
        entry = reader.mapping(item, where, mark, _DELEGATION_FIELDS, ("state",))
        if entry is not None and (state := reader.ref(entry, "state", where, ("state",))):
            meeting.delegations.append(Delegation(state, entry.mark, reader.refs(entry, "sources", where, ("source",)),
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

    for where, mark, item in reader.items(top, "agenda", "", by="n"):
        entry = reader.mapping(item, where, mark, _AGENDA_FIELDS, ("n", "subject"))
        if entry is None:
            continue
        number = reader.integer(entry, "n", where)
        subject = reader.labels(entry, "subject", where)
        if number and subject:
            meeting.agenda.append(AgendaItem(number, entry.mark, subject,
                                             reader.ref(entry, "proposed_by", where, _ACTORS),
                                             reader.refs(entry, "sources", where, ("source",))))

    for where, mark, item in reader.items(top, "decisions", "", by="n"):
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
    heads = [p for p in meeting.participations if "head-of-delegation" in p.roles and p.on_behalf_of]
    seen_heads: dict[str, Participation] = {}
    for p in heads:
        first = seen_heads.setdefault(p.on_behalf_of.slug, p)
        if first is not p:
            reader.problem(p.mark, f"participations[n={p.number}].roles",
                           f"a second head of the delegation of {p.on_behalf_of.slug} (first: n={first.number})",
                           "one head-of-delegation per state", p.on_behalf_of.slug)


