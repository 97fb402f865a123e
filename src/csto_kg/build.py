"""The pipeline: read records -> RDF -> SHACL -> atomically replace the store.

Nothing reaches the store unless every record conforms; a failed build raises
:class:`~csto_kg.problems.InvalidRecords` and leaves the previous store serving.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Graph

from . import __version__
from .problems import InvalidRecords, Problem, UsageError
from .rdfize import to_nquads
from .records import read_records, record_files
from .resources import ontology_files, shapes_files
from .store import EmbeddedStore
from .validate import Validator, validate_records
from .vocab import ONTOLOGY_GRAPH


@dataclass
class BuildResult:
    store: Path
    records: int
    quads: int
    warnings: list[Problem]
    seconds: float


def input_digest(data_dir: Path) -> str:
    """A digest of everything a build reads: records, ontology, shapes and the tool's version."""
    digest = hashlib.sha256(__version__.encode())
    inputs = [(name, path) for path, name in record_files(data_dir)]
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


def build(data_dir: Path, store: EmbeddedStore, validator: Validator | None = None,
          progress: Callable[[str], None] = lambda step: None) -> BuildResult:
    """Build the knowledge graph from ``data_dir`` into ``store``."""
    started = time.perf_counter()
    check_data_dir(data_dir)
    progress("reading records")
    records = read_records(data_dir)
    progress("checking records against the shapes")
    graphs, report = validate_records(records, validator)
    if not report.conforms:
        raise InvalidRecords(report.problems)
    progress("loading the store")
    nquads = to_nquads(graphs) + ontology_nquads()
    manifest = {"input_digest": input_digest(data_dir), "data": str(data_dir.resolve()),
                "records": len(records.files), "csto_kg_version": __version__}
    final = store.replace(nquads, manifest)
    return BuildResult(final, len(records.files), store.manifest()["quads"],
                       [p for p in report.problems if p.severity != "error"], time.perf_counter() - started)


def is_stale(data_dir: Path, store: EmbeddedStore) -> bool:
    """True when the store is missing or was built from other inputs than ``data_dir`` holds now."""
    manifest = store.manifest()
    return manifest is None or not store.exists() or manifest.get("input_digest") != input_digest(data_dir)
