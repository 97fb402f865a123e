from __future__ import annotations

import json

import pytest
from rdflib import Graph

from csto_kg.cli import main
from csto_kg.graph.vocab import SH
from csto_kg.web import create_app

from .conftest import DATA, FIXTURES

BAD = FIXTURES / "bad-records" / "meetings"


@pytest.fixture
def client(built_store):
    app = create_app({"STORE": str(built_store.path), "DATA": str(DATA), "TESTING": True})
    return app.test_client()


def _snapshot():
    return sorted((p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in DATA.rglob("*"))


def test_a_good_record_conforms(client):
    body = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_bytes()
    response = client.post("/validate?name=meetings/2019-06-20-ccim-22.yaml", data=body,
                           content_type="application/yaml")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["conforms"] is True and doc["unreadable"] is False
    assert {p["severity"] for p in doc["problems"]} <= {"warning"}


@pytest.mark.parametrize("case", sorted(BAD.glob("2019-01-0*.yaml")), ids=lambda p: p.name)
def test_same_messages_as_the_command_line(client, runner, case):
    before = _snapshot()
    response = client.post(f"/validate?name=meetings/{case.name}", data=case.read_bytes(),
                           content_type="application/yaml")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["conforms"] is False
    cli = runner.invoke(main, ["validate", "--data", str(DATA), "--format", "json", str(case)])
    assert cli.exit_code in (1, 2)
    assert doc["problems"] == json.loads(cli.stdout)
    assert _snapshot() == before  # nothing written


def test_shacl_report_as_turtle(client):
    body = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_bytes().replace(b"police-major-general", b"csto")
    response = client.post("/validate?name=meetings/2019-06-20-ccim-22.yaml", data=body,
                           headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert not graph.value(next(graph.subjects(None, SH.ValidationReport)), SH.conforms).toPython()
    assert len(list(graph.subjects(None, SH.ValidationResult))) >= 1


def test_an_entity_file_is_checked_in_place_of_its_namesake(client):
    body = (DATA / "entities" / "states.yaml").read_bytes() + b"  - slug: cholpon-ata\n    label: Clash\n"
    doc = client.post("/validate?name=entities/states.yaml", data=body).get_json()
    assert doc["conforms"] is False
    assert any("'cholpon-ata' is also used by a place" in p["message"] for p in doc["problems"])


def test_refusals(client):
    too_big = client.post("/validate", data=b"a: " + b"x" * 1_000_001)
    assert too_big.status_code == 413 and "at most" in too_big.get_json()["error"]
    bad_name = client.post("/validate?name=../../etc/passwd", data=b"a: 1")
    assert bad_name.status_code == 400 and "not a record file name" in bad_name.get_json()["error"]
    assert client.get("/validate").status_code == 405
