"""The pipeline: read records -> RDF -> SHACL -> atomically replace the store.

Nothing reaches the store unless every record conforms; a failed build raises
:class:`~csto_kg.problems.InvalidRecords` and leaves the previous store serving.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Graph

from . import __version__
from .problems import InvalidRecords, Problem, UsageError
from . import pipeline
from .records import record_files
from .resources import ontology_files, shapes_files
from .store import EmbeddedStore
from .validate import Validator
from .vocab import ONTOLOGY_GRAPH, WIKIDATA_GRAPH, graph_iri


@dataclass
class BuildResult:
    store: Path
    records: int
    quads: int
    warnings: list[Problem]
    seconds: float
    processed: int = 0  # records checked and converted by this build (the others were unchanged)


def input_digest(data_dir: Path, wikidata_labels: Path | None = None) -> str:
    """A digest of everything a build reads: records, ontology, shapes, the Wikidata labels
    graph (when there is one) and the tool's version."""
    digest = hashlib.sha256(__version__.encode())
    inputs = [(name, path) for path, name in record_files(data_dir)]
    if wikidata_labels is not None and wikidata_labels.is_file():
        inputs.append(("wikidata/labels.nq", wikidata_labels))
    inputs += [(f"ontology/{p.name}", p) for p in ontology_files()]
    inputs += [(f"shapes/{p.name}", p) for p in shapes_files()]
    for name, path in inputs:
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def ontology_nquads() -> str:
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    ctx = f" <{ONTOLOGY_GRAPH}> .\n"
    return "".join(sorted(f"{s.n3()} {p.n3()} {o.n3()}{ctx}" for s, p, o in graph))


def check_data_dir(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise UsageError(f"the records folder {data_dir} does not exist; set --data or CSTO_KG_DATA")
    if not record_files(data_dir):
        raise UsageError(f"{data_dir} holds no records (entities/*.yaml, meetings/*.yaml)")


def schema_digest(wikidata_labels: Path | None = None) -> str:
    """What every record's RDF and checks depend on besides the records: tool, ontology, shapes."""
    digest = hashlib.sha256(__version__.encode())
    for path in [*ontology_files(), *shapes_files()]:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    if wikidata_labels is not None and wikidata_labels.is_file():
        digest.update(b"wikidata\0" + hashlib.sha256(wikidata_labels.read_bytes()).digest())
    return digest.hexdigest()


def plan_changes(data_dir: Path, previous: dict | None, ctx: "pipeline.Context", schema: str) -> tuple[set[str], set[str]] | None:
    """The records to process again and the records removed since ``previous``; None: process all."""
    if not previous or previous.get("schema_digest") != schema or not isinstance(previous.get("records"), dict):
        return None
    before: dict[str, dict] = previous["records"]
    now = {name: pipeline.file_digest(path) for path, name in record_files(data_dir)}
    changed = {name for name, digest in now.items() if before.get(name, {}).get("digest") != digest}
    if any(name.startswith("entities/") for name in changed | (set(before) - set(now))):
        for name, info in before.items():
            if name in now and name not in changed and info.get("deps") != pipeline.deps_digest(info.get("refs", []), ctx.index):
                changed.add(name)  # an entity it references changed
    return changed, set(before) - set(now)


def build(data_dir: Path, store: EmbeddedStore, validator: Validator | None = None,
          progress: Callable[..., None] = lambda step, done=None, total=None: None,
          wikidata_labels: Path | None = None, incremental: bool = True, workers: int | None = None) -> BuildResult:
    """Build the knowledge graph from ``data_dir`` into ``store``.

    Only records whose content, or whose referenced entities, changed since the store's
    last build are processed again (``incremental``); the store is still switched atomically.
    ``wikidata_labels`` is the file ``csto-kg link --enrich`` writes; when it exists, its
    quads (the ``.../graph/wikidata`` named graph only) are loaded too.
    """
    started = time.perf_counter()
    check_data_dir(data_dir)
    validator = validator or Validator()
    schema = schema_digest(wikidata_labels)
    progress("reading entities")
    ctx = pipeline.Context(data_dir, validator)
    can_update = incremental and hasattr(store, "update") and store.exists()
    plan = plan_changes(data_dir, store.manifest() if can_update else None, ctx, schema)
    only, removed = plan if plan is not None else (None, set())
    with tempfile.TemporaryDirectory(prefix="csto-kg-build-") as work:
        outcome, _ctx = pipeline.run(data_dir, Path(work), validator, only=only, workers=workers, ctx=ctx,
                                     progress=lambda done, total: progress("checking records", done, total))
        if outcome.errors:
            raise InvalidRecords(outcome.problems)
        progress("loading the store")
        extra = Path(work) / "ontology.nq"
        text = ontology_nquads()
        if wikidata_labels is not None and wikidata_labels.is_file():
            from .wikidata import read_labels_graph

            text += read_labels_graph(wikidata_labels)
        extra.write_text(text, encoding="utf-8")
        files = [*outcome.nquads_files, extra]
        records = dict((plan and store.manifest() or {}).get("records", {})) if plan is not None else {}
        for name in removed:
            records.pop(name, None)
        for result in outcome.results:
            records[result.name] = {"digest": result.digest, "refs": result.refs, "deps": result.deps,
                                    "warnings": [p.as_json() for p in result.problems]}
        manifest = {"input_digest": input_digest(data_dir, wikidata_labels), "schema_digest": schema,
                    "data": str(data_dir.resolve()), "csto_kg_version": __version__, "records": records}
        if plan is not None:
            stale_graphs = [str(graph_iri(name.rsplit(".", 1)[0])) for name in {r.name for r in outcome.results} | removed]
            stale_graphs += [str(ONTOLOGY_GRAPH), str(WIKIDATA_GRAPH)]
            final = store.update(stale_graphs, files, manifest)
        elif isinstance(store, EmbeddedStore):
            final = store.replace(files, manifest)
        else:
            final = store.replace("".join(p.read_text(encoding="utf-8") for p in files), manifest)
    warnings = [Problem(**w) for info in records.values() for w in info["warnings"]]
    return BuildResult(final, len(records), store.manifest()["quads"], sorted(warnings),
                       time.perf_counter() - started, processed=len(outcome.results))


def is_stale(data_dir: Path, store: EmbeddedStore, wikidata_labels: Path | None = None) -> bool:
    """True when the store is missing or was built from other inputs than ``data_dir`` holds now.

    A store loaded by ``csto-kg import`` (a read replica) is never stale: it serves what it was given.
    """
    manifest = store.manifest()
    if manifest is not None and "imported_from" in manifest:
        return not store.exists()
    return (manifest is None or not store.exists()
            or manifest.get("input_digest") != input_digest(data_dir, wikidata_labels))
