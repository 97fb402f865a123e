"""What a record is checked against: the entities it references, from the entity files or the store.

Every meeting is checked against the entity files (slugs, classes, labels): :class:`Context`
reads and checks them all. Checking one meeting needs only the entities it names, though: their
kind, classes, English label and (for posts) where the post is. When the store was built from
the entity files as they are now, :class:`StoreContext` gets those few facts with one indexed
SPARQL query, so ``csto-kg validate`` does not parse every entity file of a large graph.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..graph.rdfize import RecordGraph, rdfize
from ..graph.sparql_terms import iri as sparql_iri, literal
from ..graph.names import ID, RDFS, SKOS, iri
from ..graph.terms import IRI
from .. import records as rec
from ..records import ENTITY_SECTIONS, Labels
from ..records.yamlsafe import Mark, Text
from ..store import Store
from .validate import Validator, entity_types

KINDS = tuple(ENTITY_SECTIONS.values())
_NOWHERE = Mark(0, 0)


class RecordContext(Protocol):
    """What :func:`~csto_kg.check.pipeline.process` checks a record against."""

    @property
    def validator(self) -> Validator: ...

    @property
    def index(self) -> rec.EntityIndex | StoreIndex:
        """The entities, by slug."""
        ...

    @property
    def stamp(self) -> tuple:
        """Changes when an entity file does (:func:`entity_stamp`)."""
        ...

    @property
    def files(self) -> list[rec.RecordFile]:
        """The entity files read; none when the entities come from the store."""
        ...

    @property
    def graphs(self) -> list[RecordGraph | None]:
        """The graphs of :attr:`files`, in the same order (None where a graph was not kept)."""
        ...

    @property
    def types(self) -> dict[IRI, set[IRI]]:
        """The classes of every entity IRI known."""
        ...

    def prepare(self, record: rec.RecordFile) -> None:
        """Make ready what ``record`` references, before it is checked."""
        ...


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entity_stamp(data_dir: Path) -> tuple:
    """Names, sizes and modification times of the entity files: changes when one is edited."""
    stamp = []
    for path, name in rec.record_files(data_dir, ("entities",)) if data_dir.is_dir() else []:
        info = path.stat()
        stamp.append((name, info.st_size, info.st_mtime_ns))
    return tuple(stamp)


class Context:
    """The entity files, read and checked: what every meeting is checked against."""

    def __init__(self, data_dir: Path, validator: Validator, overrides: dict[str, Path] | None = None,
                 contents: dict[str, bytes] | None = None, keep_graphs: bool = True):
        """``overrides`` maps entity file names to files read in their place (or added);
        ``contents`` maps entity file names to their bytes (files that are not on disk).
        Without ``keep_graphs``, the entity files' graphs are made only to find the classes of
        the entities (:attr:`graphs` is then None for each file: whoever processes a file makes its
        graph again): a build of many meetings keeps the memory they would hold, which grows
        with the people and sources."""
        self.validator = validator
        overrides = dict(overrides or {})
        contents = contents or {}
        entity_files = [(overrides.pop(name, path), name) for path, name in rec.record_files(data_dir, ("entities",))
                        ] if data_dir.is_dir() else []
        entity_files += [(path, name) for name, path in overrides.items() if name.startswith("entities/")]
        entity_files += [(data_dir / name, name) for name in contents if name not in {n for _p, n in entity_files}]
        self.stamp = entity_stamp(data_dir)  # before the files are read: an edit made while they are changes it
        self.files = [rec.read_file(path, name, contents.get(name)) for path, name in entity_files]
        self.index = rec.EntityIndex(e for f in self.files for e in f.entities)
        if keep_graphs:
            self.graphs = [rdfize(f, self.index) for f in self.files]
            self.types = entity_types(self.graphs)
        else:
            self.types = entity_types(rdfize(f, self.index) for f in self.files)
            self.graphs = [None] * len(self.files)

    def prepare(self, record: rec.RecordFile) -> None:
        """Nothing to do: every entity was read with the files."""


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
    """An :class:`~csto_kg.records.rules.EntityIndex` whose entries are looked up in the store."""

    duplicates: list = []

    def __init__(self, store: Store):
        self.store = store
        self.found: dict[str, _StoredEntity | None] = {}
        self.types: dict[IRI, set[IRI]] = {}
        self.by_slug = self  # EntityIndex.by_slug.get(slug) is how callers look entities up

    def get(self, slug: str, default=None):
        if slug not in self.found:
            self.load([slug])
        return self.found.get(slug) or default

    def load(self, slugs: list[str], likely: dict[str, tuple[str, ...]] | None = None) -> None:
        """Look up the entities these slugs name, in any kind.

        ``likely`` gives the kinds each slug is expected to be of (what its references ask for):
        those are looked up first, and only the slugs not found among them in every other kind (a
        reference to an entity of another kind is still found for what it is). A store's first
        query reads its indexes from disk, so asking for fewer IRIs is what makes it quick."""
        wanted = [s for s in dict.fromkeys(slugs) if s not in self.found and rec.SLUG.match(s)]
        for slug in slugs:
            if not rec.SLUG.match(slug):
                self.found.setdefault(slug, None)
        if not wanted:
            return
        for slug in wanted:
            self.found[slug] = None
        if likely:
            first = {slug: [kind for kind in KINDS if kind in likely.get(slug, ())] for slug in wanted}
            self._fetch([(slug, kind) for slug in wanted for kind in first[slug]])
            self._fetch([(slug, kind) for slug in wanted if self.found[slug] is None
                         for kind in KINDS if kind not in first[slug]])
        else:
            self._fetch([(slug, kind) for slug in wanted for kind in KINDS])

    def _fetch(self, candidates: list[tuple[str, str]]) -> None:
        """Read the entities among these (slug, kind) pairs, with one query."""
        if not candidates:
            return
        values = " ".join(sparql_iri(f"{ID}{kind}/{slug}") for slug, kind in candidates)
        query = f"""
            SELECT ?s ?type ?label ?postIn WHERE {{
              VALUES ?s {{ {values} }}
              ?s a ?type .
              OPTIONAL {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
              OPTIONAL {{ ?s <http://www.w3.org/ns/org#postIn> ?postIn }}
            }}"""
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
        """As :meth:`~csto_kg.records.rules.EntityIndex.suggest`, with the slugs and labels the store holds."""
        # only a wrong reference needs the matcher (and rapidfuzz with it)
        from ..records.match import UNNAMED_KINDS, candidate, close_matches, did_you_mean  # noqa: PLC0415

        candidates = []
        for kind in kinds:
            prefix = f"{ID}{kind}/"
            names = "" if kind in UNNAMED_KINDS else f"""
                OPTIONAL {{ VALUES ?p {{ <{RDFS.label}> <{SKOS.altLabel}> }} ?s ?p ?name }}"""
            query = f"""SELECT DISTINCT ?s ?p ?name WHERE {{
                ?s a ?t FILTER(STRSTARTS(STR(?s), {literal(prefix)})) {names} }}"""
            found: dict[str, tuple[list[str], list[str]]] = {}
            for row in self.store.query(query, use_default_graph_as_union=True):
                labels, alt_labels = found.setdefault(row["s"].value[len(prefix):], ([], []))
                if names and row["name"] is not None:
                    (alt_labels if row["p"].value == str(SKOS.altLabel) else labels).append(row["name"].value)
            candidates += [candidate(s, kind, *labelled) for s, labelled in found.items() if "/" not in s]
        return did_you_mean(close_matches(slug, candidates))


class StoreContext:
    """A :class:`Context` backed by the built store."""

    files: list[rec.RecordFile] = []
    graphs: list[RecordGraph] = []

    def __init__(self, store: Store, validator: Validator, data_dir: Path):
        self.validator = validator
        self.index = StoreIndex(store)
        self.stamp = entity_stamp(data_dir)

    @property
    def types(self) -> dict[IRI, set[IRI]]:
        return self.index.types

    def prepare(self, record: rec.RecordFile) -> None:
        """Fetch everything ``record`` references: in the kinds its references expect, then the
        slugs not found there in any kind."""
        likely: dict[str, tuple[str, ...]] = {}
        for _file, ref, _name in rec.references(rec.Records([record], [])):
            likely[ref.slug] = (*likely.get(ref.slug, ()), *ref.kinds)
        self.index.load(list(likely), likely)


def store_matches_entities(manifest: dict | None, data_dir: Path) -> bool:
    """True when the store was built from the entity files exactly as they are now."""
    if not manifest or not isinstance(manifest.get("entities"), dict):
        return False
    now = {name: file_digest(path) for path, name in rec.record_files(data_dir, ("entities",))}
    return manifest["entities"] == now


def context_from_store(store: Store, data_dir: Path, validator: Validator | None = None) -> StoreContext | None:
    """A context read from the built store when it matches the entity files now; else None (also for a
    store that keeps no entity digests, which is not asked at all)."""
    if not store.incremental or not store.exists() or not store_matches_entities(store.manifest(), data_dir):
        return None
    return StoreContext(store, validator or Validator(), data_dir)
