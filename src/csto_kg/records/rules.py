"""Rules across record files: the index of entities, references that must resolve, slugs used once."""

from __future__ import annotations

from typing import Iterable

from ..problems import Problem
from .model import Entity, ROLES, Records, Ref


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
        """`` (did you mean ...?)`` naming the entity of one of ``kinds`` whose slug, label or alternative
        label is closest to ``slug`` (:mod:`~csto_kg.records.match`), or "". The roles of
        ontology/roles.ttl, which are not entities of the data, are candidates for a role."""
        # only a wrong reference needs the matcher (and rapidfuzz with it)
        from .match import candidate, close_matches, did_you_mean  # noqa: PLC0415

        candidates = [candidate(s, e.kind, e.labels.pref.values(), (t for texts in e.labels.alt.values() for t in texts))
                      for s, e in self.by_slug.items() if e.kind in kinds]
        if "role" in kinds:
            candidates += [candidate(role, "role") for role in ROLES if role not in self.by_slug]
        return did_you_mean(close_matches(slug, candidates))


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
            where = f"delegations[state={d.state.slug}]"
            yield m.file, d.state, f"{where}.state"
            yield from ((m.file, r, f"{where}.sources") for r in d.sources)
        for p in m.participations:
            where = f"participations[n={p.number}]"
            for name, ref in (("person", p.person), ("on_behalf_of", p.on_behalf_of), ("rank", p.rank)):
                if ref:
                    yield m.file, ref, f"{where}.{name}"
            yield from ((m.file, Ref(role, ("role",)), f"{where}.roles[{i}]") for i, role in enumerate(p.roles))
            yield from ((m.file, r, f"{where}.post") for r in p.posts)
            yield from ((m.file, r, f"{where}.acting_post") for r in p.acting_posts)
            yield from ((m.file, r, f"{where}.sources") for r in p.sources)
        for a in m.agenda:
            if a.proposed_by:
                yield m.file, a.proposed_by, f"agenda[n={a.number}].proposed_by"
            yield from ((m.file, r, f"agenda[n={a.number}].sources") for r in a.sources)
        for d in m.decisions:
            for name, ref in (("appointee", d.appointee), ("post", d.post), ("adopted_by", d.adopted_by)):
                if ref:
                    yield m.file, ref, f"decisions[n={d.number}].{name}"
            yield from ((m.file, r, f"decisions[n={d.number}].sources") for r in d.sources)
        for a in m.absent:
            where = f"absent[state={a.state.slug}]"
            yield m.file, a.state, f"{where}.state"
            yield from ((m.file, r, f"{where}.sources") for r in a.sources)
        if m.next_meeting:
            for name, ref in (("host_state", m.next_meeting.host_state), ("place", m.next_meeting.place)):
                if ref:
                    yield m.file, ref, f"next_meeting.{name}"
            yield from ((m.file, r, "next_meeting.sources") for r in m.next_meeting.sources)


ROLE_EXPECTED = "a role of ontology/roles.ttl (" + ", ".join(ROLES) + ") or one defined under 'roles:' in data/entities/"


def _either(kinds: tuple[str, ...]) -> str:
    """``state``, ``state or organization``, ``state, organization or body``."""
    return kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def check_references(records: Records, index: EntityIndex | None = None) -> list[Problem]:
    """Slugs defined once; every role of the data leads to a role of the scheme; every reference
    names an entity of an allowed kind; a meeting's former name is no other meeting's name, now or
    before."""
    index = index or EntityIndex(records.entities)
    former = {m.file: [(str(f), f.mark.line, f.mark.column) for f in m.former_ids] for m in records.meetings}
    return duplicate_slugs(index) + role_cycles(index) + unknown_references(records, index) + \
        former_id_clashes({m.file: m.slug for m in records.meetings}, former)


def former_id_clashes(meetings: dict[str, str], former: dict[str, list[tuple[str, int, int]]]) -> list[Problem]:
    """Former names of meeting files (``former``: file -> (name, line, column)) that another record
    has now, or that two records list: either would make an old IRI name two meetings.
    ``meetings`` is every meeting file with its name (file -> slug)."""
    current = {slug: file for file, slug in meetings.items()}
    listed: dict[str, list[tuple[str, int, int]]] = {}
    for file, names in sorted(former.items()):
        for name, line, column in names:
            listed.setdefault(name, []).append((file, line, column))
    problems = []
    for name, places in sorted(listed.items()):
        for file, line, column in places:
            if name in current and current[name] != file:
                problems.append(Problem(file, line, column, "former_ids", f"{name!r} is the name of the record {current[name]}",
                                        "an earlier name of this file that no record has now", value=name))
            for other, other_line, _ in places:
                if other != file:
                    problems.append(Problem(file, line, column, "former_ids",
                                            f"{name!r} is also a former name of {other}:{other_line}",
                                            "an earlier name of one record only", value=name))
    return problems


def duplicate_slugs(index: EntityIndex) -> list[Problem]:
    problems = []
    for entity, first in index.duplicates:
        for here, there in ((entity, first), (first, entity)):  # the curator may be editing either file
            problems.append(Problem(here.file, here.slug.mark.line, here.slug.mark.column, "slug",
                                    f"{here.slug!r} is also used by {_a(there.kind)} at {there.file}:{there.slug.mark.line}",
                                    "a slug not used by any other entity", value=here.slug))
    return problems


def role_cycles(index: EntityIndex) -> list[Problem]:
    """Roles of the data whose chain of broader roles never reaches a role of ontology/roles.ttl
    (a role narrower than itself, through others); a broader role that is unknown is reported
    as an unknown reference."""
    if not isinstance(index, EntityIndex):
        return []  # a store-backed index: the entity files were checked when the store was built
    problems = []
    for slug, entity in index.by_slug.items():
        if entity.kind != "role":
            continue
        seen, up = [slug], entity.fields.get("broader")
        while up is not None and up.slug not in ROLES and up.slug not in seen:
            seen.append(up.slug)
            target = index.by_slug.get(up.slug)
            up = target.fields.get("broader") if target is not None and target.kind == "role" else None
        if up is not None and up.slug in seen:
            mark = entity.fields["broader"].slug.mark
            problems.append(Problem(entity.file, mark.line, mark.column, "broader",
                                    f"{slug!r} is narrower than itself ({' < '.join([*seen, up.slug][seen.index(up.slug):])})",
                                    "a chain of broader roles that ends at a role of ontology/roles.ttl", value=up.slug))
    return problems


def unknown_references(records: Records, index: EntityIndex,
                       found: Iterable[tuple[str, Ref, str]] | None = None) -> list[Problem]:
    """The references of ``records`` that name no entity of the right kind; ``found``: their
    :func:`references`, when the caller has listed them already."""
    problems = []
    for file, ref, name in references(records) if found is None else found:
        wrong = reference_problem(index, ref.slug, ref.kinds)
        if wrong is not None:
            mark = ref.slug.mark
            problems.append(Problem(file, mark.line, mark.column, name, *wrong, value=ref.slug))
    return problems


def reference_problem(index: EntityIndex, slug: str, kinds: tuple[str, ...]) -> tuple[str, str] | None:
    """What is wrong with ``slug`` as a reference to an entity of one of ``kinds`` (the message and what
    was expected), or None when it names one. A role is one of ontology/roles.ttl or of the data."""
    if kinds == ("role",) and slug in ROLES:
        return None  # a role of ontology/roles.ttl
    target = index.by_slug.get(slug)
    if kinds == ("role",) and (target is None or target.kind != "role"):
        return f"{slug!r} is not a role{index.suggest(slug, kinds)}", ROLE_EXPECTED
    if target is None:
        return (f"unknown {_either(kinds)} {slug!r}{index.suggest(slug, kinds)}",
                f"the slug of {_a(_either(kinds))} defined in data/entities/")
    if target.kind not in kinds:
        return f"{slug!r} is {_a(target.kind)}, not {_a(_either(kinds))}", f"the slug of {_a(_either(kinds))}"
    return None
