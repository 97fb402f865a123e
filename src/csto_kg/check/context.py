"""What a record references, read from the built store instead of the entity files.

Checking one meeting needs only the entities it names: their kind, classes, English
label and (for posts) where the post is. When the store was built from the entity
files as they are now, those few facts come from one indexed SPARQL query, so
``csto-kg validate`` does not parse every entity file of a large graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from ..records import schema as rec
from .pipeline import entity_stamp, file_digest
from ..records.schema import ENTITY_SECTIONS, Labels
from ..graph.sparql_terms import iri as sparql_iri, literal
from .validate import Validator
from ..graph.vocab import ID, iri
from ..records.yamlsafe import Mark, Text

KINDS = tuple(ENTITY_SECTIONS.values())
_NOWHERE = Mark(0, 0)


@dataclass
class _StoredEntity:
    """The keys of an entity as the store holds them (enough for references and labels)."""

    kind: str
    slug: Text
    labels: Labels
    fields: dict = field(default_factory=dict)
    file: str = "(built store)"
    mark: Mark = _NOWHERE


class StoreIndex:
    """An :class:`~csto_kg.records.schema.EntityIndex` whose entries are looked up in the store."""

    duplicates: list = []

    def __init__(self, store: ox.Store):
        self.store = store
        self.found: dict[str, _StoredEntity | None] = {}
        self.types: dict[URIRef, set[URIRef]] = {}
        self.by_slug = self  # EntityIndex.by_slug.get(slug) is how callers look entities up

    def get(self, slug: str, default=None):
        if slug not in self.found:
            self.load([slug])
        return self.found.get(slug) or default

    def load(self, slugs: list[str]) -> None:
        """Look up the entities these slugs name, in any kind, with one query."""
        wanted = [s for s in dict.fromkeys(slugs) if s not in self.found and rec.SLUG.match(s)]
        for slug in slugs:
            if not rec.SLUG.match(slug):
                self.found.setdefault(slug, None)
        if not wanted:
            return
        values = " ".join(sparql_iri(f"{ID}{kind}/{slug}") for slug in wanted for kind in KINDS)
        query = f"""
            SELECT ?s ?type ?label ?postIn WHERE {{
              VALUES ?s {{ {values} }}
              ?s a ?type .
              OPTIONAL {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
              OPTIONAL {{ ?s <http://www.w3.org/ns/org#postIn> ?postIn }}
            }}"""
        for slug in wanted:
            self.found[slug] = None
        for row in self.store.query(query, use_default_graph_as_union=True):
            subject = row["s"].value
            kind, slug = subject[len(ID):].split("/", 1)
            entity = self.found.get(slug)
            if entity is None:
                entity = self.found[slug] = _StoredEntity(kind, Text(slug, _NOWHERE), Labels({}))
            self.types.setdefault(iri(subject), set()).add(iri(row["type"].value))
            if row["label"] is not None and "en" not in entity.labels.pref:
                entity.labels.pref["en"] = Text(row["label"].value, _NOWHERE)
            if row["postIn"] is not None:
                post_in = row["postIn"].value
                entity.fields["post_in"] = rec.Ref(Text(post_in.rsplit("/", 1)[1], _NOWHERE),
                                                   (post_in[len(ID):].split("/", 1)[0],))

    def suggest(self, slug: str, kinds: tuple[str, ...]) -> str:
        import difflib

        candidates = []
        for kind in kinds:
            prefix = f"{ID}{kind}/"
            query = f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), {literal(prefix)})) }}"
            candidates += [row["s"].value[len(prefix):] for row in self.store.query(query, use_default_graph_as_union=True)]
        close = difflib.get_close_matches(slug, [c for c in candidates if "/" not in c], n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""


class StoreContext:
    """A :class:`~csto_kg.check.pipeline.Context` backed by the built store."""

    files: list = []
    graphs: list = []

    def __init__(self, store: ox.Store, validator: Validator, data_dir: Path):
        self.validator = validator
        self.index = StoreIndex(store)
        self.stamp = entity_stamp(data_dir)

    @property
    def types(self) -> dict[URIRef, set[URIRef]]:
        return self.index.types

    def prepare(self, record: rec.RecordFile) -> None:
        """Fetch everything ``record`` references in one query."""
        self.index.load([ref.slug for _file, ref, _name in rec.references(rec.Records([record], []))])


def store_matches_entities(manifest: dict | None, data_dir: Path) -> bool:
    """True when the store was built from the entity files exactly as they are now."""
    if not manifest or not isinstance(manifest.get("entities"), dict):
        return False
    now = {name: file_digest(path) for path, name in rec.record_files(data_dir, ("entities",))}
    return manifest["entities"] == now
