"""Every case of the W3C SPARQL 1.1 Protocol test suite, against a live server on loopback.

Graphs D0..D3 are named graphs of a small fixture store (tests/live_endpoint.py). The update
cases are sent too: a read-only endpoint must refuse them with 4xx and change nothing. Every
test runs once per backend (the embedded store, a live ``oxigraph serve`` and a live Virtuoso), so they cannot drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import requests

from .live_endpoint import D, serve
from .oxigraph_server import BACKENDS

SQ = {"Content-Type": "application/sparql-query"}
SU = {"Content-Type": "application/sparql-update"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values")
RDF = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
BOTH = f"ASK {{ <{D[1]}> a ?t . <{D[2]}> a ?t }}"
NAMED = f"ASK {{ GRAPH ?g1 {{ <{D[1]}> a ?t }} GRAPH ?g2 {{ <{D[2]}> a ?t }} }}"
FULL = f"ASK {{ <{D[3]}> a ?t . GRAPH ?g1 {{ <{D[1]}> a ?t }} GRAPH ?g2 {{ <{D[2]}> a ?t }} }}"
INSERT = "INSERT DATA { GRAPH <http://example.org/D0> { <http://example.org/new> a <http://example.org/New> } }"


@dataclass
class Case:
    name: str
    method: str = "GET"
    params: list = field(default_factory=list)
    data: bytes | None = None
    headers: dict = field(default_factory=dict)
    expect: str = "true"  # "true": 2xx ASK true; "tabular"/"boolean"/"rdf": 2xx in such a format; "4xx"


def form(*pairs: tuple[str, str]) -> bytes:
    return requests.models.RequestEncodingMixin._encode_params(list(pairs)).encode("ascii")


CASES = [
    Case("query_post_form", "POST", data=form(("query", "ASK {}"), ("default-graph-uri", D[0])), headers=FORM),
    Case("query_dataset_default_graphs_get", params=[("query", BOTH), ("default-graph-uri", D[1]),
                                                     ("default-graph-uri", D[2])]),
    Case("query_dataset_default_graphs_post", "POST", params=[("default-graph-uri", D[1]), ("default-graph-uri", D[2])],
         data=BOTH.encode(), headers=SQ),
    Case("query_dataset_named_graphs_post", "POST", params=[("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
         data=NAMED.encode(), headers=SQ),
    Case("query_dataset_named_graphs_get", params=[("query", NAMED), ("named-graph-uri", D[1]),
                                                   ("named-graph-uri", D[2])]),
    Case("query_dataset_full", "POST", params=[("default-graph-uri", D[3]), ("named-graph-uri", D[1]),
                                               ("named-graph-uri", D[2])], data=FULL.encode(), headers=SQ),
    Case("query_multiple_dataset", "POST", params=[("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
         data=f"ASK FROM <{D[3]}> {{ GRAPH ?g1 {{ <{D[1]}> a ?t }} GRAPH ?g2 {{ <{D[2]}> a ?t }} }}".encode(),
         headers=SQ),
    Case("query_get", params=[("query", "ASK {}")]),
    Case("query_post_direct", "POST", data=b"ASK {}", headers=SQ),
    Case("query_content_type_select", "POST", data=b"SELECT (1 AS ?value) {}", headers=SQ, expect="tabular"),
    Case("query_content_type_ask", "POST", data=b"ASK {}", headers=SQ, expect="boolean"),
    Case("query_content_type_describe", "POST", data=b"DESCRIBE <http://example.org/>", headers=SQ, expect="rdf"),
    Case("query_content_type_construct", "POST", data=b"CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } "
                                                      b"WHERE {}", headers=SQ, expect="rdf"),
    Case("update_dataset_default_graph", "POST", params=[("using-graph-uri", D[0])], data=INSERT.encode(),
         headers=SU, expect="4xx"),
    Case("update_dataset_default_graphs", "POST", params=[("using-graph-uri", D[0]), ("using-graph-uri", D[1])],
         data=INSERT.encode(), headers=SU, expect="4xx"),
    Case("update_dataset_named_graphs", "POST", params=[("using-named-graph-uri", D[0])], data=INSERT.encode(),
         headers=SU, expect="4xx"),
    Case("update_dataset_full", "POST", params=[("using-graph-uri", D[3]), ("using-named-graph-uri", D[1])],
         data=INSERT.encode(), headers=SU, expect="4xx"),
    Case("update_post_form", "POST", data=form(("update", INSERT)), headers=FORM, expect="4xx"),
    Case("update_post_direct", "POST", data=INSERT.encode(), headers=SU, expect="4xx"),
    Case("update_base_uri", "POST", data=b"BASE <http://example.org/> INSERT DATA { <new> a <New> }", headers=SU,
         expect="4xx"),
    Case("bad_query_method", "PUT", params=[("query", "ASK {}")], expect="4xx"),
    Case("bad_multiple_queries", params=[("query", "ASK {}"), ("query", "ASK {}")], expect="4xx"),
    Case("bad_query_wrong_media_type", "POST", data=b"ASK {}", headers={"Content-Type": "text/plain"}, expect="4xx"),
    Case("bad_query_missing_form_type", "POST", data=b"query=ASK%20%7B%7D", expect="4xx"),
    Case("bad_query_missing_direct_type", "POST", data=b"ASK {}", expect="4xx"),
    Case("bad_query_non_utf8", "POST", data="ASK {}".encode("utf-16"),
         headers={"Content-Type": "application/sparql-query; charset=UTF-16"}, expect="4xx"),
    Case("bad_query_syntax", params=[("query", "ASK {")], expect="4xx"),
    Case("bad_update_get", params=[("update", "CLEAR ALL")], expect="4xx"),
    Case("bad_multiple_updates", "POST", data=form(("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")),
         headers=FORM, expect="4xx"),
    Case("bad_update_wrong_media_type", "POST", data=b"CLEAR NAMED", headers={"Content-Type": "text/plain"},
         expect="4xx"),
    Case("bad_update_missing_form_type", "POST", data=b"update=CLEAR%20NAMED", expect="4xx"),
    Case("bad_update_non_utf8", "POST", data="CLEAR NAMED".encode("utf-16"),
         headers={"Content-Type": "application/sparql-update; charset=UTF-16"}, expect="4xx"),
    Case("bad_update_syntax", "POST", data=b"CLEAR XYZ", headers=SU, expect="4xx"),
    Case("bad_update_dataset_conflict", "POST", params=[("using-graph-uri", D[0])],
         data=f"DELETE {{ ?s ?p ?o }} USING <{D[1]}> WHERE {{ ?s ?p ?o }}".encode(), headers=SU, expect="4xx"),
]


def test_every_w3c_protocol_case_is_here(request):
    assert len(CASES) == 34
    assert len({c.name for c in CASES}) == 34
    assert sum(c.name.startswith("update_") for c in CASES) == 7
    # every case runs against every backend: 34 per backend (as collected, before any -k); the
    # backends are the embedded store, oxigraph and Virtuoso (left out with CSTO_KG_TESTS_VIRTUOSO=0)
    runs = [item.callspec.params for item in request.node.parent.collect()
            if getattr(item, "originalname", "") == "test_w3c_protocol_case"]
    assert len(runs) == 34 * len(BACKENDS) and len(BACKENDS) in (2, 3)
    for name in BACKENDS:
        assert sorted(r["case"].name for r in runs if r["backend"] == name) == sorted(c.name for c in CASES)


@pytest.fixture(scope="module")
def live(dataset_location):
    with serve(dataset_location, SPARQL_TIME_LIMIT_MS=5000, SPARQL_MAX_ROWS=100) as live:
        yield live


def send(live, case: Case) -> requests.Response:
    return requests.request(case.method, live.sparql, params=case.params, data=case.data, headers=case.headers,
                            timeout=30)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_w3c_protocol_case(live, case):
    response = send(live, case)
    media_type = response.headers["Content-Type"].split(";")[0]
    if case.expect == "4xx":
        assert 400 <= response.status_code < 500, response.text
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code and body["error"]
        return
    assert response.status_code == 200, response.text
    if case.expect == "true":
        assert response.json() == {"head": {}, "boolean": True}
    elif case.expect == "boolean":
        assert media_type in TABULAR and "true" in response.text
    elif case.expect == "tabular":
        assert media_type in TABULAR and "value" in response.text
    else:
        assert media_type in RDF


def test_updates_changed_nothing(live):
    for case in CASES:
        if case.name.startswith("update_"):
            send(live, case)
    answer = requests.get(live.sparql, params={"query": "ASK { ?s a <http://example.org/New> }"}, timeout=30)
    assert answer.json()["boolean"] is False


# -- the dataset rules behind the cases, with negative controls


@pytest.mark.parametrize(("query", "params", "expected"), [
    (BOTH, [], True),  # the default graph is the union of all graphs
    (BOTH, [("default-graph-uri", D[1])], False),  # only D1
    (BOTH, [("default-graph-uri", D[1]), ("default-graph-uri", D[2])], True),
    (f"ASK FROM <{D[1]}> {{ <{D[2]}> a ?t }}", [], False),  # the query's FROM is honoured
    (f"ASK FROM <{D[1]}> {{ <{D[2]}> a ?t }}", [("default-graph-uri", D[2])], True),  # and overridden
    (NAMED, [("default-graph-uri", D[3])], False),  # dgu alone: no named graphs
    (f"ASK FROM <{D[3]}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", [], False),  # FROM alone: no named graphs
    (f"ASK {{ <{D[0]}> a ?t }}", [("named-graph-uri", D[1])], False),  # ngu alone: an empty default graph
    ("ASK { ?s ?p ?o }", [("default-graph-uri", "http://not-in-the-store.example/")], False),  # never fetched
], ids=["union", "dgu-one", "dgu-two", "from", "dgu-overrides-from", "dgu-no-named", "from-no-named", "ngu-only",
        "unknown-graph"])
def test_dataset(live, query, params, expected):
    response = requests.get(live.sparql, params=[("query", query), *params], timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is expected


def test_sparqlwrapper_extra_parameters_are_ignored(live):
    response = requests.get(live.sparql, params={"query": "ASK {}", "format": "json", "output": "json",
                                                 "results": "json"}, timeout=30)
    assert response.status_code == 200 and response.json()["boolean"] is True


@pytest.mark.parametrize(("request_kwargs", "status", "words"), [
    ({"method": "PUT", "params": {"query": "ASK {}"}}, 405, "GET or POST"),
    ({"method": "POST", "data": b"ASK {}"}, 415, "application/sparql-query"),
    ({"method": "POST", "data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "text/plain"),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"),
      "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}}, 415, "UTF-8"),
    ({"method": "POST", "data": b"ASK { \xff }", "headers": SQ}, 400, "UTF-8"),
    ({"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "exactly one"),
    ({"method": "POST", "data": b"", "headers": FORM}, 400, "no 'query'"),
    ({"method": "GET", "params": {"update": "CLEAR ALL"}}, 403, "read-only"),
    ({"method": "GET", "params": {"query": INSERT}}, 403, "read-only"),
    ({"method": "GET", "params": {"query": "ASK {"}}, 400, "not valid SPARQL"),
    ({"method": "GET", "params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400, "absolute IRIs"),
], ids=["put", "no-type", "text-plain", "utf16", "bad-utf8", "two-queries", "empty-form", "update-param",
        "update-in-query", "syntax", "bad-dataset-iri"])
def test_malformed_requests_say_what_to_fix(live, request_kwargs, status, words):
    kwargs = dict(request_kwargs)
    response = requests.request(kwargs.pop("method"), live.sparql, timeout=30, **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    if status == 405:
        assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_query_in_form_post_body(live):
    response = requests.post(live.sparql, data={"query": f"SELECT ?n WHERE {{ <{D[2]}> <http://example.org/number> ?n }}"},
                             timeout=30)
    assert response.status_code == 200
    assert json.loads(response.text)["results"]["bindings"][0]["n"]["value"] == "2"


@pytest.mark.parametrize("as_form", [True, False], ids=["form", "direct"])
def test_a_query_body_up_to_the_limit_is_answered_and_a_larger_one_refused(live, as_form):
    """A long query (here a long comment) is answered up to 1 MB, in a form as in a direct body; past it, 413."""
    def post(size: int) -> requests.Response:
        query = "# " + "x" * size + "\nASK {}"
        if as_form:
            return requests.post(live.sparql, data={"query": query}, timeout=30)
        return requests.post(live.sparql, data=query.encode(), headers={"Content-Type": "application/sparql-query"},
                             timeout=30)

    answered = post(700_000)
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"head": {}, "boolean": True}
    refused = post(1_100_000)
    assert refused.status_code == 413
    assert refused.json()["status"] == 413 and "at most" in refused.json()["error"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
