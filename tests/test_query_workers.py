"""The query worker pool: every query runs in a worker process, and a worker that dies is retired."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from csto_kg.query import workers as query_workers
from csto_kg.problems import QueryTimeout
from csto_kg.query.workers import InlineRunner, TimeBudget, WorkerPool
from csto_kg.query.sparql import Plan, QueryFailed, plan

from .live_endpoint import dataset_store

JSON = "application/sparql-results+json"
FAST = "SELECT ?g WHERE { ?g a <http://example.org/Graph> } ORDER BY ?g"
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://example.org/rank> ?x . ?b <http://example.org/rank> ?y . "
        "?c <http://example.org/rank> ?z . ?d <http://example.org/rank> ?w }")


@pytest.fixture
def store(tmp_path):
    return dataset_store(tmp_path / "store")


@pytest.fixture
def pool(store):
    pool = WorkerPool(str(store.path), 1, 20_000)
    pool.run(plan("ASK { ?s ?p ?o }", JSON, frozenset()))  # the worker starts and opens the store
    yield pool
    pool.close()


def test_a_query_asked_again_still_runs_in_a_worker(pool, monkeypatch):
    def in_the_server(*_args, **_kwargs):
        raise AssertionError("a client query ran in the server's process")

    monkeypatch.setattr(query_workers, "execute", in_the_server)  # the server's copy; workers have their own
    fast = plan(FAST, JSON, frozenset())
    answers = [pool.run(fast) for _ in range(5)]
    assert all(a == answers[0] for a in answers) and answers[0].rows == 4


def _crash_during(pool: WorkerPool, sig: int) -> QueryFailed:
    (pid,) = pool.pids()
    timer = threading.Timer(0.5, os.kill, (pid, sig))
    timer.start()
    try:
        with pytest.raises(QueryFailed) as caught:
            pool.run(plan(SLOW, JSON, frozenset()))
    finally:
        timer.cancel()
    return caught.value


def test_a_worker_that_dies_on_a_query_is_retired_and_says_why(pool):
    (before,) = pool.pids()
    failure = _crash_during(pool, signal.SIGSEGV)
    assert failure.status == 500 and "SIGSEGV" in failure.message and "stack" in failure.message
    assert pool.crashed == 1 and pool.replaced == 0
    (after,) = pool.pids()
    assert after != before
    for _ in range(3):  # the next clients are answered by the fresh worker
        assert pool.run(plan(FAST, JSON, frozenset())).rows == 4


def test_a_worker_killed_for_memory_says_so(pool):
    failure = _crash_during(pool, signal.SIGKILL)
    assert "SIGKILL" in failure.message and "memory" in failure.message
    assert pool.run(plan(FAST, JSON, frozenset())).rows == 4


def test_a_worker_that_died_while_idle_is_never_handed_a_query(pool):
    (before,) = pool.pids()
    os.kill(before, signal.SIGKILL)
    time.sleep(0.2)
    assert pool.run(plan(FAST, JSON, frozenset())).rows == 4  # not the dead worker's broken pipe
    assert pool.crashed == 1 and pool.pids() != [before]


def test_queries_run_on_a_stack_far_larger_than_a_thread_default(pool):
    # 20,000 nested groups overflow an 8 MiB stack; the worker's query thread holds them
    deep = "ASK " + "{ " * 20_000 + "}" * 20_000
    answer = pool.run(Plan(deep, "ask", "json", JSON))  # a Plan made by hand: past the endpoint's nesting cap
    assert answer.body and pool.crashed == 0


def test_an_unexpected_error_in_a_worker_is_logged_and_the_client_told_only_that_it_failed(store):
    # a worker whose store fails in a way nobody foresaw: the exception's text may name files and internals
    code = ("from csto_kg.query import workers\n"
            "def fails(*_args, **_kwargs):\n"
            "    raise RuntimeError('internal detail: /srv/csto-kg/store/builds/x')\n"
            "workers.execute = fails\n"
            "workers._serve(None)\n")
    worker = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        assert query_workers._read(worker.stdout.fileno())[0] == query_workers.READY
        query_workers._write(worker.stdin.fileno(), (str(store.path), plan(FAST, JSON, frozenset()), (), (), 0))
        reply = query_workers._read(worker.stdout.fileno())
        worker.stdin.close()
        log = worker.stderr.read().decode()
    finally:
        worker.kill()
        worker.wait(timeout=10)
        worker.stdout.close()
        worker.stderr.close()
    assert reply == ("error", 500, "the query failed in the store; see the server's log")
    assert "RuntimeError: internal detail: /srv/csto-kg/store/builds/x" in log and "Traceback" in log


# -- the server's own queries (pages): read back as the store answers them, within a budget


@pytest.mark.parametrize("query", [
    FAST,
    'SELECT ?n ?text WHERE { ?g <http://example.org/number> ?n BIND(STRLANG(CONCAT("g\\t", STR(?n)), "en") AS ?text) }',
    "SELECT ?x ?missing WHERE { ?x a <http://example.org/Nothing> }",
])
def test_a_server_query_reads_back_as_the_store_answers_it(pool, store, query):
    answer = pool.query(query)
    expected = store.query(query)
    assert [v.value for v in answer.variables] == [v.value for v in expected.variables]
    names = [v.value for v in expected.variables]
    assert [[s[n] for n in names] for s in answer] == [[s[n] for n in names] for s in expected]


def test_a_server_query_asks_too(pool):
    assert bool(pool.query("ASK { ?g a <http://example.org/Graph> }")) is True
    assert bool(pool.query("ASK { ?g a <http://example.org/Nothing> }")) is False


def test_a_server_query_runs_in_a_worker(pool, monkeypatch):
    def in_the_server(*_args, **_kwargs):
        raise AssertionError("a query ran in the server's process")

    monkeypatch.setattr(query_workers, "execute", in_the_server)
    assert len(list(pool.query(FAST))) == 4


def test_a_spent_budget_sends_nothing(pool):
    before = pool.pids()
    budget = TimeBudget(0.0)
    with pytest.raises(QueryTimeout):
        pool.query(FAST, budget)
    assert pool.pids() == before and pool.replaced == 0  # no worker was handed the query, none was killed


def test_a_server_query_past_its_budget_stops_its_worker(pool):
    (before,) = pool.pids()
    budget = TimeBudget(0.2)  # the pool's own limit is 20 s: the budget stops the query
    with pytest.raises(QueryTimeout):
        pool.query(SLOW, budget)
    assert pool.replaced == 1 and pool.pids() != [before]
    assert budget.left <= 0
    with pytest.raises(QueryTimeout):  # what is left of it is nothing: the next query is not sent
        pool.query(FAST, budget)
    assert len(list(pool.query(FAST))) == 4


def test_a_store_that_stops_its_own_queries_spends_the_budget_too(store):
    runner = InlineRunner(store)  # as for a remote store: each query is held to the limit by the store
    budget = TimeBudget(60.0)
    assert len(list(runner.query(FAST, budget))) == 4 and budget.left < 60.0
    with pytest.raises(QueryTimeout):
        runner.query(FAST, TimeBudget(0.0))


# -- answers kept for a query asked again


@pytest.fixture
def cached_pool(store):
    pool = WorkerPool(str(store.path), 1, 20_000, cache_bytes=1 << 20)
    yield pool
    pool.close()


def _in_the_server(*_args, **_kwargs):
    raise AssertionError("a client query ran in the server's process")


def test_a_query_asked_again_on_the_same_build_is_answered_as_before(cached_pool, monkeypatch):
    monkeypatch.setattr(query_workers, "execute", _in_the_server)  # never in the server, cached or not
    fast = plan(FAST, JSON, frozenset())
    first = cached_pool.run(fast)
    (pid,) = cached_pool.pids()
    os.kill(pid, signal.SIGSTOP)  # a stopped worker answers nothing: the next answers are the kept one
    try:
        assert [cached_pool.run(fast) for _ in range(3)] == [first] * 3 and first.rows == 4
    finally:
        os.kill(pid, signal.SIGCONT)
    assert cached_pool.cache.hits == 3
    assert cached_pool.run(fast, max_rows=2).rows == 2  # another row cap is another answer, from a worker
    assert cached_pool.run(plan(FAST, "text/csv", frozenset())).format == "csv"


@pytest.mark.parametrize("query", [
    "SELECT ?g (RAND() AS ?r) WHERE { ?g a <http://example.org/Graph> }",
    "SELECT ?g (now() AS ?t) WHERE { ?g a <http://example.org/Graph> }",
    "SELECT ?g (STRUUID() AS ?u) WHERE { ?g a <http://example.org/Graph> }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
])
def test_a_query_that_reads_the_clock_chance_or_another_endpoint_always_runs(cached_pool, query):
    asked = plan(query, JSON, frozenset({"http://127.0.0.1:1/sparql"}))
    assert cached_pool.cache.key(asked, (), (), 0) is None


def test_a_new_build_is_never_answered_with_the_old_ones_answers(cached_pool, store):
    fast = plan(FAST, JSON, frozenset())
    before = cached_pool.run(fast)
    key = cached_pool.cache.key(fast, (), (), 0)
    link = store.path / "current"
    (store.path / "builds" / "next").symlink_to(store.path / os.readlink(link))  # a "new build" with the same data
    (store.path / "next-link").symlink_to("builds/next")
    os.replace(store.path / "next-link", link)
    assert cached_pool.cache.key(fast, (), (), 0) != key
    assert cached_pool.run(fast) == before and cached_pool.cache.hits == 0  # asked of a worker again


def test_the_cache_holds_at_most_its_bytes(store):
    pool = WorkerPool(str(store.path), 1, 20_000, cache_bytes=8 * 1024)  # some 24 answers of these
    try:
        for i in range(40):
            pool.run(plan(f"{FAST} # {i}", JSON, frozenset()))
        assert pool.cache._bytes <= 8 * 1024 and 10 < len(pool.cache._entries) < 40
        assert pool.run(plan(f"{FAST} # 39", JSON, frozenset())) and pool.cache.hits == 1  # the latest are kept
    finally:
        pool.close()
