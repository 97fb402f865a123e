"""The endpoint as a web service: one JSON error shape, CORS, OPTIONS, /healthz; the workbench's limits.

The live-server tests run once per backend (the embedded store, a live ``oxigraph serve`` and a live Virtuoso).
"""

from __future__ import annotations


import pytest
import requests

from csto_kg.web.errors import error_body

from .live_endpoint import EX, FILLER, connection_arrives, serve

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_error_body_shape_is_pinned():
    assert error_body(400, "the query is not valid") == {"ok": False, "status": 400, "error": "the query is not valid"}


@pytest.fixture(scope="module")
def live(dataset_location):
    with serve(dataset_location, SPARQL_TIME_LIMIT_MS=300) as live:
        yield live


@pytest.mark.parametrize(("method", "kwargs", "status"), [
    ("GET", {"params": {"query": "ASK {"}}, 400),
    ("GET", {"params": {"update": "CLEAR ALL"}}, 403),
    ("GET", {"params": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/> {} }"}}, 403),
    ("DELETE", {}, 405),
    ("GET", {"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406),
    ("POST", {"data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ("GET", {"params": {"query": SLOW}}, 503),
])
def test_every_error_has_the_one_shape_and_cors(live, method, kwargs, status):
    response = requests.request(method, live.sparql, timeout=30, **kwargs)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"ok", "status", "error"}
    assert body["ok"] is False and body["status"] == status and len(body["error"]) > 20
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_on_answers(live):
    response = requests.get(live.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"},
                            timeout=30)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Vary"]


def test_options_is_answered_for_preflight(live):
    response = requests.options(live.sparql, headers={"Origin": "https://example.org",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type"}, timeout=30)
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get_without_a_body(live):
    response = requests.head(live.sparql, params={"query": "ASK {}"}, timeout=30)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["Content-Type"] == "application/sparql-results+json"


def test_healthz(live):
    response = requests.get(live.url + "/healthz", timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["quads"] > 150 and body["build"]


def test_healthz_counts_the_query_workers(live, backend):
    if backend != "embedded":  # a remote store answers every query itself: there are no query workers
        assert "query_workers" not in requests.get(live.url + "/healthz", timeout=30).json()
        return
    workers = requests.get(live.url + "/healthz", timeout=30).json()["query_workers"]
    assert workers["size"] == 2 and workers["replaced"] >= 0 and workers["crashed"] == 0
    assert workers["network_guard"] is True  # Linux on x86_64 or aarch64, where the tests run


def test_healthz_without_a_store(tmp_path):
    with serve(tmp_path / "nothing-built") as live:
        response = requests.get(live.url + "/healthz", timeout=30)
        assert response.status_code == 503 and "csto-kg build" in response.json()["error"]
        query = requests.get(live.sparql, params={"query": "ASK {}"}, timeout=30)
        assert query.status_code == 503 and "csto-kg build" in query.json()["error"]


# -- the query workbench (/) runs queries as /sparql does: same allow-list, refusals, row cap, time limit

WIKIDATA = "https://query.wikidata.org/sparql"
MAX_ROWS = 10


@pytest.fixture(scope="module")
def workbench(dataset_location):
    with serve(dataset_location, SPARQL_TIME_LIMIT_MS=300, SPARQL_MAX_ROWS=MAX_ROWS, SERVICE_ALLOW=WIKIDATA) as live:
        yield live


@pytest.mark.parametrize("path", ["/", "/results.csv"])
def test_workbench_refuses_a_service_not_allow_listed_and_opens_no_connection(workbench, listener, path):
    sock, url = listener
    response = requests.get(workbench.url + path, params={"query": f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"},
                            timeout=30)
    assert response.status_code == 403
    assert "CSTO_KG_SERVICE_ALLOW" in response.text and WIKIDATA in response.text
    assert not connection_arrives(sock)


@pytest.mark.parametrize("path", ["/", "/results.csv"])
def test_workbench_refuses_an_update_and_changes_nothing(workbench, path):
    update = f"INSERT DATA {{ GRAPH <{EX}D0> {{ <{EX}new> a <{EX}New> }} }}"
    response = requests.get(workbench.url + path, params={"query": update}, timeout=30)
    assert response.status_code == 403 and "read-only" in response.text
    check = requests.get(workbench.sparql, params={"query": f"ASK {{ ?s a <{EX}New> }}"}, timeout=30)
    assert check.json()["boolean"] is False


def test_workbench_signals_truncation_at_the_row_cap(workbench):
    query = f"SELECT ?i ?r WHERE {{ ?i <{EX}rank> ?r }}"
    response = requests.get(workbench.url + "/", params={"query": query}, timeout=30)
    assert response.status_code == 200
    table = response.text.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + MAX_ROWS  # the header and the capped rows
    assert f"{MAX_ROWS} rows, truncated" in response.text
    download = requests.get(workbench.url + "/results.csv", params={"query": query}, timeout=30)
    assert len(download.text.splitlines()) == 1 + MAX_ROWS and download.headers["X-SPARQL-Truncated"] == "true"
    small = requests.get(workbench.url + "/", params={"query": f"SELECT ?g WHERE {{ ?g a <{EX}Graph> }}"}, timeout=30)
    assert "4 rows." in small.text and "truncated" not in small.text
    assert FILLER > MAX_ROWS


def test_workbench_keeps_the_time_limit(workbench):
    response = requests.get(workbench.url + "/", params={"query": SLOW}, timeout=30)
    assert response.status_code == 503
    assert "300 ms" in response.text and "CSTO_KG_SPARQL_TIME_LIMIT_MS" in response.text
