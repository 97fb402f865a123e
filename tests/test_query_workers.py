"""The query worker pool: queries a worker answered quickly run in the server's thread the next time."""

from __future__ import annotations

import pytest

from csto_kg import query_workers
from csto_kg.query_workers import WorkerPool
from csto_kg.sparql import plan

from .live_endpoint import DATASET_MANIFEST, dataset_nquads, dataset_store

JSON = "application/sparql-results+json"
FAST = "SELECT ?g WHERE { ?g a <http://example.org/Graph> } ORDER BY ?g"


@pytest.fixture
def store(tmp_path):
    return dataset_store(tmp_path / "store")


@pytest.fixture
def pool(store):
    pool = WorkerPool(str(store.path), 1, 5000)
    pool.run(plan("ASK { ?s ?p ?o }", JSON, frozenset()))  # the worker starts and opens the store: not fast
    pool.run(plan("ASK { ?s ?p ?o }", JSON, frozenset()))
    pool.inline = 0
    yield pool
    pool.close()


def test_a_query_answered_fast_runs_in_the_server_the_next_time(pool):
    fast = plan(FAST, JSON, frozenset())
    first = pool.run(fast)
    assert pool.inline == 0
    second = pool.run(fast)
    assert pool.inline == 1
    assert second == first and second.rows == 4


def test_other_options_are_other_queries(pool):
    fast = plan(FAST, JSON, frozenset())
    pool.run(fast)
    pool.run(fast, max_rows=2)  # another row cap: asked of a worker first
    pool.run(fast, default_graphs=["http://example.org/D1"])  # another dataset: the same
    pool.run(plan(FAST, "text/csv", frozenset()))  # another format: the same
    assert pool.inline == 0
    capped = pool.run(fast, max_rows=2)
    assert pool.inline == 1 and capped.rows == 2 and capped.truncated


def test_a_query_over_the_threshold_keeps_going_to_the_workers(pool, monkeypatch):
    monkeypatch.setattr(query_workers, "KNOWN_FAST_MS", 0)
    fast = plan(FAST, JSON, frozenset())
    for _ in range(3):
        pool.run(fast)
    assert pool.inline == 0


def test_a_new_build_forgets_what_was_fast(pool, store):
    fast = plan(FAST, JSON, frozenset())
    pool.run(fast)
    pool.run(fast)
    assert pool.inline == 1
    store.replace(dataset_nquads(), DATASET_MANIFEST)  # a new build: the same query may cost more now
    pool.run(fast)
    assert pool.inline == 1
    pool.run(fast)
    assert pool.inline == 2


def test_a_query_that_calls_a_service_never_runs_in_the_server(pool):
    remote = "http://127.0.0.1:9/sparql"
    with_service = plan(f"SELECT * WHERE {{ SERVICE SILENT <{remote}> {{ ?s ?p ?o }} }}", JSON, frozenset({remote}))
    key = (with_service, (), (), 0)
    build = pool._current_build()
    pool._note(key, build, with_service, 0.0001)
    assert not pool._known_fast(key, build)
    fast = plan(FAST, JSON, frozenset())
    pool._note((fast, (), (), 0), build, fast, 0.0001)
    assert pool._known_fast((fast, (), (), 0), build)  # the same call remembers a query without SERVICE
