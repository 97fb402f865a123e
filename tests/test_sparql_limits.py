"""The endpoint's safety: the time limit stops the work, the row cap is signalled, SERVICE is allow-listed.

The tests over HTTP run once per backend (the embedded store, a live ``oxigraph serve`` and a live Virtuoso);
the ones about worker processes concern the embedded store only.
"""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest
import requests

from csto_kg.query.guard import CACHE_MAX_CHARS, _inspect, inspect, refused_services
from csto_kg.query.sparql import ServiceRefused, UpdateRefused, _plan, execute, plan

from .live_endpoint import EX, FILLER, connection_arrives, serve

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FAST = "SELECT ?g WHERE { GRAPH ?g { ?g a ?t } }"
WIKIDATA = "https://query.wikidata.org/sparql"


@pytest.fixture(scope="module")
def store_path(dataset_location):
    """The D0..D3 dataset: an embedded store's folder, or the URL of a live store holding it."""
    return dataset_location


# -- reading SERVICE and updates from the tokens


@pytest.mark.parametrize(("query", "services"), [
    ("ASK {}", ()),
    (f"SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}", (WIKIDATA,)),
    ("PREFIX wdqs: <https://query.wikidata.org/> SELECT * { SERVICE SILENT wdqs:sparql { } }", (WIKIDATA,)),
    ("BASE <https://query.wikidata.org/> SELECT * { service <sparql> {} }", (WIKIDATA,)),
    ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", (None,)),
    ("SELECT * { SERVICE unknown:x {} }", (None,)),
    ("SELECT * { \\u0053ERVICE <http://evil.example/> {} }", ("http://evil.example/",)),
    ('SELECT * { ?s ?p "SERVICE <http://a.example/>" }  # SERVICE <http://b.example/>', ()),
    ("SELECT * { ?s ?p '''it's SERVICE <http://a.example/>''' . ?s <http://x/service> ?o }", ()),
    ("SELECT ?service { ?service a ?t }", ()),
    ("SELECT * { ?x ?y ?z FILTER(?x<?y) SERVICE<http://evil.example/>{} }", ("http://evil.example/",)),
])
def test_service_targets_are_read_from_tokens(query, services):
    assert inspect(query).services == services


def test_only_allow_listed_services_pass():
    allow = frozenset({WIKIDATA})
    assert refused_services(inspect(f"SELECT * {{ SERVICE <{WIKIDATA}> {{}} }}"), allow) == []
    assert refused_services(inspect("SELECT * { SERVICE ?x {} }"), allow) == ["a variable or unreadable IRI"]
    with pytest.raises(ServiceRefused) as caught:
        plan("SELECT * { SERVICE <http://127.0.0.1:1/sparql> {} }", allow=allow)
    assert "CSTO_KG_SERVICE_ALLOW" in caught.value.message and WIKIDATA in caught.value.message


@pytest.mark.parametrize("update", ["INSERT DATA { <a:b> <a:b> <a:b> }", "PREFIX x: <a:> DELETE WHERE { ?s ?p ?o }",
                                    "LOAD <http://example.org/x>", "CLEAR ALL", "DROP GRAPH <a:b>",
                                    "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"])
def test_updates_are_refused_before_running(update):
    with pytest.raises(UpdateRefused):
        plan(update)


def test_inspection_and_plan_are_cached_per_query_text():
    text = f"SELECT * WHERE {{ ?s ?p ?o }} # {time.time_ns()}"
    before, plans_before = _inspect.cache_info(), _plan.cache_info()
    for _ in range(5):
        plan(text)
    after, plans_after = _inspect.cache_info(), _plan.cache_info()
    assert after.misses == before.misses + 1  # the query text was read once
    assert plans_after.misses == plans_before.misses + 1 and plans_after.hits == plans_before.hits + 4
    assert plan(text, "text/csv").format == "csv"  # another Accept is another plan
    assert plan(text, "text/csv", allow=[WIKIDATA]) == plan(text, "text/csv", allow=frozenset({WIKIDATA}))


def test_long_query_texts_are_not_held_in_the_caches():
    text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * CACHE_MAX_CHARS
    before, plans_before = _inspect.cache_info(), _plan.cache_info()
    assert plan(text).form == "select" and inspect(text).form == "select"
    after, plans_after = _inspect.cache_info(), _plan.cache_info()
    assert (after.currsize, plans_after.currsize) == (before.currsize, plans_before.currsize)
    assert (after.misses, plans_after.misses) == (before.misses, plans_before.misses)


def test_a_cached_plan_still_refuses_each_time():
    query = "SELECT * { SERVICE <http://127.0.0.1:1/sparql> {} }"
    for _ in range(3):
        with pytest.raises(ServiceRefused):
            plan(query, allow=frozenset({WIKIDATA}))
    assert plan(query, allow=frozenset({WIKIDATA, "http://127.0.0.1:1/sparql"})).form == "select"


# -- the row cap


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_cap_cuts_select_and_says_so(fmt):
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i)) for i in range(50))
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    capped = execute(store, plan(query, accept={"json": "application/sparql-results+json",
                                                "xml": "application/sparql-results+xml", "csv": "text/csv",
                                                "tsv": "text/tab-separated-values"}[fmt]), max_rows=7)
    assert (capped.rows, capped.truncated) == (7, True)
    assert capped.body.count(f"{EX}s6".encode()) == 1 and f"{EX}s7".encode() not in capped.body
    exact = execute(store, plan(query + " LIMIT 7"), max_rows=7)
    assert (exact.rows, exact.truncated) == (7, False)
    whole = execute(store, plan(query), max_rows=0)
    assert (whole.rows, whole.truncated) == (50, False)


def test_row_cap_over_http(store_path):
    with serve(store_path, SPARQL_MAX_ROWS=10) as live:
        response = requests.get(live.sparql, params={"query": f"SELECT ?i WHERE {{ ?i <{EX}rank> ?r }}"},
                                headers={"Accept": "text/csv"}, timeout=30)
        assert response.status_code == 200
        assert len(response.text.splitlines()) == 11  # header + 10 rows
        assert response.headers["X-SPARQL-Truncated"] == "true"
        assert response.headers["X-SPARQL-Max-Rows"] == "10" and response.headers["X-SPARQL-Rows"] == "10"
        assert "X-SPARQL-Truncated" in response.headers["Access-Control-Expose-Headers"]
        graph = requests.get(live.sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                             headers={"Accept": "application/n-triples"}, timeout=30)
        assert len(graph.text.splitlines()) == 10 and graph.headers["X-SPARQL-Truncated"] == "true"
        small = requests.get(live.sparql, params={"query": "SELECT * WHERE { ?g a ?t }"}, timeout=30)
        assert small.headers["X-SPARQL-Truncated"] == "false" and small.headers["X-SPARQL-Rows"] == "4"
    assert FILLER > 10


# -- the time limit


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_time_limit_stops_the_work(store_path, backend):
    with serve(store_path, SPARQL_TIME_LIMIT_MS=300) as live:
        assert requests.get(live.sparql, params={"query": FAST}, timeout=30).status_code == 200
        before = live.query_workers() if backend == "embedded" else set()
        response = requests.get(live.sparql, params={"query": SLOW}, timeout=30)
        assert response.status_code == 503
        assert "300 ms" in response.json()["error"]
        assert "CSTO_KG_SPARQL_TIME_LIMIT_MS" in response.json()["error"]
        again = requests.get(live.sparql, params={"query": FAST}, timeout=30)
        assert again.status_code == 200 and len(again.json()["results"]["bindings"]) == 4
        if backend != "embedded":  # the live store stops its side at its own time limit
            return
        assert "time limit of 300 ms" in response.json()["error"]
        assert len(before) == 2
        killed = before - live.query_workers()
        assert len(killed) == 1
        workers = requests.get(live.url + "/healthz", timeout=30).json()["query_workers"]
        assert (workers["size"], workers["replaced"]) == (2, 1)
        assert not any(_alive(pid) for pid in killed)  # the work stopped: its process is gone
        assert len(live.query_workers()) == 2


@pytest.mark.slow
def test_other_clients_are_served_while_a_slow_query_runs(store_path):
    """Fast queries are answered while a slow one holds a worker: not after it. What is asserted is the
    order of events (answers that came while the slow query was unanswered), never a duration."""
    with serve(store_path, SPARQL_TIME_LIMIT_MS=3000) as live:
        requests.get(live.sparql, params={"query": FAST}, timeout=30)  # the workers are up
        slow: dict = {}
        slow_answered = threading.Event()

        def ask_slow():
            slow["r"] = requests.get(live.sparql, params={"query": SLOW}, timeout=30)
            slow_answered.set()

        thread = threading.Thread(target=ask_slow)
        thread.start()
        time.sleep(0.2)
        statuses, while_slow_ran, lock = [], [], threading.Lock()

        def client():
            for _ in range(5):
                status = requests.get(live.sparql, params={"query": FAST}, timeout=30).status_code
                with lock:
                    statuses.append(status)
                    while_slow_ran.append(not slow_answered.is_set())

        clients = [threading.Thread(target=client) for _ in range(8)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        thread.join()
        assert statuses == [200] * 40
        assert any(while_slow_ran), "no fast query was answered while the slow one ran"
        assert slow["r"].status_code == 503


# -- SERVICE: refused before any connection is opened


@pytest.mark.parametrize("target", ["<{url}>", "?endpoint"])
def test_service_not_allowed_opens_no_connection(store_path, listener, target):
    sock, url = listener
    query = f"SELECT * WHERE {{ BIND(<{url}> AS ?endpoint) SERVICE {target.format(url=url)} {{ ?s ?p ?o }} }}"
    with serve(store_path, SERVICE_ALLOW=WIKIDATA, SPARQL_TIME_LIMIT_MS=2000) as live:
        response = requests.get(live.sparql, params={"query": query}, timeout=30)
        assert response.status_code == 403
        assert "CSTO_KG_SERVICE_ALLOW" in response.json()["error"]
        assert not connection_arrives(sock)


def test_allow_listed_service_is_called(store_path, listener):
    """The control for the test above: with the listener allow-listed, the connection does arrive."""
    sock, url = listener
    with serve(store_path, SERVICE_ALLOW=f"{WIKIDATA},{url}", SPARQL_TIME_LIMIT_MS=2000) as live:
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(r=requests.get(
            live.sparql, params={"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"}, timeout=30)))
        thread.start()
        assert connection_arrives(sock, within=30)
        thread.join()
        assert result["r"].status_code in (502, 503)
        assert result["r"].json()["ok"] is False
