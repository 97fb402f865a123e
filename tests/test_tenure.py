"""Tenures reasoned from every piece of evidence: on the real records and on a small synthetic set."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from csto_kg.cli import main
from csto_kg.records import read_records
from csto_kg.tenure import derive, holders, tenure_nquads

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def real():
    records = read_records(DATA)
    assert not records.errors
    return derive(records)


def _people(found):
    return [(t.person, how) for t, how in found]


def test_kirillova_is_secretary_of_the_migration_council_on_2018_02_14(real):
    tenures, _ = real
    found = holders(tenures, "csto-ccim-secretary", "2018-02-14")
    assert _people(found) == [("olga-kirillova", "certainly")]
    (t, _), = found
    assert t.start_basis == "attested" and t.files == ["meetings/2018-02-14-nelegal-hq.yaml"]
    assert t.sources == ["ksbnm-en-2018-02-14-nelegal-hq"]
    # Kazakova's appointment (2019-06-20) ends her open tenure: the post has one holder at a time
    assert (t.latest_end, t.end_basis) == ("2019-06-20", "succession")


def test_semerikov_is_acting_not_substantive_secretary_general_on_2019_06_01(real):
    tenures, _ = real
    assert holders(tenures, "csto-secretary-general", "2019-06-01") == []
    assert _people(holders(tenures, "csto-secretary-general", "2019-06-01", acting=True)) == \
        [("valery-semerikov", "certainly")]


def test_zas_holds_it_on_2020_06_01(real):
    tenures, _ = real
    found = holders(tenures, "csto-secretary-general", "2020-06-01")
    assert _people(found) == [("stanislav-zas", "certainly")]
    (t, _), = found
    assert (t.earliest_start, t.latest_start, t.start_basis) == ("2020-01-01", "2020-01-01", "appointment")


def test_the_secretary_generals_in_turn(real):
    tenures, _ = real
    rows = [(t.person, t.earliest_start, t.latest_start, t.earliest_end, t.latest_end, t.start_basis, t.end_basis)
            for t, _ in holders(tenures, "csto-secretary-general")]
    assert rows == [
        # Asbarez still names him on 2016-12-26; by 2017-04-14 Naviny.by has Semerikov acting
        ("nikolai-bordyuzha", "2003-01-01", "2003-12-31", "2016-12-26", "2017-04-14", "stated", "stated"),
        ("yuri-khachaturov", "2017-05-02", "2017-05-02", "2018-11-02", "2018-11-02", "stated", "stated"),
        # last attested at the Yerevan joint meeting; Tasmagambetov's appointment is "in 2023"
        ("stanislav-zas", "2020-01-01", "2020-01-01", "2022-11-23", "2023-01-01", "appointment", "succession"),
        # 24.kg: since January 2023; last attested at the Bishkek session of 2025-11-27
        ("imangali-tasmagambetov", "2023-01-01", "2023-01-31", "2025-11-27", "2026-01-01", "stated", "succession"),
        # the Council appointed him for 1 January 2026 - 31 December 2028 (CIS Executive Committee)
        ("taalatbek-masadykov", "2026-01-01", "2026-01-01", "2028-12-31", "2028-12-31", "stated", "stated"),
    ]


def test_the_secretary_general_has_one_substantive_holder_at_a_time_2003_to_2028(real):
    tenures, conflicts = real
    day, days, held = date(2003, 1, 1), 0, set()
    while day <= date(2028, 12, 31):
        certain = [t.person for t, how in holders(tenures, "csto-secretary-general", day.isoformat()) if how == "certainly"]
        assert len(certain) <= 1, (day, certain)
        held.update(certain)
        day, days = day + timedelta(days=1), days + 1
    assert days == 9497
    assert held == {"nikolai-bordyuzha", "yuri-khachaturov", "stanislav-zas", "imangali-tasmagambetov",
                    "taalatbek-masadykov"}
    assert not [c for c in conflicts if "csto-secretary-general" in c.message]


@pytest.mark.parametrize("post", ["csto-ccim-chairman", "csto-ccim-secretary"])
def test_the_councils_chairman_and_secretary_have_one_holder_at_a_time(real, post):
    tenures, conflicts = real
    day, days = date(2015, 1, 1), 0
    while day <= date(2025, 12, 31):
        certain = [t.person for t, how in holders(tenures, post, day.isoformat()) if how == "certainly"]
        assert len(certain) <= 1, (day, certain)
        day, days = day + timedelta(days=1), days + 1
    assert days == 4018
    assert not [c for c in conflicts if post in c.message]


def test_the_real_records_have_no_tenure_conflicts(real):
    assert real[1] == []


SYNTHETIC = {
    "entities/all.yaml": """\
sources:
  - slug: src-a
    title: A report
    publisher: A publisher
    published: 2020-01-01
    url: https://example.org/a
    language: en
organizations:
  - slug: org-x
    label: Organization X
    type: intergovernmental
    wikidata: not-stated
bodies:
  - slug: council-x
    label: Council X
    unit_of: org-x
posts:
  - slug: head-x
    label: Head of X
    post_in: org-x
    single_holder: true
  - slug: deputy-x
    label: Deputy of X
    post_in: org-x
people:
  - {slug: anna, label: Anna, wikidata: not-stated}
  - {slug: boris, label: Boris, wikidata: not-stated}
  - {slug: clara, label: Clara, wikidata: not-stated}
  - {slug: dmitri, label: Dmitri, wikidata: not-stated}
  - {slug: eva, label: Eva, wikidata: not-stated}
post_holdings:
  - {slug: anna-head, person: anna, post: head-x, start: 2010-03, sources: [src-a]}
  - {slug: clara-head, person: clara, post: head-x, start: 2016-01-01, end: 2017-12-31, sources: [src-a]}
  - {slug: dmitri-head, person: dmitri, post: head-x, start: 2017-06-01, sources: [src-a]}
""",
    "meetings/2014-05-20-council-x-1.yaml": """\
label: First meeting of Council X
body: council-x
date: 2014-05-20
sources: [src-a]
participations:
  - n: 1
    person: eva
    roles: [attendee]
    post: deputy-x
  - n: 2
    person: boris
    roles: [attendee]
    acting_post: deputy-x
decisions:
  - n: 1
    type: appointment
    appointee: boris
    post: head-x
    effective_from: 2015-01-01
  - n: 2
    type: appointment
    appointee: eva
    post: deputy-x
    effective_from: 2016-02-01
""",
}


@pytest.fixture
def synthetic(tmp_path):
    for name, text in SYNTHETIC.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    records = read_records(tmp_path)
    assert not records.errors, records.errors
    return tmp_path, records


def test_a_synthetic_set_gives_exactly_the_expected_tenures(synthetic):
    _, records = synthetic
    tenures, conflicts = derive(records)
    rows = [(t.person, t.post, t.acting, t.earliest_start, t.latest_start, t.earliest_end, t.latest_end,
             t.start_basis, t.end_basis) for t in tenures]
    assert rows == [
        # open, ended by the next holder's appointment (succession)
        ("anna", "head-x", False, "2010-03-01", "2010-03-31", "2010-03-31", "2015-01-01", "stated", "succession"),
        ("boris", "deputy-x", True, None, "2014-05-20", "2014-05-20", None, "attested", "attested"),
        ("boris", "head-x", False, "2015-01-01", "2015-01-01", "2015-01-01", "2016-01-01", "appointment", "succession"),
        ("clara", "head-x", False, "2016-01-01", "2016-01-01", "2017-12-31", "2017-12-31", "stated", "stated"),
        ("dmitri", "head-x", False, "2017-06-01", "2017-06-01", "2017-06-01", None, "stated", "stated"),
        # attested only: the appointment after it cannot be its start
        ("eva", "deputy-x", False, None, "2014-05-20", "2014-05-20", None, "attested", "attested"),
    ]
    assert [(c.message, c.files) for c in conflicts] == [
        ("eva is attested as deputy-x on 2014-05-20, before being appointed to it from 2016-02-01",
         ["meetings/2014-05-20-council-x-1.yaml"]),
        ("clara and dmitri both hold the single-holder post head-x on 2017-06-01", ["entities/all.yaml"]),
    ]
    # each conflict says where its evidence is written, line by line
    assert all(len(c.places) == 2 and all(p.rsplit(":", 1)[1].isdigit() for p in c.places) for c in conflicts)
    text = tenure_nquads(tenures, conflicts)
    assert text.count("<https://w3id.org/csto-kg/graph/tenures> .\n") == len(text.splitlines())
    assert "<https://w3id.org/csto-kg/ontology#actingPost> <https://w3id.org/csto-kg/id/post/deputy-x>" in text
    assert text.count("ontology#TenureConflict>") == 2


def test_holders_command(synthetic, runner):
    folder, _ = synthetic
    result = runner.invoke(main, ["holders", "head-x", "--on", "2015-01-01", "--data", str(folder)])
    assert result.exit_code == 0, result.output
    # the day Anna's tenure may have ended by and Boris's certainly began
    assert result.output.startswith("anna (possibly): from 2010-03-01..2010-03-31 (stated) until 2010-03-31..2015-01-01 (succession)")
    assert "\nboris (certainly): from 2015-01-01 (appointment) until 2015-01-01..2016-01-01 (succession)\n" in result.output
    result = runner.invoke(main, ["holders", "head-x", "--on", "2015-12-31", "--format", "json", "--data", str(folder)])
    assert [(row["person"], row["on"]) for row in json.loads(result.output)] == [("boris", "possibly")]
    result = runner.invoke(main, ["holders", "deputy-x", "--acting", "--format", "json", "--data", str(folder)])
    assert [(row["person"], row["acting"], row["sources"]) for row in json.loads(result.output)] == [("boris", True, ["src-a"])]
    result = runner.invoke(main, ["holders", "no-such-post", "--data", str(folder)])
    assert result.exit_code == 2 and "'no-such-post' is not a post" in result.output
    result = runner.invoke(main, ["holders", "head-x", "--on", "2015", "--data", str(folder)])
    assert result.exit_code == 2 and "expected YYYY-MM-DD" in result.output


def test_spells_apart_when_another_holder_certainly_held_the_post_between():
    from csto_kg.tenure import Evidence, reason, tenure_nquads

    def held(day, file="meetings/x.yaml", line=1):
        return Evidence("attested", file, line, ["s"], held=(day, day), node=f"urn:x:{day}")

    claims = [("xenia", "head", True, held("2014-05-20")), ("xenia", "head", True, held("2016-06-01", line=2)),
              ("yuri", "head", False, Evidence("stated", "entities/h.yaml", 3, ["s"], start=("2015-01-01", "2015-01-01"),
                                                end=("2015-12-31", "2015-12-31"), node="urn:y")),
              # someone else acting in another post is no reason to split
              ("zoe", "deputy", True, held("2014-01-01")), ("zoe", "deputy", True, held("2016-01-01"))]
    tenures, conflicts = reason(claims, {"head"})
    spells = [(t.person, t.post, t.spell, t.latest_start, t.latest_end, t.end_basis) for t in tenures if t.acting]
    assert spells == [("xenia", "head", 1, "2014-05-20", "2015-01-01", "succession"),
                      ("xenia", "head", 2, "2016-06-01", None, "attested"),
                      ("zoe", "deputy", 1, "2014-01-01", None, "attested")]
    text = tenure_nquads(tenures, conflicts)
    assert "<https://w3id.org/csto-kg/id/tenure/xenia/head/acting>" in text
    assert "<https://w3id.org/csto-kg/id/tenure/xenia/head/acting/2>" in text
    assert not conflicts


def test_semerikov_acted_twice_with_khachaturov_between(real):
    tenures, _ = real
    acting = [(t.spell, t.latest_start, t.latest_end) for t, _ in holders(tenures, "csto-secretary-general", acting=True)]
    assert acting == [(1, "2017-04-14", "2017-05-02"), (2, "2018-11-08", "2019-12-31")]
