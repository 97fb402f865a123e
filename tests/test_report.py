"""The data-quality report (csto_kg.query.report, `csto-kg report`).

tests/fixtures/report-records/ holds a small records folder in which each finding occurs
exactly once; the real records are checked for the findings the curation should never produce.
"""

from __future__ import annotations

import json

import pytest

from csto_kg.check.build import build
from csto_kg.cli import main
from csto_kg.query.report import SECTIONS, build_report, overlapping_holdings, rank_decreases
from csto_kg.store.embedded import EmbeddedStore

from .conftest import FIXTURES

ID = "https://w3id.org/csto-kg/id/"


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory, validator) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path_factory.mktemp("report") / "store")
    build(FIXTURES / "report-records", store, validator)
    return store


@pytest.fixture(scope="module")
def findings(fixture_store):
    return build_report(fixture_store).as_json()


def test_every_section_is_reported(findings):
    assert list(findings) == list(SECTIONS)


def test_counts_by_class(findings):
    counts = {row["class"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]: row["count"] for row in findings["counts"]}
    assert counts["Meeting"] == 2
    assert counts["Participation"] == 2
    assert counts["Person"] == 2
    assert counts["Membership"] == 2
    assert "Class" not in counts  # the ontology graph is not counted


def test_entities_without_qid(findings):
    assert [row["entity"] for row in findings["without_qid"]] == [ID + "state/armenia"]


def test_facts_resting_on_a_single_source(findings):
    rows = findings["single_source"]
    assert [(row["fact"], row["source"]) for row in rows] == [
        (ID + "meeting/2020-05-01-council-1/decision/1", ID + "source/report-a"),
        (ID + "meeting/2020-05-01-council-1/participation/1", ID + "source/report-a")]


def test_facts_resting_on_one_excerpt_only_source(findings):
    assert [(row["fact"], row["source"]) for row in findings["excerpt_only"]] == [
        (ID + "meeting/2020-05-01-council-1/decision/1", ID + "source/report-a"),
        (ID + "meeting/2020-05-01-council-1/participation/1", ID + "source/report-a")]


def test_disagreements_keep_both_statements_with_their_sources(findings):
    rows = findings["disagreements"]
    assert [(r["what"], r["fact"], r["sources"], r["other"], r["other_sources"]) for r in rows] == [
        ("stated otherwise", ID + "meeting/2020-05-01-council-1/decision/1", ID + "source/report-a",
         ID + "meeting/2020-05-01-council-1/decision/1/alternative/1", ID + "source/report-b"),
        ("same session number", ID + "meeting/2020-05-01-council-1", "",
         ID + "meeting/2020-06-01-council-1-again", ""),
    ]
    assert rows[1]["statement"] == "session 1 of body/council"


def test_qid_candidates(findings):
    assert [(r["entity"], r["candidate"], r["linked"], r["evidence"]) for r in findings["qid_candidates"]] == [
        (ID + "state/armenia", "http://www.wikidata.org/entity/Q399", None, "Found in one secondary source only.")]


def test_facts_with_inferred_dates(findings):
    facts = {row["fact"] for row in findings["inferred_dates"]}
    assert facts == {ID + "meeting/2020-05-01-council-1", ID + "source/report-b"}


def test_rank_going_down(findings):
    assert len(findings["rank_decreases"]) == 1
    row = findings["rank_decreases"][0]
    assert row["person"] == ID + "person/anna-one"
    assert (row["rank"], row["later_rank"]) == (ID + "rank/senior-rank", ID + "rank/junior-rank")
    assert (row["date"], row["later_date"]) == ("2019-03-01", "2020-05-01")


def test_overlapping_holders(findings):
    assert len(findings["overlapping_holdings"]) == 1
    row = findings["overlapping_holdings"][0]
    assert {row["person"], row["other_person"]} == {ID + "person/anna-one", ID + "person/boris-two"}
    assert row["open_ended"] is True


def test_tenure_conflicts_say_where_each_piece_of_evidence_is_written(findings):
    assert findings["tenure_conflicts"] == [{
        "message": "anna-one and boris-two both hold the single-holder post council-secretary on 2019-06-30",
        "evidence_at": ["entities/entities.yaml:53", "entities/entities.yaml:59"]}]


def test_partial_dates_are_compared_by_every_day_they_can_mean():
    # Held until 2 Nov 2018; the next holding starts some day in November 2018: not certainly overlapping.
    holdings = [
        {"holding": "a", "post": "p", "person": "x", "start": "2017-05-02", "end": "2018-11-02"},
        {"holding": "b", "post": "p", "person": "y", "start": "2018-11", "end": "2019"},
        {"holding": "c", "post": "p", "person": "z", "start": "2020-01-01", "end": None},
        {"holding": "d", "post": "p", "person": "w", "start": None, "end": "2017-05-02"},
    ]
    assert overlapping_holdings(holdings) == []
    # An open-ended holding from June 2019 certainly overlaps the one from 2020, but not one that ends "in 2019".
    holdings.append({"holding": "e", "post": "p", "person": "v", "start": "2019-06", "end": None})
    assert {(r["holding"], r["other_holding"]) for r in overlapping_holdings(holdings)} == {("e", "c")}
    # A rank seen in 2019 (any day) and a lower one on a day within 2019 cannot be ordered.
    seen = [{"person": "x", "rank": "hi", "seniority": 2, "date": "2019", "evidence": "1"},
            {"person": "x", "rank": "lo", "seniority": 1, "date": "2019-05-01", "evidence": "2"}]
    assert rank_decreases(seen) == []
    seen[1]["date"] = "2020-01-01"
    assert len(rank_decreases(seen)) == 1
    # An EDTF date is compared by its bounds from the graph: one of 26 April 2017 and 2018 is not
    # certainly before 1 January 2018; "on or before 2016-12-31" is.
    seen[0].update(date="[2017-04-26, 2018-04-26]", date_earliest="2017-04-26", date_latest="2018-04-26")
    seen[1]["date"] = "2018-01-01"
    assert rank_decreases(seen) == []
    seen[0].update(date="../2016-12-31", date_earliest=None, date_latest="2016-12-31")
    assert len(rank_decreases(seen)) == 1


def test_real_records_have_no_rank_going_down(built_store):
    findings = build_report(built_store).as_json()
    assert findings["rank_decreases"] == []
    acting = [r for r in findings["inferred_dates"] if r["fact"].endswith("semerikov-csto-secretary-general-acting")]
    assert len(acting) == 1


def test_real_records_disagreements_and_candidates(built_store):
    """The January 2022 defence ministers' document (a decision to ARMENPRESS, a statement to Trend)
    and Masadykov's appointment (made at the 27 November 2025 session; already "appointed" in 24.kg
    before it) are listed with each side's sources; the medium-confidence QIDs are candidates."""
    findings = build_report(built_store).as_json()
    stated = {(r["fact"].rsplit("/id/", 1)[1], r["sources"].rsplit("/", 1)[1], r["other_sources"].rsplit("/", 1)[1])
              for r in findings["disagreements"] if r["what"] == "stated otherwise"}
    assert stated == {
        ("meeting/2022-01-13-cdm-extraordinary-videoconference/decision/1", "armenpress-en-2022-01-13-cdm-extraordinary",
         "trend-en-2022-01-13-cdm-peacekeepers-withdrawal"),
        ("meeting/2025-11-27-csc-bishkek/decision/2", "eccis-en-2025-11-csc-bishkek", "24kg-en-2025-11-masadykov-csto-sg")}
    assert {r["candidate"].rsplit("/", 1)[1] for r in findings["qid_candidates"]} == {"Q1418873", "Q1017314", "Q487413", "Q649"}
    excerpt = {r["source"].rsplit("/", 1)[1] for r in findings["excerpt_only"]}
    assert "odkb-en-2023-11-23-csc-minsk" not in excerpt and "eccis-en-2025-11-csc-bishkek" in excerpt


def test_cli_prints_json(runner, fixture_store):
    result = runner.invoke(main, ["report", "--store", str(fixture_store.path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {name: len(rows) for name, rows in doc.items() if name != "counts"} == {
        "without_qid": 1, "single_source": 2, "inferred_dates": 2, "rank_decreases": 1, "overlapping_holdings": 1,
        "tenure_conflicts": 1, "excerpt_only": 2, "disagreements": 2, "qid_candidates": 1}


def test_cli_prints_tables(runner, fixture_store):
    result = runner.invoke(main, ["report", "--store", str(fixture_store.path)])
    assert result.exit_code == 0, result.output
    assert "== Posts with overlapping holders (1)" in result.output
    assert "== Conflicting evidence of who held a post (tenure reasoning) (1)" in result.output
    assert "entities/entities.yaml:53, entities/entities.yaml:59" in result.output
    assert "person/anna-one" in result.output
    assert "== Entities without a Wikidata QID (1)" in result.output


def test_cli_without_a_store_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["report", "--store", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "csto-kg build" in result.output
