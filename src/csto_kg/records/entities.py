"""The schema of entity files: states, organizations, bodies, posts, places, people, ranks, sources, holdings."""

from __future__ import annotations

from .kinds import ENTITY_SECTIONS
from .yamlsafe import Mark
from .model import Entity, Labels, NOT_STATED, ORGANIZATION_TYPES, QID, ROLES, ends_before
from .reader import _Reader


_COMMON = {
    "slug": "a slug",
    "label": "a label in English (or en:/ru:/... labels)",
    "alt_labels": "other names, by language",
    "wikidata": f"a Wikidata QID such as Q159, or {NOT_STATED} when Wikidata has no item for it",
    "wikidata_candidate": "a QID to verify, with its evidence: {qid: Q1017314, evidence: ...}",
    "note": "a curator's note",
    "sources": "slugs of the sources that support this entry",
}
_ENTITY_FIELDS: dict[str, dict[str, str]] = {
    "state": {},
    "organization": {"type": "one of " + ", ".join(ORGANIZATION_TYPES), "part_of": "the state or organization it belongs to"},
    "body": {"unit_of": "the organization (or body) it is a unit of"},
    "post": {"post_in": "the organization, body or state the post is in",
             "single_holder": "true when one person at a time holds the post (a successor's start ends the predecessor's tenure)"},
    "place": {"country": "the state it lies in", "within": "the place (region) it lies in"},
    "person": {},
    "rank": {"seniority": "its order among ranks: a whole number, higher is more senior"},
    "role": {
        "broader": "the slug of the role it is narrower than: a role of ontology/roles.ttl or one defined under 'roles:'",
        "definition": "what the role means, in English",
    },
    "source": {
        "title": "the report's title",
        "publisher": "who published it",
        "published": "its publication date (YYYY-MM-DD, YYYY-MM or YYYY)",
        "url": "its public http(s) address",
        "language": "the language tag of the text, e.g. en, ru",
        "date_certainty": "how sure the publication date is",
        "excerpt_only": "true when only an excerpt of the report was read (the text breaks off)",
    },
    "post-holding": {
        "person": "the holder",
        "post": "the post held",
        "role": "how it was held: acting, or holder (the default)",
        "date": "a date a source says the post was held, when it says neither start nor end (YYYY-MM-DD, YYYY-MM or YYYY)",
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
    "role": ("slug", "label", "broader"),
    "source": ("slug", "publisher"),
    "post-holding": ("slug", "person", "post", "sources"),
    "rank-holding": ("slug", "person", "rank", "sources"),
}
HOLDING_ROLES = ("holder", "acting")


def _read_entity(reader: _Reader, kind: str, where: str, mark: Mark, value: object) -> Entity | None:
    allowed = {**_COMMON, **_ENTITY_FIELDS[kind]}
    if kind == "source":
        allowed = {k: v for k, v in allowed.items() if k not in ("wikidata", "wikidata_candidate", "sources", "alt_labels")}
    if kind in ("post-holding", "rank-holding"):
        allowed = {k: v for k, v in allowed.items() if k not in ("wikidata", "wikidata_candidate", "alt_labels")}
    if kind == "role":
        allowed = {k: v for k, v in allowed.items() if k not in ("wikidata", "wikidata_candidate")}
    entry = reader.mapping(value, where, mark, allowed, _REQUIRED[kind])
    if entry is None:
        return None
    slug = reader.slug(entry, "slug", where)
    if slug == NOT_STATED:
        reader.problem(slug.mark, f"{where}.slug", f"{slug!r} is reserved: it marks a value the sources do not state",
                       "another slug", slug)
        slug = None
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
        wikidata=None if reader.not_stated(entry, "wikidata") else reader.pattern(
            entry, "wikidata", where, QID, f"a Wikidata QID such as Q159, or {NOT_STATED}"),
        note=reader.text(entry, "note", where),
        sources=reader.refs(entry, "sources", where, ("source",)),
    )
    if (mark := reader.not_stated(entry, "wikidata")) is not None:
        entity.not_stated["wikidata"] = mark
    if "wikidata_candidate" in entry:
        at = f"{where}.wikidata_candidate"
        candidate = reader.mapping(entry["wikidata_candidate"], at, entry.key_marks["wikidata_candidate"],
                                   {"qid": "a Wikidata QID such as Q1017314",
                                    "evidence": "where the QID was found next to the entity's name, and how sure it is"},
                                   ("qid", "evidence"))
        if candidate is not None:
            entity.fields["wikidata_candidate"] = (reader.pattern(candidate, "qid", at, QID, "a Wikidata QID such as Q1017314"),
                                                   reader.text(candidate, "evidence", at))
    f = entity.fields
    if kind == "organization":
        f["type"] = reader.choice(entry, "type", where, ORGANIZATION_TYPES, "an organization type")
        f["part_of"] = reader.ref(entry, "part_of", where, ("state", "organization"))
    elif kind == "body":
        f["unit_of"] = reader.ref(entry, "unit_of", where, ("organization", "body"))
    elif kind == "post":
        f["post_in"] = reader.ref(entry, "post_in", where, ("organization", "body", "state"))
        f["single_holder"] = reader.boolean(entry, "single_holder", where)
    elif kind == "place":
        f["country"] = reader.ref(entry, "country", where, ("state",))
        f["within"] = reader.ref(entry, "within", where, ("place",))
    elif kind == "rank":
        f["seniority"] = reader.integer(entry, "seniority", where)
    elif kind == "role":
        if slug in ROLES:
            reader.problem(slug.mark, f"{where}.slug", f"{slug!r} is already a role of the scheme (ontology/roles.ttl)",
                           "a slug not used by a role of ontology/roles.ttl; use that role in the records instead", slug)
        f["broader"] = reader.ref(entry, "broader", where, ("role",))
        if f["broader"] is not None and f["broader"].slug == slug:
            reader.problem(f["broader"].slug.mark, f"{where}.broader", f"{slug!r} cannot be narrower than itself",
                           "the slug of another role, e.g. attendee", slug)
        f["definition"] = reader.text(entry, "definition", where)
    elif kind == "source":
        f["title"] = reader.text(entry, "title", where)
        f["publisher"] = reader.text(entry, "publisher", where)
        f["published"] = reader.date(entry, "published", where)
        f["url"] = reader.url(entry, "url", where)
        f["language"] = reader.language(entry, "language", where)
        f["date_certainty"] = reader.text(entry, "date_certainty", where)
        f["excerpt_only"] = reader.boolean(entry, "excerpt_only", where)
    elif kind in ("post-holding", "rank-holding"):
        f["person"] = reader.ref(entry, "person", where, ("person",))
        if kind == "post-holding":
            f["post"] = reader.ref(entry, "post", where, ("post",))
            f["role"] = reader.choice(entry, "role", where, HOLDING_ROLES, "a kind of holding")
            f["date"] = reader.date(entry, "date", where)
            if f["date"] is not None and ("start" in entry or "end" in entry):
                reader.problem(f["date"].mark, f"{where}.date", "is given together with start or end",
                               "'date' (held on that date) when the source gives neither start nor end, or 'start' and 'end'",
                               f["date"].text)
        else:
            f["rank"] = reader.ref(entry, "rank", where, ("rank",))
            f["date"] = reader.date(entry, "date", where)
            if f["date"] is None and "start" not in entry:
                reader.problem(entry.mark, where, "says neither when the rank was held nor from when",
                               "'date' (held on that date) or 'start' (and 'end')")
        f["start"] = reader.date(entry, "start", where)
        f["end"] = reader.date(entry, "end", where)
        f["date_certainty"] = reader.text(entry, "date_certainty", where)
        if ends_before(f["end"], f["start"]):
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
        for where, mark, item in reader.items(top, section, "", by="slug"):
            entity = _read_entity(reader, kind, where, mark, item)
            if entity is not None:
                entities.append(entity)
    return entities


