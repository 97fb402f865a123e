"""A meeting's file name is its IRI: checked against its date, and when it changes, the old IRI keeps working."""

from __future__ import annotations

import shutil

import pytest

from csto_kg.check.build import build
from csto_kg.check.files import validate_files
from csto_kg.graph.rdfize import rdfize
from csto_kg.graph.names import OWL, entity_iri
from csto_kg.graph.terms import IRI as URIRef
from csto_kg.problems import InvalidRecords
from csto_kg.records import EntityIndex, read_file, read_records
from csto_kg.store.embedded import EmbeddedStore

from .conftest import DATA
from .conftest import app_on

OLD = "2019-06-20-ccim-22"
NEW = "2019-06-20-ccim-22-cholpon-ata"


def rename(data, old: str = OLD, new: str = NEW) -> None:
    """Rename a meeting's file the way a curator does: the old name goes under former_ids."""
    text = (data / "meetings" / f"{old}.yaml").read_text(encoding="utf-8")
    (data / "meetings" / f"{old}.yaml").unlink()
    (data / "meetings" / f"{new}.yaml").write_text(text + f"former_ids: [{old}]\n", encoding="utf-8")


@pytest.mark.parametrize("name, date, ok", [
    ("2019-06-20-x", "2019-06-20", True),
    ("2019-06-x", "2019-06-20", True),  # a part of the date
    ("2019-x", "2019-06-20", True),
    ("2019-06-20-x", "2019-06", True),  # a day the month holds
    ("2018-04-26-x", '"[2017-04-26, 2018-04-26]"', True),  # one of its days
    ("2017-x", '"[2017-04-26, 2018-04-26]"', True),
    ("2018-06-06-x", "2018-XX-06", True),
    ("2018-06-07-x", "2018-XX-06", False),
    ("2018-04-26-x", "2018?-04-26", True),
    ("2023-01-01-x", "2022-12-06", False),
    ("2019-05-x", "2019-06-20", False),
    ("2017-09-x", '"[2017-04-26, 2018-04-26]"', False),  # between its days, but neither
])
def test_the_file_name_is_checked_against_the_date(tmp_path, name, date, ok):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"label: X\nbody: csto-ccim\ndate: {date}\nsources: [s]\n", encoding="utf-8")
    problems = [p for p in read_file(path, f"meetings/{name}.yaml").problems if p.field == "(file name)"]
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].line == 3 and "former_ids" in problems[0].expected


def test_the_real_file_names_agree_with_their_dates():
    records = read_records(DATA)
    assert len(list(records.meetings)) == 37
    assert [p for p in records.problems if p.field in ("(file name)", "former_ids")] == []


def test_a_renamed_record_states_it_is_the_same_meeting(data_copy):
    rename(data_copy)
    records = read_records(data_copy)
    assert records.errors == []
    record = next(f for f in records.files if f.name == f"meetings/{NEW}.yaml")
    triples = set(rdfize(record, EntityIndex(records.entities)).triples)
    assert (entity_iri("meeting", NEW), OWL.sameAs, URIRef(entity_iri("meeting", OLD))) in triples


@pytest.fixture(scope="module")
def renamed(tmp_path_factory, validator):
    data = tmp_path_factory.mktemp("renamed") / "data"
    shutil.copytree(DATA, data)
    rename(data)
    store = EmbeddedStore(data.parent / "store")
    build(data, store, validator)
    with app_on(store, SPARQL_WORKERS=2) as app:
        yield data, store, app.test_client()


@pytest.mark.parametrize("old, new", [
    (f"/id/meeting/{OLD}", f"/id/meeting/{NEW}"),
    (f"/id/meeting/{OLD}.ttl", f"/id/meeting/{NEW}.ttl"),
    (f"/id/meeting/{OLD}/participation/1", f"/id/meeting/{NEW}/participation/1"),
    (f"/id/meeting/{OLD}/delegation/russia.jsonld", f"/id/meeting/{NEW}/delegation/russia.jsonld"),
])
def test_the_old_iri_answers_301_to_the_new_one(renamed, old, new):
    _data, _store, client = renamed
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(new)
    assert client.get(new).status_code == 200


def test_an_unknown_iri_is_still_404_and_the_new_page_names_the_old_iri(renamed):
    _data, _store, client = renamed
    assert client.get(f"/id/meeting/{OLD}-nothing").status_code == 404
    html = client.get(f"/id/meeting/{NEW}").get_data(as_text=True)
    assert f"/id/meeting/{OLD}" in html.split('id="statements"', 1)[1]


def test_a_former_name_another_record_has_fails_the_build(renamed, validator):
    data, store, _client = renamed
    before = store.current_dir()
    clash = data / "meetings" / f"{OLD}.yaml"  # a new record takes the old name
    clash.write_text("label: X\nbody: csto-ccim\ndate: 2019-06-20\nsources: [mia-en-2019-06-21-ccim-22]\n",
                     encoding="utf-8")
    try:
        with pytest.raises(InvalidRecords) as failed:
            build(data, store, validator)  # incremental: the renamed record is unchanged
    finally:
        clash.unlink()
    texts = [str(p) for p in failed.value.problems]
    assert any(t.startswith(f"meetings/{NEW}.yaml:") and f"'{OLD}' is the name of the record meetings/{OLD}.yaml" in t
               for t in texts), texts
    assert store.current_dir() == before


def test_a_former_name_two_records_list_fails_the_build_and_validate_sees_the_record(renamed, validator):
    data, store, _client = renamed
    other = data / "meetings" / "2019-06-21-other.yaml"
    other.write_text("label: X\nbody: csto-ccim\ndate: 2019-06-21\nsources: [mia-en-2019-06-21-ccim-22]\n"
                     f"former_ids: [{OLD}]\n", encoding="utf-8")
    try:
        report, _ = validate_files([other], data, validator)
        assert report.errors() == []  # validate reads one record: only the build sees both
        with pytest.raises(InvalidRecords) as failed:
            build(data, store, validator)
    finally:
        other.unlink()
    texts = [str(p) for p in failed.value.problems]
    assert any(t.startswith("meetings/2019-06-21-other.yaml:5:") and f"also a former name of meetings/{NEW}.yaml" in t
               for t in texts), texts
    assert any(t.startswith(f"meetings/{NEW}.yaml:") and "also a former name of meetings/2019-06-21-other.yaml" in t
               for t in texts), texts
