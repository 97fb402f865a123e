"""Read replicas: a built store shipped with ``export``/``import`` serves identical answers, and
``serve`` on it starts quickly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from csto_kg.check.build import is_stale
from csto_kg.cli import main
from csto_kg.query.sparql import run, serialize
from csto_kg.store.embedded import EmbeddedStore

from .conftest import QUERIES
from .oxigraph_server import free_port

CASES = sorted(QUERIES.glob("cq*.rq"))


@pytest.fixture(scope="module")
def replicas(built_store, tmp_path_factory) -> list[EmbeddedStore]:
    """Two replicas of the built store, each imported from its own export format."""
    from click.testing import CliRunner

    runner = CliRunner()
    folder = tmp_path_factory.mktemp("replicas")
    stores = []
    for name, fmt in (("a", "trig"), ("b", "nquads")):
        export = folder / f"graph.{'trig' if fmt == 'trig' else 'nq'}"
        result = runner.invoke(main, ["export", "--store", str(built_store.path), "--format", fmt, "-o", str(export)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(main, ["import", str(export), "--store", str(folder / name)])
        assert result.exit_code == 0, result.output
        assert "imported" in result.output
        stores.append(EmbeddedStore(folder / name))
    return stores


def test_replicas_hold_the_same_quads_as_the_original(built_store, replicas):
    def canonical(store: EmbeddedStore) -> set[str]:
        dataset = ox.Dataset(store.reader())
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return {str(q) for q in dataset}

    original = canonical(built_store)
    assert len(original) == built_store.manifest()["quads"]
    assert all(canonical(replica) == original for replica in replicas)


@pytest.mark.parametrize("query", CASES, ids=lambda p: p.stem)
def test_replicas_give_identical_answers(built_store, replicas, query):
    assert len(CASES) == 12
    answers = [serialize(run(store, query.read_text()), "csv") for store in (built_store, *replicas)]
    assert answers[0].count(b"\n") > 1
    assert answers[1] == answers[0] and answers[2] == answers[0]  # byte for byte, in the same order


def test_an_imported_store_is_served_as_it_is(replicas, tmp_path):
    replica = replicas[0]
    assert replica.manifest()["imported_from"] == "graph.trig"
    assert not is_stale(tmp_path / "no-records-here", replica)


def test_a_bad_export_leaves_the_replica_untouched(replicas, runner, tmp_path):
    replica = replicas[1]
    before = replica.current_dir()
    broken = tmp_path / "broken.nq"
    broken.write_text("<https://example.org/s> <https://example.org/p> .\n")
    result = runner.invoke(main, ["import", str(broken), "--store", str(replica.path)])
    assert result.exit_code == 2
    assert "is not a valid nquads file" in result.output
    outside = tmp_path / "default-graph.nq"
    outside.write_text("<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
    result = runner.invoke(main, ["import", str(outside), "--store", str(replica.path)])
    assert result.exit_code == 2
    assert "outside any named graph" in result.output
    assert replica.current_dir() == before


def test_serve_on_a_replica_answers_without_rebuilding(replicas, tmp_path):
    """``csto-kg serve`` on a replica answers with no records folder and no build.
    (Its start-up time is measured by benchmarks/serve_startup.py, not asserted here.)"""
    port = free_port()
    command = [sys.executable, "-m", "csto_kg.cli", "serve", "--store", str(replicas[0].path),
               "--data", str(tmp_path / "no-records-here"), "--port", str(port)]
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        while True:
            assert server.poll() is None, server.stderr.read().decode(errors="replace")
            try:
                answer = urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                assert time.perf_counter() - started < 60, "serve did not answer within 60 s"
                time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log = server.stderr.read().decode(errors="replace")
        server.stderr.close()
    assert b"true" in answer
    assert "building" not in log  # a replica is served as imported, not rebuilt from records


def test_an_export_imported_into_each_remote_engine_serves_the_same_quads(built_store, fresh_remote, tmp_path):
    from csto_kg.store.replica import import_export

    from .oxigraph_server import remote_store

    export = tmp_path / "graph.trig"
    export.write_bytes(built_store.reader().dump(format=ox.RdfFormat.TRIG))
    store = remote_store(fresh_remote.url)
    import_export(export, store)
    assert store.manifest()["imported_from"] == "graph.trig"

    def canonical(quads) -> set[str]:
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return {str(q) for q in dataset}

    assert canonical(store.reader()) == canonical(built_store.reader())
    answers = [serialize(run(s, CASES[0].read_text()), "csv") for s in (built_store, store)]
    assert answers[1] == answers[0] and answers[0].count(b"\n") > 1
