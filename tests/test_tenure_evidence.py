"""The tenure evidence a build keeps for the next one: in a file beside the build, one line per record,
read back by an incremental build; the same tenures as a full build after any edit, and a store
built before the file existed (evidence inside the per-record information) still read."""

from __future__ import annotations

import json

import pyoxigraph as ox

from csto_kg.check.build import build
from csto_kg.records import read_records
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.tenure import TENURES_GRAPH, claim_from_row, claim_row, record_evidence

from .conftest import DATA

MEETING = "meetings/2015-12-21-csc-moscow.yaml"  # appoints Bordyuzha Secretary General, again


def _tenures(store: EmbeddedStore) -> list[str]:
    """The quads of the tenures graph, sorted."""
    text = store.reader().dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(str(TENURES_GRAPH))).decode()
    return sorted(text.splitlines())


def _evidence_lines(store: EmbeddedStore) -> dict[str, list]:
    path = store.evidence()
    assert path is not None and path.name == f"{store.build_id()}.evidence.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {name: rows for name, rows in lines}


def _edit(data):
    """Edits that change tenures: an appointment given a later start, a record with evidence removed."""
    meeting = data / MEETING
    text = meeting.read_text(encoding="utf-8")
    decision = "    appointee: nikolai-bordyuzha\n    post: csto-secretary-general\n"
    assert text.count(decision) == 1
    meeting.write_text(text.replace(decision, decision + "    effective_from: 2016-01-01\n"), encoding="utf-8")
    (data / "meetings" / "2015-csc-dushanbe.yaml").unlink()


def test_the_evidence_is_kept_in_a_file_beside_the_build_not_in_the_records(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    records = store.records()
    kept = _evidence_lines(store)
    expected = {f.name: [claim_row(c) for c in record_evidence(f)] for f in read_records(data_copy).files}
    expected = {name: rows for name, rows in expected.items() if rows}
    assert kept == json.loads(json.dumps(expected))  # every record's rows, as JSON keeps them
    assert len(kept) >= 30 and MEETING in kept
    assert all(records[name]["tenure"] == len(kept.get(name, [])) for name in records)  # a count, not the rows


def test_an_incremental_build_after_edits_gives_the_tenures_of_a_full_build(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "inc")
    build(data_copy, store, validator)
    before = _tenures(store)
    _edit(data_copy)
    result = build(data_copy, store, validator)
    assert result.processed == 1  # the edited meeting; the removed one is dropped, the others come from the file
    full = EmbeddedStore(tmp_path / "full")
    build(data_copy, full, validator, incremental=False)
    assert _tenures(store) == _tenures(full) != before
    assert _evidence_lines(store) == _evidence_lines(full)
    assert "meetings/2015-csc-dushanbe.yaml" not in _evidence_lines(store)
    assert build(data_copy, store, validator).processed == 0  # and once more: nothing changed, nothing lost
    assert _tenures(store) == _tenures(full)


def test_a_store_with_the_evidence_in_its_records_is_still_built_on(tmp_path, data_copy, validator):
    """A build from before the evidence file kept each record's claim rows in ``*.records.json``:
    an incremental build reads them there and writes the file."""
    store = EmbeddedStore(tmp_path / "old")
    build(data_copy, store, validator)
    evidence = _evidence_lines(store)
    records = store.records()
    for name, info in records.items():
        info["tenure"] = evidence.get(name, [])
    (store.builds / f"{store.build_id()}.records.json").write_text(json.dumps(records), encoding="utf-8")
    store.evidence().unlink()
    _edit(data_copy)
    assert build(data_copy, store, validator).processed == 1
    full = EmbeddedStore(tmp_path / "full")
    build(data_copy, full, validator, incremental=False)
    assert _tenures(store) == _tenures(full)
    assert _evidence_lines(store) == _evidence_lines(full)
    assert all(isinstance(info["tenure"], int) for info in store.records().values())


def test_a_store_whose_evidence_file_is_gone_is_built_again_whole(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "store")
    first = build(data_copy, store, validator)
    before = _tenures(store)
    store.evidence().unlink()
    again = build(data_copy, store, validator)
    assert again.processed == first.processed == first.records  # everything, not nothing
    assert _tenures(store) == before and store.evidence() is not None


def test_shared_values_give_the_same_claims():
    records = read_records(DATA)
    claims = [c for f in records.files for c in record_evidence(f)]
    shared: dict = {}
    rows = json.loads(json.dumps([claim_row(c) for c in claims]))
    plain = [claim_from_row(row) for row in rows]
    compact = [claim_from_row(row, shared) for row in rows]
    assert compact == plain == claims
    assert len(claims) > 100
    people = {id(c[0]) for c in compact}
    assert len(people) == len({c[0] for c in compact})  # one object per name
