"""Dates that are not exact (EDTF): what records accept, the days each can mean, and the graph they make."""

from __future__ import annotations

import pytest

from csto_kg.check.validate import Validator
from csto_kg.graph.rdfize import rdfize
from csto_kg.graph.names import EDTF, IGO, SCHEMA, TIME, XSD, entity_iri, iri
from csto_kg.graph.terms import Literal
from csto_kg.records import EntityIndex, PartialDate, read_records
from csto_kg.records import dates
from csto_kg.records.yamlsafe import Mark

from .conftest import DATA

# text -> the first and last day it can mean (None: not bounded)
READINGS = [
    ("2018?", "2017-01-01", "2019-12-31"),  # uncertain: widened by a year each way
    ("2018~", "2017-01-01", "2019-12-31"),  # approximate
    ("2018%", "2016-01-01", "2020-12-31"),  # both: twice
    ("2018?-04-26", "2017-04-26", "2019-04-26"),  # the year uncertain, the day stated
    ("201X", "2010-01-01", "2019-12-31"),
    ("2018-XX-06", "2018-01-06", "2018-12-06"),
    ("XXXX-12-06", None, None),  # "6 December, year not stated"
    ("../2025-08-29", None, "2025-08-29"),  # "on or before 29 August 2025"
    ("2019-05-22/..", "2019-05-22", None),
    ("2019-04/2019-06", "2019-04-01", "2019-06-30"),
    ("[2017-04-26, 2018-04-26]", "2017-04-26", "2018-04-26"),  # one of these days
    ("[..2018]", None, "2018-12-31"),
    ("{2017, 2018}", "2017-01-01", "2018-12-31"),
]


@pytest.mark.parametrize("text, earliest, latest", READINGS)
def test_an_edtf_date_is_bounded_by_the_days_it_can_mean(text, earliest, latest):
    date = PartialDate(text, Mark(1, 1))
    assert not date.exact and date.precision is None
    assert (date.earliest, date.latest) == (earliest, latest)


def test_every_kind_of_edtf_date_is_tried():
    assert len(READINGS) == 13


@pytest.mark.parametrize("text, reason", [
    ("2018-04-26T10:00:00", "not an EDTF date"),
    ("2019-21", "a season"),
    ("-0100", "a year outside 1-9999"),
    ("9999?", "a year outside 1-9999"),
    ("2019-02-29~", "not a date that exists"),
    ("XXXX-02-30", "not a date that exists"),
    ("2019-04-26/2018-01-01", "it ends before it begins"),
    ("2019-01-29\n", "not an EDTF date"),
    ("2019 ", "not an EDTF date"),
    ("tomorrow", "not an EDTF date"),
])
def test_what_a_record_cannot_hold(text, reason):
    with pytest.raises(ValueError, match=reason):
        dates.read(text)


@pytest.mark.parametrize("text, day, allowed", [
    ("2019-06", "2019-06-20", True), ("2019-06", "2019", True), ("2019-06", "2019-07-01", False),
    ("[2017-04-26, 2018-04-26]", "2018-04-26", True), ("[2017-04-26, 2018-04-26]", "2017", True),
    ("[2017-04-26, 2018-04-26]", "2017-09", False),  # between the two, but neither
    ("2018-XX-06", "2018-03-06", True), ("2018-XX-06", "2018-03-07", False),
    ("2018?-04-26", "2018-04-26", True), ("2018?-04-26", "2017-04-26", False),  # as written, qualifiers aside
    ("../2025-08-29", "1990", True), ("../2025-08-29", "2025-08-30", False),
    ("XXXX-12-06", "2023-12-06", True), ("XXXX-12-06", "2023-12-07", False),
])
def test_which_days_a_date_can_be(text, day, allowed):
    assert PartialDate(text, Mark(1, 1)).allows(day) is allowed


ENTITIES = """\
sources:
  - slug: undated-report
    publisher: A publisher
    published: ../2025-08-29
states:
  - slug: russia
    label: Russia
people:
  - slug: a-person
    label: A Person
bodies:
  - slug: council
    label: Council
    unit_of: org
organizations:
  - slug: org
    label: Org
    type: intergovernmental
posts:
  - slug: secretary
    label: Secretary
    post_in: council
ranks:
  - slug: general
    label: General
post_holdings:
  - slug: holding
    person: a-person
    post: secretary
    start: 2018?
    end: XXXX-12-06
    sources: [undated-report]
rank_holdings:
  - slug: rank-held
    person: a-person
    rank: general
    date: 201X
    sources: [undated-report]
"""
MEETING = """\
label: A meeting
body: council
date: "[2017-04-26, 2018-04-26]"
end_date: "[2017-04-27, 2018-04-27]"
sources: [undated-report]
decisions:
  - n: 1
    type: appointment
    appointee: a-person
    post: secretary
    effective_from: 2018-XX-06
next_meeting:
  date: 2019~
"""


def test_every_date_field_takes_edtf_and_the_graph_keeps_it_with_its_bounds(tmp_path):
    (tmp_path / "entities").mkdir()
    (tmp_path / "meetings").mkdir()
    (tmp_path / "entities" / "all.yaml").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "meetings" / "2018-04-26-a.yaml").write_text(MEETING, encoding="utf-8")
    records = read_records(tmp_path)
    assert records.errors == []
    index = EntityIndex(records.entities)
    graphs = [rdfize(record, index) for record in records.files]
    triples = {t for g in graphs for t in g.triples}

    def edtf(text):
        return Literal(text, datatype=EDTF)

    def day(text):
        return Literal(text, datatype=XSD.date)

    meeting = entity_iri("meeting", "2018-04-26-a")
    source = entity_iri("source", "undated-report")
    holding = entity_iri("post-holding", "holding")
    expected = {
        (meeting, SCHEMA.startDate, edtf("[2017-04-26, 2018-04-26]")),
        (meeting, SCHEMA.endDate, edtf("[2017-04-27, 2018-04-27]")),
        (meeting, IGO.earliestDate, day("2017-04-26")), (meeting, IGO.latestDate, day("2018-04-27")),
        (source, IGO.latestDate, day("2025-08-29")),  # no earliest: open
        (iri(f"{holding}/start"), IGO.inEDTF, edtf("2018?")),
        (iri(f"{holding}/start"), IGO.earliestDate, day("2017-01-01")),
        (iri(f"{holding}/end"), IGO.inEDTF, edtf("XXXX-12-06")),
        (iri(f"{entity_iri('rank-holding', 'rank-held')}/date"), IGO.inEDTF, edtf("201X")),
        (iri(f"{meeting}/decision/1"), IGO.effectiveFrom, edtf("2018-XX-06")),
        (iri(f"{meeting}/decision/1/post-holding/start"), IGO.earliestDate, day("2018-01-06")),
        (iri(f"{meeting}/next-meeting"), SCHEMA.startDate, edtf("2019~")),
        (iri(f"{meeting}/next-meeting"), IGO.latestDate, day("2020-12-31")),
    }
    assert expected <= triples, expected - triples
    assert (source, IGO.earliestDate) not in {(s, p) for s, p, _o in triples}
    assert not any(p == IGO.earliestDate for s, p, _o in triples if s == iri(f"{holding}/end"))  # year not stated
    assert not any(p == TIME.inXSDDate for s, p, _o in triples if s == iri(f"{holding}/start"))
    validator = Validator()
    types = {}
    for g in graphs:
        for s, p, o in g.triples:
            if str(p).endswith("#type"):
                types.setdefault(s, set()).add(o)
    for g in graphs:
        assert [p for p in validator.validate(g, types) if p.severity == "error"] == []


def test_exact_dates_keep_their_xsd_types_and_gain_bounds():
    records = read_records(DATA)
    index = EntityIndex(records.entities)
    record = next(f for f in records.files if f.name == "meetings/2020-ccim-23.yaml")
    triples = set(rdfize(record, index).triples)
    meeting = entity_iri("meeting", "2020-ccim-23")
    assert (meeting, SCHEMA.startDate, Literal("2020", datatype=XSD.gYear)) in triples
    assert (meeting, IGO.earliestDate, Literal("2020-01-01", datatype=XSD.date)) in triples
    assert (meeting, IGO.latestDate, Literal("2020-12-31", datatype=XSD.date)) in triples
