"""The compiled shape checker reports exactly what pySHACL reports."""

from __future__ import annotations

import random

import pytest
from csto_kg.graph.terms import IRI as URIRef, Literal

from csto_kg.graph.rdfize import RecordGraph
from csto_kg.records import read_records
from csto_kg.check.validate import entity_types
from csto_kg.graph.names import EDTF, IGO, RDF, RDFS, XSD, entity_iri

from .conftest import DATA, FIXTURES, record_graphs

SEED = FIXTURES / "seed-data"
MUTATIONS_PER_RECORD = 40


def _key(results):
    return sorted({(str(r.focus), str(r.path), str(r.value), str(r.component), str(r.severity), r.message)
                   for r in results})


def _records(folder=SEED):
    """The record graphs of a folder, and the classes of what they reference: the entities of the
    records and the concepts of the ontology (the roles of roles.ttl, the kinds of document)."""
    from csto_kg.check.validate import Validator

    graphs = record_graphs(read_records(folder))
    return graphs, {**Validator().vocabulary, **entity_types(graphs)}


def _mutants(record: RecordGraph, rng: random.Random, extra: tuple = ()):
    """Copies of a record graph with one thing broken each (``extra``: more wrong things to put in)."""
    wrong_things = [entity_iri("place", "cholpon-ata"), entity_iri("state", "russia"), entity_iri("person", "nobody"),
                    Literal("a text"), Literal("22", datatype=XSD.integer), Literal("2019-06", datatype=XSD.gYearMonth),
                    Literal("x", lang="ru"), URIRef("http://www.wikidata.org/entity/banana"), entity_iri("role", "king"),
                    entity_iri("role", "spoke"), entity_iri("document-kind", "plan"), entity_iri("body", "csto-ccim"),
                    *extra]
    for i in range(MUTATIONS_PER_RECORD):
        triples = list(record.triples)
        k = rng.randrange(len(triples))
        s, p, o = triples[k]
        how = i % 4
        if how == 0:
            del triples[k]
        elif how == 1:
            triples[k] = (s, p, rng.choice(wrong_things))
        elif how == 2:
            triples.append((s, p, rng.choice(wrong_things)))
        else:
            triples = [t for t in triples if not (t[0] == s and t[1] in (RDF.type, RDFS.label, IGO.role))] + \
                [(s, RDF.type, rng.choice([IGO.Participation, IGO.Meeting, IGO.Delegation, IGO.Appointment,
                                           IGO.Adoption, IGO.Document, IGO.Absence, IGO.Role]))]
        mutant = RecordGraph(record.name, record.iri)
        for t in triples:
            mutant.add(t)
        mutant.locations = record.locations
        yield mutant


def test_seed_fixture_is_the_seed():
    assert len(list(SEED.rglob("*.yaml"))) == 7


SEED_CASES = ["meetings/2019-06-20-ccim-22", "entities/states", "entities/organizations", "entities/places",
              "entities/people", "entities/ranks", "entities/sources"]
# records of data/ with what the seed has not: an absence, documents adopted, unnamed representatives
# and observers, roles of the data, a post held on a date
DATA_CASES = ["meetings/2018-04-26-ccim-21", "meetings/2020-12-02-csc-videoconference",
              "meetings/2021-02-18-cis-migration-council-25", "meetings/2019-11-27-cfm-cdm-cssc-bishkek",
              "entities/roles", "entities/holdings"]


@pytest.mark.parametrize("name", [*SEED_CASES, *(f"data:{n}" for n in DATA_CASES)])
def test_same_results_as_pyshacl(validator, name):
    folder, name = (DATA, name[5:]) if name.startswith("data:") else (SEED, name)
    graphs, types = _records(folder)
    record = next(g for g in graphs if g.name == name)
    rng = random.Random(name)
    cases = [record, *_mutants(record, rng)]
    disagreements = []
    fired = 0
    for case in cases:
        subjects = {t[0] for t in case.triples}
        compiled = _key(validator.checker.check(case.triples, types, subjects))
        reference = _key(validator.pyshacl_results(case, types)[0])
        fired += bool(reference)
        if compiled != reference:
            disagreements.append((compiled, reference))
    assert len(cases) == MUTATIONS_PER_RECORD + 1
    assert fired >= MUTATIONS_PER_RECORD // 3, "the mutations should break something"
    assert not disagreements, disagreements[0]


def test_class_check_uses_referenced_types(validator):
    graphs, types = _records()
    record = next(g for g in graphs if g.name == "meetings/2019-06-20-ccim-22")
    types = dict(types)
    types[entity_iri("body", "csto-ccim")] = {IGO.State}
    results = validator.checker.check(record.triples, types, {t[0] for t in record.triples})
    assert [(r.path, r.value) for r in results if r.severity.endswith("Violation")] == [
        (IGO.body, entity_iri("body", "csto-ccim"))]


def test_the_data_cases_hold_the_new_shapes_targets():
    """The differential test above runs on records that hold every class the newer shapes target."""
    graphs, _types = _records(DATA)
    held = {o for g in graphs if g.name in DATA_CASES for _s, p, o in g.triples if p == RDF.type}
    assert {IGO.Absence, IGO.Adoption, IGO.Document, IGO.Role} <= held
    assert len(DATA_CASES) == 6


EDTF_RECORDS = {
    "entities/all.yaml": """\
sources:
  - slug: report
    publisher: A publisher
    published: ../2025-08-29
people:
  - slug: a-person
    label: A Person
organizations:
  - slug: org
    label: Org
    type: intergovernmental
bodies:
  - slug: council
    label: Council
    unit_of: org
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
    end: 2019-XX-06
    sources: [report]
  - slug: holding-on-a-date
    person: a-person
    post: secretary
    date: 2017?
    sources: [report]
rank_holdings:
  - slug: rank-held
    person: a-person
    rank: general
    date: 201X
    sources: [report]
""",
    "meetings/2018-04-26-a.yaml": """\
label: A meeting
body: council
date: "[2017-04-26, 2018-04-26]"
end_date: 2018~
sources: [report]
former_ids: [2018-04-26-old-name]
decisions:
  - n: 1
    type: appointment
    appointee: a-person
    post: secretary
    effective_from: 2018-XX-06
next_meeting:
  date: ../2019
""",
}


@pytest.mark.parametrize("name", ["meetings/2018-04-26-a", "entities/all"])
def test_same_results_as_pyshacl_for_edtf_dates_and_former_names(validator, tmp_path, name):
    for file, text in EDTF_RECORDS.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text(text, encoding="utf-8")
    records = read_records(tmp_path)
    assert records.errors == []
    graphs = record_graphs(records)
    types = {**validator.vocabulary, **entity_types(graphs)}  # the concepts of the ontology too (roles)
    record = next(g for g in graphs if g.name == name)
    wrong = (Literal("2018?", datatype=EDTF), Literal("2018-04-26", datatype=XSD.date), Literal("2018"),
             entity_iri("meeting", "Not A Name"), entity_iri("person", "a-person"))
    rng = random.Random(name)
    cases = [record, *_mutants(record, rng, wrong)]
    disagreements = []
    fired = 0
    for case in cases:
        subjects = {t[0] for t in case.triples}
        compiled = _key(validator.checker.check(case.triples, types, subjects))
        reference = _key(validator.pyshacl_results(case, types)[0])
        fired += bool(reference)
        if compiled != reference:
            disagreements.append((compiled, reference))
    assert len(cases) == MUTATIONS_PER_RECORD + 1
    assert fired >= MUTATIONS_PER_RECORD // 4, "the mutations should break something"
    assert not disagreements, disagreements[0]


def _targeted(record: RecordGraph):
    """Copies of a record graph that break the rules of acting posts, own words and values not stated."""
    from csto_kg.graph.names import ORG, SKOS

    def copy(triples):
        mutant = RecordGraph(record.name, record.iri)
        for t in triples:
            mutant.add(t)
        mutant.locations = record.locations
        return mutant

    triples = list(record.triples)
    for s, p, o in triples:
        if p == IGO.actingPost:
            yield copy(triples + [(s, IGO.post, o)])  # held and acting at once: sh:disjoint, sh:xone
        elif p == IGO.notStated:
            yield copy([t for t in triples if t != (s, p, o)])  # the warning comes back
            yield copy([t for t in triples if t != (s, p, o)] + [(s, p, SKOS.exactMatch if o == IGO.rank else IGO.rank)])
        elif p in (IGO.postAsStated, IGO.roleAsStated):
            yield copy([t for t in triples if t != (s, p, o)] + [(s, p, Literal(str(o)))])  # no language
        elif p == IGO.sessionNumber:
            yield copy(triples + [(s, IGO.inferredSessionNumber, o)])  # stated and inferred: sh:disjoint
            yield copy([t for t in triples if t != (s, p, o)] + [(s, IGO.inferredSessionNumber, Literal("x"))])
        elif p == RDF.type and o == ORG.Membership:
            yield copy([t for t in triples if not (t[0] == s and t[1] in (IGO.post, IGO.actingPost))])
        elif p == RDF.type and o in (IGO.State, IGO.Place):
            matched = [t for t in triples if t[0] == s and t[1] == SKOS.exactMatch]
            if matched:
                yield copy([t for t in triples if t not in matched])  # the warning appears
            else:
                yield copy(triples + [(s, IGO.notStated, SKOS.exactMatch)])  # the warning goes


REAL_RECORDS = ["meetings/2018-11-08-csc-astana", "meetings/2019-06-20-ccim-22", "meetings/2020-12-02-csc-videoconference",
                "entities/holdings", "entities/places", "entities/states"]


@pytest.mark.parametrize("name", REAL_RECORDS)
def test_same_results_as_pyshacl_on_acting_posts_own_words_and_values_not_stated(validator, name):
    from .conftest import DATA

    graphs = record_graphs(read_records(DATA))
    types = {**validator.vocabulary, **entity_types(graphs)}  # the concepts of the ontology too (roles)
    record = next(g for g in graphs if g.name == name)
    targeted = list(_targeted(record))
    cases = [record, *targeted, *_mutants(record, random.Random(name))]
    disagreements, fired = [], 0
    for case in cases:
        subjects = {t[0] for t in case.triples}
        compiled = _key(validator.checker.check(case.triples, types, subjects))
        reference = _key(validator.pyshacl_results(case, types)[0])
        fired += bool(reference)
        if compiled != reference:
            disagreements.append((compiled, reference))
    assert targeted and len(cases) == 1 + len(targeted) + MUTATIONS_PER_RECORD
    assert fired >= len(targeted) // 2, "the targeted mutations break rules"
    assert not disagreements, disagreements[0]


def test_disjoint_reports_the_shared_value(validator):
    from csto_kg.graph.names import SH
    from .conftest import DATA

    graphs = record_graphs(read_records(DATA))
    record = next(g for g in graphs if g.name == "meetings/2018-11-08-csc-astana")
    node = URIRef(f"{entity_iri('meeting', '2018-11-08-csc-astana')}/participation/3")
    sg = entity_iri("post", "csto-secretary-general")
    results = validator.checker.check(record.triples + [(node, IGO.post, sg)], entity_types(graphs), {node})
    assert [(r.focus, r.path, r.value, r.component) for r in results if r.component == SH.DisjointConstraintComponent] == [
        (node, IGO.actingPost, sg, SH.DisjointConstraintComponent)]
    problems = validator.validate(record, entity_types(graphs))
    assert [p for p in problems if p.severity == "error"] == []
