"""The build's per-build summaries (store/summaries.py): the pages read from them what they would count and
sort, and show the same sections as when they ask the store everything."""

from __future__ import annotations

import pytest

from csto_kg.check.build import build, ontology_nquads
from csto_kg.check.pipeline import line_value, record_names
from csto_kg.query.workers import InlineRunner
from csto_kg.store import reconciliation, statements, summaries
from csto_kg.store.statements import Statements
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.web import entity


def test_the_build_writes_its_summaries_beside_it(built_store):
    current = built_store.current_dir()
    found = summaries.read(current)
    assert summaries.path_of(current) == current.with_name(current.name + ".summaries.json")
    assert found is not None and found["version"] == summaries.VERSION
    assert found["section_rows"] == summaries.SECTION_ROWS == entity.SECTION_ROWS
    # the real records name no agent or post in more than a page's section of rows: nothing to summarize yet
    assert found["agents"] == {} and found["posts"] == {}


def test_a_build_is_served_only_once_its_summaries_and_reconciliation_index_are_beside_it(
        tmp_path, data_copy, validator, monkeypatch):
    """A server that reads the new build as soon as it is current finds both files there: before, they
    were written after the switch, and a page asked in between went without its build's summaries."""
    switched = []
    point = EmbeddedStore._point_current_to

    def pointing(self, build):
        switched.append((summaries.read(build) is not None, reconciliation.load(build) is not None))
        point(self, build)

    monkeypatch.setattr(EmbeddedStore, "_point_current_to", pointing)
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)  # a full build: published by its loading
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("session: 22", "session: 23"), encoding="utf-8")
    assert build(data_copy, store, validator).processed == 1  # an incremental one: published by update
    assert switched == [(True, True), (True, True)]


def test_a_summary_of_another_version_is_not_read(tmp_path):
    build = tmp_path / "20260101T000000000000000-1"
    summaries.path_of(build).write_text('{"version": 0, "section_rows": 300, "agents": {}, "posts": {}}')
    assert summaries.read(build) is None
    summaries.path_of(build).write_text("not json")
    assert summaries.read(build) is None
    assert summaries.read(tmp_path / "none") is None


def test_a_summary_that_kept_more_rows_is_read_as_its_latest_rows(built_store, monkeypatch):
    """A build summarized with larger sections (an earlier version's 300 rows) still serves its pages:
    the latest rows of each section are the last ones of its lists; one with smaller sections is not read."""
    monkeypatch.setattr(summaries, "SECTION_ROWS", 5)
    wide = summaries.compute(built_store)
    assert wide["agents"], "the real records have agents with more than 5 rows of a section"
    build = built_store.current_dir()
    own = summaries.path_of(build).read_bytes()
    summaries.write(build, wide)
    monkeypatch.setattr(summaries, "SECTION_ROWS", 3)
    narrow = summaries.compute(built_store)
    read = summaries.read(build)
    assert read["section_rows"] == 3
    trimmed = 0
    for kind in ("agents", "posts"):
        for iri, sections in read[kind].items():
            for name, section in sections.items():
                if name == "holdings":
                    assert section == wide[kind][iri][name]
                    continue
                assert section["latest"] == wide[kind][iri][name]["latest"][-3:]
                assert section["total"] == wide[kind][iri][name]["total"]
                trimmed += len(wide[kind][iri][name]["latest"]) > 3
                if iri in narrow[kind]:
                    assert section == narrow[kind][iri][name], (iri, name)
    assert trimmed > 0
    monkeypatch.setattr(summaries, "SECTION_ROWS", 8)
    assert summaries.read(build) is None  # fewer rows than a page shows: the pages ask the store
    summaries.path_of(build).write_bytes(own)  # the fixture's own summaries again, for the other tests


@pytest.fixture
def small_sections(monkeypatch):
    """Sections of 3 rows, so the real records have agents and posts with more than a section."""
    monkeypatch.setattr(summaries, "SECTION_ROWS", 3)
    monkeypatch.setattr(entity, "SECTION_ROWS", 3)


def test_pages_from_summaries_show_what_the_queries_show(built_store, small_sections):
    found = summaries.compute(built_store)
    reader = entity.PageReader(built_store, InlineRunner(built_store), 0)
    reader._summaries = (built_store.current_dir(), found)  # as read from the build's file
    cases = [(entity.agent_view, iri) for iri in found["agents"]] + [(entity.post_view, iri) for iri in found["posts"]]
    for view, iri in cases:
        assert view(reader, iri) == view(built_store, iri), iri
    assert len(found["agents"]) >= 9 and len(found["posts"]) >= 8, (len(found["agents"]), len(found["posts"]))
    held = [post for post, entry in found["posts"].items() if entry["holdings"]]
    assert held, "a post with more than 3 participations and a post-holding"
    russia = found["agents"][entity.ID + "state/russia"]
    assert russia["participations"]["total"] > 3 and len(russia["participations"]["latest"]) == 3
    assert all(how for _, how in russia["meetings"]["latest"])


def test_a_page_without_a_summary_file_asks_the_store(built_store, small_sections, tmp_path):
    reader = entity.PageReader(built_store, InlineRunner(built_store), 0)
    reader._summaries = (built_store.current_dir(), {})  # a build made before summaries
    iri = entity.ID + "state/russia"
    assert reader.summary(iri) is None
    assert entity.agent_view(reader, iri)["totals"]["participations"] > 3


def test_the_records_parts_merged_are_what_the_queries_compute(built_store, small_sections):
    """The build merges each record's part (kept beside the build, a line each) instead of asking the store."""
    parts = [line_value(line) for _name, line in record_names(built_store.statements())]
    assert len(parts) == built_store.manifest()["record_count"] and all(parts)
    every = [*parts, statements.nquads_part(ontology_nquads())]
    merged = summaries.merge(Statements(every))
    assert merged == summaries.compute(built_store)
    assert statements.fold(every, every, summaries.Fold()) == [merged]  # a part at a time, as the build does
    assert len(merged["agents"]) >= 9 and len(merged["posts"]) >= 8


def test_the_summaries_file_is_what_the_queries_compute(built_store):
    assert summaries.read(built_store.current_dir()) == summaries.compute(built_store)


def test_an_incremental_builds_summaries_are_a_full_builds(tmp_path, data_copy, validator, small_sections):
    """And so is its reconciliation index: both are merged from the records' parts, the unchanged ones' kept."""
    store = EmbeddedStore(tmp_path / "incremental")
    build(data_copy, store, validator)
    before = summaries.read(store.current_dir())
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    delegation = "  - state: armenia\n    sources: [mia-en-2019-06-21-ccim-22, newskitchen-en-2019-06-21-ccim-22]\n"
    text = meeting.read_text(encoding="utf-8")
    assert delegation in text
    meeting.write_text(text.replace(delegation, "", 1), encoding="utf-8")  # one delegation fewer
    (data_copy / "meetings" / "2025-11-27-csc-bishkek.yaml").unlink()  # the latest meeting gone
    assert build(data_copy, store, validator).processed == 1
    full = EmbeddedStore(tmp_path / "full")
    build(data_copy, full, validator, incremental=False)
    after = summaries.read(store.current_dir())
    assert after == summaries.read(full.current_dir()) == summaries.compute(store) == summaries.compute(full)
    assert after != before and len(after["agents"]) >= 9
    armenia = entity.ID + "state/armenia"
    assert after["agents"][armenia]["delegations"]["total"] == before["agents"][armenia]["delegations"]["total"] - 1
    bishkek = entity.ID + "meeting/2025-11-27-csc-bishkek"
    def listing(found):
        return {agent for agent, entry in found["agents"].items() if any(m == bishkek for m, _ in entry["meetings"]["latest"])}
    assert listing(before) and not listing(after)
    names = reconciliation.load(store.current_dir())
    assert names == reconciliation.load(full.current_dir()) == reconciliation.entities(reconciliation.tsv(store))
    assert not any(m.endswith("2025-11-27-csc-bishkek") for e in names for m in e["meetings"]) and len(names) > 200


def test_a_build_whose_records_have_no_parts_is_followed_by_a_full_one(tmp_path, data_copy, validator):
    """A store whose file of the records' parts is gone: the next build processes every record again."""
    store = EmbeddedStore(tmp_path / "store")
    first = build(data_copy, store, validator)
    store.statements().unlink()
    again = build(data_copy, store, validator)
    assert again.processed == first.processed == first.records
    assert sum(1 for _line in record_names(store.statements())) == again.records
    assert summaries.read(store.current_dir()) == summaries.compute(store)


def test_a_build_that_kept_the_parts_in_its_records_information_is_followed_by_an_incremental_one(
        tmp_path, data_copy, validator):
    """A store built when each record's part was kept in its build information (``records.json``), with no
    file of parts: the next build reads the unchanged records' parts from there, and keeps them apart."""
    import json

    store = EmbeddedStore(tmp_path / "store")
    first = build(data_copy, store, validator)
    path = store.current_dir().with_name(store.current_dir().name + ".records.json")
    records = json.loads(path.read_text(encoding="utf-8"))
    for name, line in record_names(store.statements()):
        records[name]["statements"] = statements.text(line_value(line))  # as such a build kept it: the part's JSON text
    path.write_text(json.dumps(records), encoding="utf-8")
    store.statements().unlink()
    meeting = sorted((data_copy / "meetings").glob("*.yaml"))[-1]
    meeting.write_text(meeting.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = build(data_copy, store, validator)
    assert again.processed == 1 and first.processed == first.records == again.records
    assert not any("statements" in info for info in store.records().values())
    assert sum(1 for _line in record_names(store.statements())) == again.records
    assert summaries.read(store.current_dir()) == summaries.compute(store)
    assert reconciliation.load(store.current_dir()) == reconciliation.entities(reconciliation.tsv(store))
