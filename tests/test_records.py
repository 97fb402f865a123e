from __future__ import annotations

from pathlib import Path

import pytest

from csto_kg.records import PartialDate, read_file, read_records
from csto_kg.yamlsafe import Mark

from .conftest import DATA


@pytest.mark.parametrize(
    "text, precision, earliest, latest",
    [("2019", "year", "2019-01-01", "2019-12-31"), ("2020-02", "month", "2020-02-01", "2020-02-29"),
     ("2019-02", "month", "2019-02-01", "2019-02-28"), ("2019-06-20", "day", "2019-06-20", "2019-06-20")],
)
def test_partial_dates(text, precision, earliest, latest):
    date = PartialDate(text, Mark(1, 1))
    assert (date.precision, date.earliest, date.latest) == (precision, earliest, latest)


def test_seed_records_read_without_problems():
    records = read_records(DATA)
    assert records.errors == []
    meeting = next(m for m in records.meetings if m.slug == "2019-06-20-ccim-22")
    assert meeting.session == 22 and meeting.start.text == "2019-06-20"
    assert [d.state.slug for d in meeting.delegations] == ["armenia", "belarus", "kyrgyzstan", "russia", "tajikistan"]
    gorovoy = meeting.participations[0]
    assert gorovoy.person.slug == "aleksandr-gorovoy"
    assert [p.slug for p in gorovoy.posts] == ["csto-ccim-chairman", "russia-mia-first-deputy-minister"]
    assert gorovoy.rank.slug == "police-colonel-general"
    posts_only = [p for p in meeting.participations if p.person is None]
    assert {p.posts[0].slug for p in posts_only} == {"csto-deputy-secretary-general", "iom-moscow-bureau-director"}
    assert meeting.decisions[0].appointee.slug == "valentina-kazakova"
    assert meeting.next_meeting.date.text == "2020" and meeting.next_meeting.host_state.slug == "russia"


def test_single_values_and_lists_are_both_accepted(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: X\nbody: b\ndate: 2019\nsources: s\nparticipations:\n"
                    "  - n: 1\n    post: p\n    roles: attendee\n", encoding="utf-8")
    record = read_file(path, "meetings/2019-01-01-x.yaml")
    assert record.problems == []
    p = record.meeting.participations[0]
    assert p.roles == ["attendee"] and [r.slug for r in p.posts] == ["p"]
    assert [r.slug for r in record.meeting.sources] == ["s"]


def test_missing_file_is_unreadable(tmp_path):
    record = read_file(tmp_path / "nope.yaml", "entities/nope.yaml")
    assert record.unreadable and "cannot be read" in record.problems[0].message


@pytest.mark.parametrize("slug", ["Russia", "rus sia", "russia>", "rus--sia", "-russia", "rus\u0455ia", "росія"])
def test_slugs_that_would_break_an_iri_are_refused(tmp_path, slug):
    path = tmp_path / "states.yaml"
    path.write_text(f'states:\n  - slug: "{slug}"\n    label: X\n', encoding="utf-8")
    record = read_file(path, "entities/states.yaml")
    assert record.entities == []
    assert "expected a slug" in str(record.problems[0]) and record.problems[0].line == 2


def test_empty_entity_file_is_fine(tmp_path: Path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert read_file(path, "entities/empty.yaml").problems == []
