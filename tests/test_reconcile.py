"""``/reconcile``, driven as OpenRefine drives it, on the real records; every answer checked against
the Reconciliation Service API v0.2's JSON Schemas (written down in tests/fixtures/reconciliation/)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from csto_kg.query.reconcile import MAX_QUERIES, ReconcileIndex
from csto_kg.web import create_app

from .conftest import app_on

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "reconciliation"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def valid(answer: dict, name: str) -> dict:
    jsonschema.validate(answer, schema(name), cls=jsonschema.Draft7Validator)
    return answer


@pytest.fixture(scope="module")
def app(built_store):
    with app_on(built_store, SPARQL_WORKERS=2) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def reconcile(client, batch: dict, method: str = "post") -> dict:
    valid(batch, "reconciliation-query-batch")
    if method == "post":  # OpenRefine posts a form
        response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    else:
        response = client.get("/reconcile", query_string={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return valid(response.json, "reconciliation-result-batch")


def test_the_schemas_are_schemas():
    names = sorted(p.stem for p in SCHEMAS.glob("*.json"))
    for name in names:
        jsonschema.Draft7Validator.check_schema(schema(name))
    assert len(names) == 9
    # and they refuse what the spec refuses
    with pytest.raises(jsonschema.ValidationError):
        valid({"q0": {"limit": 3}}, "reconciliation-query-batch")  # neither query nor properties
    with pytest.raises(jsonschema.ValidationError):
        valid({"q0": {"result": [{"id": "x", "name": "x"}]}}, "reconciliation-result-batch")  # no score


def test_manifest(client):
    found = valid(client.get("/reconcile").json, "manifest")
    assert found["versions"] == ["0.2"] and found["identifierSpace"] == "https://w3id.org/csto-kg/id/"
    assert [t["id"] for t in found["defaultTypes"]] == ["person", "post", "organization", "body", "state", "place", "meeting"]
    assert found["view"]["url"] == "http://localhost/id/{{id}}"
    assert found["preview"]["url"] == "http://localhost/reconcile/preview?id={{id}}"
    assert found["suggest"]["entity"] == {"service_url": "http://localhost", "service_path": "/reconcile/suggest/entity"}
    assert found["extend"]["propose_properties"]["service_path"] == "/reconcile/properties"
    # the view URL is the entity's page
    page = client.get(found["view"]["url"].replace("{{id}}", "person/aleksandr-gorovoy").replace("http://localhost", ""))
    assert page.status_code == 200 and b"Aleksandr Gorovoy" in page.data


# what a spreadsheet's cell says (type, properties) -> the candidate first, and whether it is a match
CASES = {
    "Gorovoy A.": ({"type": "person"}, "person/aleksandr-gorovoy", True),
    "Казакова В.Л.": ({"type": "person"}, "person/valentina-kazakova", True),
    "Gorovoy, Aleksandr": ({}, "person/aleksandr-gorovoy", True),
    "Gorovoi Aleksandr": ({"type": ["person"]}, "person/aleksandr-gorovoy", True),
    "Горовой Александр": ({"type": "foaf:Person"}, "person/aleksandr-gorovoy", True),
    "Горового": ({"type": "person"}, "person/aleksandr-gorovoy", False),  # a surname alone: not sure
    "Secretary General of the CSTO": ({"type": "post"}, "post/csto-secretary-general", True),
    "Khachaturov Yu.": ({"properties": [{"pid": "post", "v": "Secretary General of the CSTO"},
                                        {"pid": "date", "v": "2018-01-10"}]}, "person/yuri-khachaturov", True),
    "Alexander Gorovoy": ({"properties": [{"pid": "state", "v": {"id": "state/russia"}}]}, "person/aleksandr-gorovoy", True),
    "Nikolai Bordyuzha": ({"properties": [{"pid": "post", "v": {"id": "post/csto-secretary-general"}},
                                          {"pid": "date", "v": "2015"}]}, "person/nikolai-bordyuzha", True),
    # a property that disagrees: still the candidate, but no match
    "Aleksandr Gorovoy": ({"properties": [{"pid": "state", "v": "Kazakhstan"}]}, "person/aleksandr-gorovoy", False),
}


def test_queries_as_openrefine_sends_them(client):
    batch = {f"q{i}": {"query": text, **extra} for i, (text, (extra, _, _)) in enumerate(CASES.items())}
    for method in ("post", "get"):
        found = reconcile(client, batch, method)
        got = {text: (found[f"q{i}"]["result"][0]["id"], found[f"q{i}"]["result"][0]["match"])
               for i, text in enumerate(CASES)}
        assert got == {text: (want, match) for text, (_, want, match) in CASES.items()}
    assert len(CASES) == 11
    first = found["q0"]["result"][0]
    assert first["name"] == "Aleksandr Gorovoy" and first["type"] == [{"id": "person", "name": "Person"}]
    assert 0 <= first["score"] <= 100
    # a match is clearly ahead: at most one per query, and only the first
    assert all(not r["match"] for q in found.values() for r in q["result"][1:])


def test_type_and_limit(client):
    found = reconcile(client, {"q0": {"query": "Secretary", "type": "post", "limit": 2},
                               "q1": {"query": "Russia", "type": "state"},
                               "q2": {"query": "zzzzqqq"}})
    assert len(found["q0"]["result"]) == 2 and all(r["id"].startswith("post/") for r in found["q0"]["result"])
    assert found["q1"]["result"][0]["id"] == "state/russia"
    assert found["q2"]["result"] == []


def test_a_date_the_post_was_not_held_disagrees(client):
    found = reconcile(client, {"q0": {"query": "Nikolai Bordyuzha", "properties": [
        {"pid": "post", "v": "post/csto-secretary-general"}, {"pid": "date", "v": "1999"}]}})  # held from 2003
    assert found["q0"]["result"][0]["id"] == "person/nikolai-bordyuzha" and not found["q0"]["result"][0]["match"]


@pytest.mark.parametrize("payload, status, message", [
    ({"queries": "{not json"}, 400, "queries: not JSON"),
    ({"queries": "[1]"}, 400, "queries: expected a JSON object"),
    ({"queries": json.dumps({"q0": {"query": "x", "type": "unicorn"}})}, 400, "unknown type 'unicorn'"),
    ({"queries": json.dumps({"q0": {"query": "x", "limit": -1}})}, 400, "queries.q0.limit"),
    ({"queries": json.dumps({"q0": {"query": "x" * 501}})}, 400, "at most 500"),
    ({"queries": json.dumps({"q0": {"query": "x", "properties": [{"pid": "height", "v": 1}]}})}, 400, "unknown property"),
    ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(MAX_QUERIES + 1)})}, 400, "at most 1,000"),
    ({"extend": json.dumps({"ids": ["person/x"], "properties": [{"id": "shoe-size"}]})}, 400, "unknown property"),
])
def test_bad_requests_are_refused_with_a_reason(client, payload, status, message):
    response = client.post("/reconcile", data=payload)
    assert response.status_code == status and message in response.json["error"], response.json


def test_the_body_is_capped_like_sparql(client):
    response = client.post("/reconcile", data=b"queries=" + b"x" * (1 << 20), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.json["ok"] is False


def test_suggest(client):
    found = valid(client.get("/reconcile/suggest/entity", query_string={"prefix": "goro"}).json, "suggest-entities-response")
    assert found["result"][0]["id"] == "person/aleksandr-gorovoy"
    assert found["result"][0]["notable"] == [{"id": "person", "name": "Person"}]
    found = valid(client.get("/reconcile/suggest/entity", query_string={"prefix": "Горов"}).json, "suggest-entities-response")
    assert found["result"][0]["id"] == "person/aleksandr-gorovoy"  # in Cyrillic too
    found = valid(client.get("/reconcile/suggest/entity", query_string={"prefix": "rus", "type": "state"}).json,
                  "suggest-entities-response")
    assert [r["id"] for r in found["result"]] == ["state/russia"]
    types = valid(client.get("/reconcile/suggest/type", query_string={"prefix": "pe"}).json, "suggest-types-response")
    assert [t["id"] for t in types["result"]] == ["person"]
    props = valid(client.get("/reconcile/suggest/property", query_string={"prefix": "sta"}).json, "suggest-properties-response")
    assert [p["id"] for p in props["result"]] == ["state"]


def test_preview(client):
    response = client.get("/reconcile/preview", query_string={"id": "person/aleksandr-gorovoy"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "Aleksandr Gorovoy" in text and "Aleksandr Gorovoi" in text and 'href="/id/person/aleksandr-gorovoy"' in text
    assert client.get("/reconcile/preview", query_string={"id": "person/nobody"}).status_code == 404


def test_data_extension(client):
    proposed = valid(client.get("/reconcile/properties", query_string={"type": "person"}).json, "propose-properties-response")
    assert [p["id"] for p in proposed["properties"]] == ["post", "state", "rank", "qid", "meetings"]
    request = {"ids": ["person/aleksandr-gorovoy", "person/nikolai-bordyuzha", "person/nobody"],
               "properties": [{"id": "post", "settings": {"date": "2019-06-20"}}, {"id": "state"}, {"id": "qid"},
                              {"id": "meetings", "settings": {"limit": 2}}, {"id": "rank"}]}
    valid(request, "data-extension-query")
    found = valid(client.post("/reconcile", data={"extend": json.dumps(request)}).json, "data-extension-response")
    assert [m["id"] for m in found["meta"]] == ["post", "state", "qid", "meetings", "rank"]
    gorovoy = found["rows"]["person/aleksandr-gorovoy"]
    assert {"id": "post/csto-ccim-chairman", "name": "Chairman of the CSTO Coordinating Council on Combating Illegal Migration"} \
        in gorovoy["post"]
    assert gorovoy["state"] == [{"id": "state/russia", "name": "Russia"}]
    assert len(gorovoy["meetings"]) == 2
    assert found["rows"]["person/nobody"] == {"post": [], "state": [], "qid": [], "meetings": [], "rank": []}


def test_the_index_is_read_once_per_build(app, client, built_store):
    reconcile(client, {"q0": {"query": "Gorovoy"}})
    build, index = app.extensions["csto_kg.reconcile"]
    assert build == built_store.build_id() and isinstance(index, ReconcileIndex)
    reconcile(client, {"q0": {"query": "Kazakova"}})
    assert app.extensions["csto_kg.reconcile"][1] is index


class Refuses:
    """A query runner (and store query) that fails the test if asked anything."""

    def query(self, *args, **kwargs):
        raise AssertionError("the store was queried")

    def close(self):
        pass


def test_the_build_writes_the_index_and_the_file_gives_the_same_candidates(built_store):
    from csto_kg.store import reconciliation

    current = built_store.current_dir()
    assert reconciliation.path_of(current).is_file()
    loaded = ReconcileIndex.load(current)
    queried = ReconcileIndex.read(built_store.query)  # as a build without the file is read
    assert loaded is not None and loaded.entities == queried.entities
    assert len(loaded.entities) > 200
    texts = sorted({t for e in loaded.entities.values() for t in e.names}) + list(CASES)
    for text in texts:
        query = {"query": text, "limit": 5, **CASES.get(text, ({}, None, None))[0]}
        assert loaded.candidates(query) == queried.candidates(query), text
    assert len(texts) > 300
    assert loaded.suggest_entities("goro", set()) == queried.suggest_entities("goro", set())


def test_with_the_file_reconcile_asks_the_store_nothing(built_store, monkeypatch):
    app = create_app({"STORE": str(built_store.path), "TESTING": True, "SPARQL_WORKERS": 1})
    app.extensions["csto_kg.sparql_runner"] = Refuses()
    monkeypatch.setattr(type(app.extensions["csto_kg.store"]), "query", Refuses.query)
    client = app.test_client()
    found = reconcile(client, {"q0": {"query": "Gorovoy A.", "type": "person"}})
    assert found["q0"]["result"][0]["id"] == "person/aleksandr-gorovoy" and found["q0"]["result"][0]["match"]
    extended = client.post("/reconcile", data={"extend": json.dumps({"ids": ["person/aleksandr-gorovoy"],
                                                                    "properties": [{"id": "state"}]})})
    assert extended.json["rows"]["person/aleksandr-gorovoy"]["state"] == [{"id": "state/russia", "name": "Russia"}]


def test_without_the_file_the_index_is_read_with_queries(built_store, monkeypatch):
    from csto_kg.store import reconciliation

    monkeypatch.setattr(reconciliation, "load", lambda build: None)  # a build made before the file
    app = create_app({"STORE": str(built_store.path), "TESTING": True, "SPARQL_WORKERS": 1})
    try:
        found = reconcile(app.test_client(), {"q0": {"query": "Казакова В.Л.", "type": "person"}})
        assert found["q0"]["result"][0]["id"] == "person/valentina-kazakova"
    finally:
        app.extensions["csto_kg.sparql_runner"].close()


def test_the_build_merges_the_records_parts_into_exactly_what_the_queries_read(built_store):
    """The build's file comes from the records' parts, not the store: the same entities, in the same order."""
    from csto_kg.check.build import ontology_nquads
    from csto_kg.check.pipeline import line_value, record_names
    from csto_kg.store import reconciliation, statements

    queried = reconciliation.entities(reconciliation.tsv(built_store))
    asked = reconciliation.entities(reconciliation.solutions(built_store.query))  # as the server reads a build without the file
    parts = [line_value(line) for _name, line in record_names(built_store.statements())]
    assert len(parts) == len(built_store.records())  # every record has a part, kept apart from its information
    every = [*parts, statements.nquads_part(ontology_nquads())]
    merged = reconciliation.merge(statements.Statements(every))
    assert merged == queried == asked
    assert statements.fold(every, every, reconciliation.Fold()) == [merged]  # a part at a time, as the build does
    assert reconciliation.load(built_store.current_dir()) == merged
    assert len(merged) > 200 and sum(bool(e["posts"]) for e in merged) > 20 and sum(bool(e["meetings"]) for e in merged) > 40
