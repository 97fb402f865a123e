"""The endpoint as a web service: one JSON error shape, CORS, OPTIONS, /healthz."""

from __future__ import annotations

import pytest
import requests

from csto_kg.web import error_body

from .live_endpoint import dataset_store, serve

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_error_body_shape_is_pinned():
    assert error_body(400, "the query is not valid") == {"ok": False, "status": 400, "error": "the query is not valid"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "store"
    dataset_store(path)
    with serve(path, SPARQL_TIME_LIMIT_MS=300) as live:
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


def test_healthz_without_a_store(tmp_path):
    with serve(tmp_path / "nothing-built") as live:
        response = requests.get(live.url + "/healthz", timeout=30)
        assert response.status_code == 503 and "csto-kg build" in response.json()["error"]
        query = requests.get(live.sparql, params={"query": "ASK {}"}, timeout=30)
        assert query.status_code == 503 and "csto-kg build" in query.json()["error"]
