"""The compiled shape checker reports exactly what pySHACL reports."""

from __future__ import annotations

import random

import pytest
from rdflib import Literal, URIRef

from csto_kg.graph.rdfize import RecordGraph
from csto_kg.records import read_records
from csto_kg.check.validate import entity_types
from csto_kg.graph.vocab import IGO, RDF, RDFS, XSD, entity_iri

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


def _mutants(record: RecordGraph, rng: random.Random):
    """Copies of a record graph with one thing broken each."""
    wrong_things = [entity_iri("place", "cholpon-ata"), entity_iri("state", "russia"), entity_iri("person", "nobody"),
                    Literal("a text"), Literal("22", datatype=XSD.integer), Literal("2019-06", datatype=XSD.gYearMonth),
                    Literal("x", lang="ru"), URIRef("http://www.wikidata.org/entity/banana"), entity_iri("role", "king"),
                    entity_iri("role", "spoke"), entity_iri("document-kind", "plan"), entity_iri("body", "csto-ccim")]
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
