from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from csto_kg.check.build import build
from csto_kg.graph.rdfize import RecordGraph, rdfize
from csto_kg.records import EntityIndex, Records
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.check.validate import Validator
from csto_kg.web import create_app

from .oxigraph_server import (  # noqa: F401 - fixtures
    any_store, backend, dataset_location, dataset_oxigraph, dataset_virtuoso, fresh_remote, oxigraph_built_store,
    oxigraph_server, records_location, remote_built_store, remote_engine, scratch_virtuoso, virtuoso_built_store,
    virtuoso_server)
from .live_endpoint import listener  # noqa: F401 - a fixture for the endpoint tests

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUERIES = Path(__file__).resolve().parent / "queries"


def record_graphs(records: Records) -> list[RecordGraph]:
    """The RDF of every record file, each against the index of all entities (as the build makes it)."""
    index = EntityIndex(records.entities)
    return [rdfize(record, index) for record in records.files]


def nquads(graphs) -> str:
    """The graphs as sorted N-Quads."""
    return "".join(sorted(line for graph in graphs for line in graph.nquads()))


@contextlib.contextmanager
def app_on(store, **config):
    """The web app on the built embedded ``store`` (settings in ``config``), its query workers closed
    afterwards."""
    app = create_app({"STORE": str(store.path), "TESTING": True, **config})
    try:
        yield app
    finally:
        runner = app.extensions.get("csto_kg.sparql_runner")
        if runner is not None:
            runner.close()


@pytest.fixture(scope="session")
def validator() -> Validator:
    return Validator()


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, validator) -> EmbeddedStore:
    """The real records, built once into an embedded store (read-only for tests)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("store") / "store")
    build(DATA, store, validator)
    return store


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the real records."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
