"""Questions across meetings (tests/queries/cross/*.rq), run on the real records.

Each query's expected result is the .csv beside it (SPARQL CSV results), compared as a set of
rows; every row was checked against the fact sheets the records are curated from.
"""

from __future__ import annotations

import csv
import io

import pytest

from csto_kg.query.sparql import run, serialize

from .conftest import QUERIES

CROSS = QUERIES / "cross"
CASES = sorted(CROSS.glob("*.rq"))


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _key(row: dict) -> list:
    return sorted(row.items())


def test_every_cross_meeting_question_has_a_case():
    assert len(CASES) == 16
    assert {p.stem for p in CASES} == {
        "russian-delegation-heads", "council-secretary-chairman", "secretary-general-on-date",
        "rank-at-meetings", "meetings-per-body-year", "sources-of-fact", "people-with-several-names",
        "meetings-possibly-in-2018", "observers", "documents-adopted", "who-spoke",
        "secretaries-general-over-time", "csc-chairs", "people-with-several-posts",
        "migration-council-meetings", "cis-migration-council-chairs",
    }
    assert all(p.with_suffix(".csv").is_file() for p in CASES)


@pytest.mark.parametrize("query", CASES, ids=lambda p: p.stem)
def test_answer_matches_expected(built_store, query):
    expected = _rows(query.with_suffix(".csv").read_bytes())
    assert expected, "an expected result must not be empty"
    got = _rows(serialize(run(built_store, query.read_text(encoding="utf-8")), "csv"))
    assert sorted(got, key=_key) == sorted(expected, key=_key)


def test_secretary_general_on_a_date_names_one_holder_and_the_acting_one(built_store):
    rows = _rows(serialize(run(built_store, (CROSS / "secretary-general-on-date.rq").read_text(encoding="utf-8")), "csv"))
    by_date = {}
    for row in rows:
        by_date.setdefault(row["date"], []).append((row["person"].rsplit("/", 1)[1], row["acting"]))
    assert all(len(holders) == 1 for holders in by_date.values()), by_date
    assert by_date["2019-06-20"] == [("valery-semerikov", "true")]
    assert by_date["2021-01-01"] == [("stanislav-zas", "false")]


def test_no_russian_head_where_no_sheet_names_one(built_store):
    """The 19th and 21st meetings name no head of the Russian delegation; none is invented."""
    rows = _rows(serialize(run(built_store, (CROSS / "russian-delegation-heads.rq").read_text(encoding="utf-8")), "csv"))
    sessions = sorted(int(r["session"]) for r in rows)
    assert sessions == [22, 23, 24]


def test_a_re_election_is_an_election_and_an_appointment(built_store):
    query = """
    PREFIX igo: <https://w3id.org/csto-kg/ontology#>
    SELECT ?type WHERE { <https://w3id.org/csto-kg/id/meeting/2020-ccim-23/decision/1> a ?type }
    """
    types = {row["type"].rsplit("#", 1)[1] for row in _rows(serialize(run(built_store, query), "csv"))}
    assert types == {"Decision", "Appointment", "Election"}


def test_a_role_curators_added_is_found_through_its_broader_role(built_store):
    """'welcomed' is defined in data/entities/roles.yaml, narrower than 'spoke': asking for who spoke finds it."""
    rows = _rows(serialize(run(built_store, (CROSS / "who-spoke.rq").read_text(encoding="utf-8")), "csv"))
    welcomed = sorted(r["who"].rsplit("/", 1)[1] for r in rows if r["role"].endswith("/role/welcomed"))
    assert welcomed == ["aleksandr-gorovoy", "altynai-omurbekova", "bolotbek-ibraimzhanov", "dmitriy-kobitskiy"]
    assert any(r["who"].endswith("/state/tajikistan") and r["role"].endswith("/role/rapporteur") for r in rows)


def test_the_migration_councils_numbers_rise_with_the_years_and_only_inferred_ones_say_so(built_store):
    """Stated numbers and the one the curator inferred (26, Minsk 2023) come in date order; the
    meetings no source numbers (Bishkek 2015, Minsk 2016) stay unnumbered."""
    rows = _rows(serialize(run(built_store, (CROSS / "migration-council-meetings.rq").read_text(encoding="utf-8")), "csv"))
    numbered = [(int(r["number"]), r["inferred"]) for r in rows if r["number"]]
    assert [n for n, _ in numbered] == sorted(n for n, _ in numbered)
    assert [n for n, inferred in numbered if inferred == "true"] == [26]
    assert [r["meeting"].rsplit("/", 1)[1] for r in rows if not r["number"]] == [
        "2015-11-19-ccim-bishkek", "2016-02-05-ccim-minsk"]


def test_no_chair_of_the_cis_migration_council_where_no_sheet_names_one(built_store):
    """Gorovoy is the only chair the sheets name (2018-2021); the 24th (Yerevan) and 28th
    (Dushanbe) sessions name none, and none is invented."""
    rows = _rows(serialize(run(built_store, (CROSS / "cis-migration-council-chairs.rq").read_text(encoding="utf-8")), "csv"))
    assert {r["person"].rsplit("/", 1)[1] for r in rows} == {"aleksandr-gorovoy"}
    meetings = {r["meeting"].rsplit("/", 1)[1] for r in rows}
    assert "2019-10-11-cis-migration-council-24" not in meetings
    assert "2024-05-28-cis-migration-council-28" not in meetings
