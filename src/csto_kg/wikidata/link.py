"""Linking entities to Wikidata: verify QIDs, propose candidates, fetch labels.

For every state, organization, body, place, post and person of ``data/entities/``:

* with a QID, :func:`link` **verifies** it: the item exists, is not a redirect (the
  ``owl:sameAs`` target is reported), is an instance of the class that fits the entity
  (``wdt:P31/wdt:P279*``), and one of its labels matches one of ours. Nothing is fixed
  silently: a failed check is reported as ``mismatch`` or ``redirect``, with candidates;
* without one, it proposes **candidates**: items whose ``rdfs:label`` or ``skos:altLabel``
  is exactly one of the entity's names in the record's languages and whose type fits,
  scored with context that tells namesakes apart (a place's country and region, a body's
  parent, a person's positions and citizenship). The top candidate is accepted
  (``linked``) only when nothing else comes close; otherwise the curator decides.

:func:`labels_graph` turns the linked items' labels and descriptions in the member states'
languages into the named graph ``https://w3id.org/csto-kg/graph/wikidata``, with the date
they were retrieved; the build loads it from the file :func:`write_labels_graph` writes.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDFS, SKOS, XSD

from ..records.kinds import KINDS
from ..records import Entity, EntityIndex, Records, read_records
from ..graph.sparql_terms import literal
from ..graph.vocab import SCHEMA, WD, WIKIDATA_GRAPH, entity_iri
from .client import WikidataClient

#: Languages of the member states, and English: the labels fetched into the wikidata graph.
LANGUAGES = ("ru", "hy", "be", "ky", "tg", "kk", "en")

#: The Wikidata classes an entity of each linkable kind must be an instance of (via P31/P279*;
#: a person's via P31 only: nothing is a subclass of human), from records.kinds.
CLASSES: dict[str, tuple[str, ...]] = {kind.name: kind.wikidata for kind in KINDS if kind.linkable}
CLASS_NAMES = {"Q6256": "country", "Q3624078": "sovereign state", "Q43229": "organization",
               "Q486972": "human settlement", "Q56061": "administrative territorial entity",
               "Q82794": "geographic region", "Q4164871": "position", "Q5": "human"}
#: Properties whose values tell namesakes apart.
CONTEXT_PROPERTIES = ("P17", "P131", "P361", "P749", "P27", "P39")

STATUSES = ("verified", "mismatch", "redirect", "linked", "candidates", "none")
NAME_SCORE = {"label": 0.6, "alt": 0.5}
SECOND_LANGUAGE = 0.1  # the names match in more than one language
CONTEXT_MATCH = 0.3
CONTEXT_CONFLICT = -0.3
PERSON_WITHOUT_CONTEXT = 0.5  # a shared name alone never identifies a person
ACCEPT_SCORE = 0.6
ACCEPT_MARGIN = 0.3  # the runner-up must score at least this much lower
BATCH = 50

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


# --------------------------------------------------------------------------- results


@dataclass
class Candidate:
    qid: str
    label: str | None
    description: str | None
    score: float
    why: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"qid": self.qid, "label": self.label, "description": self.description, "score": self.score}


@dataclass
class LinkResult:
    entity: Entity
    status: str
    qid: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why a QID did not verify, for the text report

    @property
    def id(self) -> str:
        return str(entity_iri(self.entity.kind, self.entity.slug))

    @property
    def label(self) -> str:
        return str(self.entity.labels.pref.get("en") or next(iter(self.entity.labels.pref.values()), self.entity.slug))

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "status": self.status, "qid": self.qid,
                "candidates": [c.as_json() for c in self.candidates]}


@dataclass
class ItemInfo:
    """What the endpoint says about one item."""

    qid: str
    exists: bool = False
    redirect: str | None = None
    labels: dict[str, set[str]] = field(default_factory=dict)  # language -> labels and alt labels
    pref: dict[str, str] = field(default_factory=dict)  # language -> rdfs:label
    alt: dict[str, set[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    retrieved: datetime | None = None

    def best(self, values: dict[str, str], languages: Iterable[str]) -> str | None:
        for lang in (*languages, "en", "ru", *LANGUAGES):
            if lang in values:
                return values[lang]
        return next(iter(sorted(values.items())), (None, None))[1]


@dataclass
class LinkReport:
    results: list[LinkResult]
    items: dict[str, ItemInfo]
    requests: int
    cache_hits: int

    @property
    def accepted(self) -> list[LinkResult]:
        return [r for r in self.results if r.status == "linked"]


# --------------------------------------------------------------------------- helpers


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _qid(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _lang_list(languages: Iterable[str]) -> str:
    return ", ".join(literal(lang) for lang in sorted(set(languages)))


def _chunks(items: list[str], size: int = BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def linkable(entity: Entity) -> bool:
    return entity.kind in CLASSES


def names(entity: Entity) -> list[tuple[str, str]]:
    """The entity's names as (text, language), preferred labels first."""
    found = [(str(text), lang) for lang, text in entity.labels.pref.items()]
    found += [(str(text), lang) for lang, texts in entity.labels.alt.items() for text in texts]
    return list(dict.fromkeys(found))


def context(entity: Entity, index: EntityIndex, records: Records) -> dict[str, set[str]]:
    """Wikidata property -> the QIDs we expect among its values, from what the records say."""
    expected: dict[str, set[str]] = {}

    def add(prop: str, slug: object) -> None:
        target = index.by_slug.get(str(slug)) if slug is not None else None
        if target is not None and target.wikidata:
            expected.setdefault(prop, set()).add(str(target.wikidata))

    f = entity.fields
    if entity.kind == "place":
        add("P17", getattr(f.get("country"), "slug", None))
        add("P131", getattr(f.get("within"), "slug", None))
    elif entity.kind == "organization":
        parent = f.get("part_of")
        if parent is not None:
            target = index.by_slug.get(str(parent.slug))
            if target is not None and target.kind == "state":
                add("P17", parent.slug)
            else:
                add("P361", parent.slug)
                add("P749", parent.slug)
    elif entity.kind == "body":
        parent = f.get("unit_of")
        if parent is not None:
            add("P361", parent.slug)
            add("P749", parent.slug)
    elif entity.kind == "person":
        for other in records.entities:
            if other.kind == "post-holding" and getattr(other.fields.get("person"), "slug", None) == entity.slug:
                add("P39", getattr(other.fields.get("post"), "slug", None))
        for meeting in records.meetings:
            for p in meeting.participations:
                if p.person is None or p.person.slug != entity.slug:
                    continue
                for post in p.posts:
                    add("P39", post.slug)
                if p.on_behalf_of is not None:
                    actor = index.by_slug.get(str(p.on_behalf_of.slug))
                    if actor is not None and actor.kind == "state":
                        add("P27", p.on_behalf_of.slug)
            for d in meeting.decisions:
                if d.appointee is not None and d.post is not None and d.appointee.slug == entity.slug:
                    add("P39", d.post.slug)
    return expected


# --------------------------------------------------------------------------- queries


def fetch_items(client: WikidataClient, qids: Iterable[str], languages: Iterable[str]) -> dict[str, ItemInfo]:
    """Existence, redirect target, labels and descriptions of items, in batches."""
    qids = sorted(set(qids), key=lambda q: int(q[1:]))
    langs = _lang_list(languages)
    items = {q: ItemInfo(q) for q in qids}
    for chunk in _chunks(qids):
        values = " ".join(f"wd:{q}" for q in chunk)
        query = f"""{PREFIXES}SELECT ?item ?what ?value WHERE {{
  VALUES ?item {{ {values} }}
  {{ ?item owl:sameAs ?value . BIND("redirect" AS ?what) }}
  UNION {{ ?item rdfs:label ?value . FILTER(LANG(?value) IN ({langs})) BIND("label" AS ?what) }}
  UNION {{ ?item skos:altLabel ?value . FILTER(LANG(?value) IN ({langs})) BIND("alt" AS ?what) }}
  UNION {{ ?item schema:description ?value . FILTER(LANG(?value) IN ({langs})) BIND("description" AS ?what) }}
  UNION {{ ?item wdt:P31 ?value . BIND("type" AS ?what) }}
  UNION {{ ?item schema:version ?value . BIND("version" AS ?what) }}
}}"""
        answer = client.select(query)
        for row in answer.bindings:
            info = items.get(_qid(row["item"]["value"]))
            if info is None:
                continue
            info.exists = True
            info.retrieved = answer.retrieved
            what, value = row["what"]["value"], row["value"]
            lang = value.get("xml:lang", "")
            if what == "redirect":
                info.redirect = _qid(value["value"])
            elif what in ("label", "alt"):
                info.labels.setdefault(lang, set()).add(value["value"])
                if what == "label":
                    info.pref[lang] = value["value"]
                else:
                    info.alt.setdefault(lang, set()).add(value["value"])
            elif what == "description":
                info.descriptions[lang] = value["value"]
        for q in chunk:
            items[q].retrieved = items[q].retrieved or answer.retrieved
    return items


def fetch_types(client: WikidataClient, wanted: dict[str, tuple[str, ...]]) -> set[str]:
    """The QIDs (keys of ``wanted``) that are instances of one of their classes."""
    pairs = [(q, c) for q, classes in sorted(wanted.items()) for c in classes]
    fits: set[str] = set()
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start:start + BATCH]
        values = " ".join(f"(wd:{q} wd:{c})" for q, c in chunk)
        query = f"""{PREFIXES}SELECT DISTINCT ?item WHERE {{
  VALUES (?item ?class) {{ {values} }}
  FILTER EXISTS {{ ?item wdt:P31/wdt:P279* ?class }}
}}"""
        fits.update(_qid(row["item"]["value"]) for row in client.select(query).bindings)
    return fits


def search(client: WikidataClient, entity: Entity) -> dict[str, dict[str, set]]:
    """Items whose label or alt label is exactly one of the entity's names, of a fitting type.

    Returns QID -> {"via": {"label"|"alt"}, "languages": {...}}.
    """
    terms = " ".join(literal(text, lang) for text, lang in names(entity))
    classes = " ".join(f"wd:{c}" for c in CLASSES[entity.kind])
    path = "wdt:P31" if entity.kind == "person" else "wdt:P31/wdt:P279*"
    query = f"""{PREFIXES}SELECT DISTINCT ?item ?via ?name WHERE {{
  {{ VALUES ?name {{ {terms} }} ?item rdfs:label ?name . BIND("label" AS ?via) }}
  UNION {{ VALUES ?name {{ {terms} }} ?item skos:altLabel ?name . BIND("alt" AS ?via) }}
  FILTER EXISTS {{ VALUES ?class {{ {classes} }} ?item {path} ?class }}
}}"""
    found: dict[str, dict[str, set]] = {}
    for row in client.select(query).bindings:
        iri = row["item"]["value"]
        if not iri.startswith(str(WD)):
            continue
        hit = found.setdefault(_qid(iri), {"via": set(), "languages": set()})
        hit["via"].add(row["via"]["value"])
        hit["languages"].add(row["name"].get("xml:lang", ""))
    return found


def fetch_context(client: WikidataClient, qids: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """QID -> property -> values, for the context properties."""
    qids = sorted(set(qids), key=lambda q: int(q[1:]))
    props = " ".join(f"wdt:{p}" for p in CONTEXT_PROPERTIES)
    found: dict[str, dict[str, set[str]]] = {}
    for chunk in _chunks(qids):
        values = " ".join(f"wd:{q}" for q in chunk)
        query = f"""{PREFIXES}SELECT ?item ?property ?value WHERE {{
  VALUES ?item {{ {values} }}
  VALUES ?property {{ {props} }}
  ?item ?property ?value .
}}"""
        for row in client.select(query).bindings:
            prop = row["property"]["value"].rsplit("/", 1)[-1]
            found.setdefault(_qid(row["item"]["value"]), {}).setdefault(prop, set()).add(_qid(row["value"]["value"]))
    return found


# --------------------------------------------------------------------------- scoring


def score(entity: Entity, hit: dict[str, set], facts: dict[str, set[str]], expected: dict[str, set[str]]) -> tuple[float, list[str]]:
    """A candidate's score in [0, 1] and the reasons for it."""
    value = NAME_SCORE["label"] if "label" in hit["via"] else NAME_SCORE["alt"]
    why = ["label matches" if "label" in hit["via"] else "alias matches"]
    if len(hit["languages"]) > 1:
        value += SECOND_LANGUAGE
        why.append(f"in {len(hit['languages'])} languages")
    matched = [p for p, qids in expected.items() if qids & facts.get(p, set())]
    conflicting = [p for p, qids in expected.items() if facts.get(p) and not qids & facts[p]]
    if matched:
        value += CONTEXT_MATCH
        why.append("context agrees: " + ", ".join(sorted(matched)))
    elif conflicting:
        value += CONTEXT_CONFLICT
        why.append("context disagrees: " + ", ".join(sorted(conflicting)))
    if entity.kind == "person" and not matched:
        value = min(value, PERSON_WITHOUT_CONTEXT)
    return round(min(max(value, 0.0), 1.0), 2), why


def accept(candidates: list[Candidate]) -> Candidate | None:
    """The top candidate, when it is good enough and nothing else comes close."""
    if not candidates or candidates[0].score < ACCEPT_SCORE:
        return None
    if len(candidates) > 1 and candidates[1].score > candidates[0].score - ACCEPT_MARGIN:
        return None
    return candidates[0]


# --------------------------------------------------------------------------- linking


def _label_matches(entity: Entity, info: ItemInfo) -> bool:
    ours = {_norm(text) for text, _ in names(entity)}
    theirs = {_norm(text) for texts in info.labels.values() for text in texts}
    return bool(ours & theirs)


def link(data_dir: Path, client: WikidataClient, progress: Callable[[int, int], None] = lambda done, total: None,
         records: Records | None = None) -> LinkReport:
    """Verify every QID in ``data_dir``'s entities and propose candidates for the others."""
    records = records or read_records(data_dir)
    index = EntityIndex(records.entities)
    entities = [e for e in records.entities if linkable(e) and index.by_slug.get(e.slug) is e]
    languages = set(LANGUAGES) | {lang for e in entities for _, lang in names(e)}
    steps = 3 + len(entities)
    done = 0
    progress(done, steps)

    with_qid = [e for e in entities if e.wikidata]
    items = fetch_items(client, [str(e.wikidata) for e in with_qid], languages)
    done += 1
    progress(done, steps)
    fits = fetch_types(client, {str(e.wikidata): CLASSES[e.kind] for e in with_qid
                                if items[str(e.wikidata)].exists and not items[str(e.wikidata)].redirect})
    done += 1
    progress(done, steps)

    results: list[LinkResult] = []
    searches: dict[str, dict[str, dict[str, set]]] = {}
    for entity in entities:
        qid = str(entity.wikidata) if entity.wikidata else None
        result = LinkResult(entity, "none", qid)
        if qid:
            info = items[qid]
            if not info.exists:
                result.status = "mismatch"
                result.reasons.append(f"{qid} does not exist on the endpoint")
            elif info.redirect:
                result.status = "redirect"
                result.reasons.append(f"{qid} is a redirect to {info.redirect}; expected the record to use {info.redirect}")
            else:
                if qid not in fits:
                    kinds = " or ".join(CLASS_NAMES.get(c, c) for c in CLASSES[entity.kind])
                    result.reasons.append(f"{qid} is not an instance of {kinds} (wdt:P31/wdt:P279*); "
                                          f"expected a {entity.kind}")
                if not _label_matches(entity, info):
                    theirs = info.best(info.pref, ["en"]) or "(no label)"
                    result.reasons.append(f"{qid} is labelled {theirs!r}, which matches none of our names")
                result.status = "mismatch" if result.reasons else "verified"
        if result.status in ("none", "mismatch"):
            searches[entity.slug] = search(client, entity)
        results.append(result)
        done += 1
        progress(done, steps)

    found_qids = {q for hits in searches.values() for q in hits}
    redirects = {items[r.qid].redirect for r in results if r.status == "redirect"}
    facts = fetch_context(client, found_qids)
    more = fetch_items(client, (found_qids | redirects) - set(items), languages)
    items.update(more)
    done += 1
    progress(done, steps)

    for result in results:
        entity = result.entity
        langs = list(entity.labels.pref)
        if result.status == "redirect":
            target = items.get(items[result.qid].redirect)
            if target is not None:
                result.candidates = [Candidate(target.qid, target.best(target.pref, langs),
                                               target.best(target.descriptions, langs), 1.0, ["redirect target"])]
            continue
        if entity.slug not in searches:
            continue
        expected = context(entity, index, records)
        candidates = []
        for qid, hit in searches[entity.slug].items():
            if qid == result.qid:
                continue  # the QID that did not verify is not its own candidate
            info = items.get(qid, ItemInfo(qid))
            if info.redirect:
                continue
            value, why = score(entity, hit, facts.get(qid, {}), expected)
            candidates.append(Candidate(qid, info.best(info.pref, langs), info.best(info.descriptions, langs), value, why))
        candidates.sort(key=lambda c: (-c.score, int(c.qid[1:])))
        result.candidates = candidates
        if result.status == "none" and candidates:
            chosen = accept(candidates)
            result.status = "linked" if chosen else "candidates"
            result.qid = chosen.qid if chosen else None
    return LinkReport(results, items, client.requests, client.cache_hits)


# --------------------------------------------------------------------------- writing back


def write_accepted(report: LinkReport, data_dir: Path) -> list:
    """Write the QIDs of ``linked`` results into their YAML files; returns what was added."""
    from ..records.yaml_write import add_qids

    by_file: dict[str, dict[str, str]] = {}
    for result in report.accepted:
        by_file.setdefault(result.entity.file, {})[str(result.entity.slug)] = str(result.qid)
    added = []
    for name, qids in sorted(by_file.items()):
        added += add_qids(data_dir / name, qids)
    return added


# --------------------------------------------------------------------------- labels graph


def labels_graph(report: LinkReport, endpoint: str, qids: Iterable[str] | None = None) -> Dataset:
    """Labels, alt labels and descriptions of the linked items, in the wikidata named graph.

    ``qids`` defaults to the QIDs that verified. The graph says when its content was
    retrieved (the oldest answer it is built from) and from which endpoint.
    """
    if qids is None:
        qids = [r.qid for r in report.results if r.status == "verified" and r.qid]
    dataset = Dataset()
    graph = dataset.graph(WIKIDATA_GRAPH)
    dates = []
    for qid in sorted(set(qids), key=lambda q: int(q[1:])):
        info = report.items.get(qid)
        if info is None or not info.exists or info.redirect:
            continue
        item = WD[qid]
        for lang, text in info.pref.items():
            if lang in LANGUAGES:
                graph.add((item, RDFS.label, Literal(text, lang=lang)))
        for lang, texts in info.alt.items():
            if lang in LANGUAGES:
                for text in texts:
                    graph.add((item, SKOS.altLabel, Literal(text, lang=lang)))
        for lang, text in info.descriptions.items():
            if lang in LANGUAGES:
                graph.add((item, SCHEMA.description, Literal(text, lang=lang)))
        if info.retrieved:
            dates.append(info.retrieved)
    if dates:
        graph.add((WIKIDATA_GRAPH, PROV.generatedAtTime, Literal(min(dates).isoformat().replace("+00:00", "Z"),
                                                               datatype=XSD.dateTime)))
    graph.add((WIKIDATA_GRAPH, PROV.wasDerivedFrom, URIRef(endpoint)))
    graph.add((WIKIDATA_GRAPH, RDFS.label, Literal("Labels and descriptions of linked items, from Wikidata", lang="en")))
    return dataset


def write_labels_graph(dataset: Dataset, path: Path) -> int:
    """Replace the labels graph file with ``dataset`` (sorted N-Quads); returns the number of quads."""
    graph = ox.NamedNode(str(WIKIDATA_GRAPH))

    def term(node):
        if isinstance(node, Literal):
            if node.language:
                return ox.Literal(str(node), language=node.language)
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
        return ox.NamedNode(str(node))

    quads = [ox.Quad(term(s), term(p), term(o), graph) for s, p, o in dataset.graph(WIKIDATA_GRAPH)]
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    lines = sorted({line + "\n" for line in nquads.splitlines() if line.strip()})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.replace(temp, path)
    return len(lines)
