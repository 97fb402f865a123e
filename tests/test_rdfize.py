from __future__ import annotations

from rdflib import Literal, URIRef

from csto_kg.rdfize import rdfize_all, to_nquads
from csto_kg.records import read_records
from csto_kg.vocab import IGO, PROV, RDF, SCHEMA, XSD, entity_iri, graph_iri

from .conftest import DATA

MEETING = entity_iri("meeting", "2019-06-20-ccim-22")


def _graphs():
    return {g.name: g for g in rdfize_all(read_records(DATA))}


def test_one_named_graph_per_record_file():
    graphs = _graphs()
    assert "meetings/2019-06-20-ccim-22" in graphs and "entities/states" in graphs
    g = graphs["meetings/2019-06-20-ccim-22"]
    assert g.iri == URIRef("https://w3id.org/csto-kg/graph/meetings/2019-06-20-ccim-22")
    assert (g.iri, RDF.type, IGO.RecordGraph) in g.graph
    assert set(g.graph.objects(g.iri, PROV.wasDerivedFrom)) == {
        entity_iri("source", "mia-en-2019-06-21-ccim-22"), entity_iri("source", "kazinform-en-ccim-cholpon-ata-preview")}


def test_every_participation_cites_its_source():
    g = _graphs()["meetings/2019-06-20-ccim-22"].graph
    participations = list(g.subjects(RDF.type, IGO.Participation))
    assert len(participations) == 4
    for p in participations:
        assert (p, PROV.wasDerivedFrom, entity_iri("source", "mia-en-2019-06-21-ccim-22")) in g


def test_dates_keep_their_precision():
    g = _graphs()["meetings/2019-06-20-ccim-22"].graph
    assert g.value(MEETING, SCHEMA.startDate) == Literal("2019-06-20", datatype=XSD.date)
    nxt = g.value(MEETING, IGO.nextMeeting)
    assert g.value(nxt, SCHEMA.startDate) == Literal("2020", datatype=XSD.gYear)


def test_output_is_deterministic_byte_for_byte():
    first = to_nquads(rdfize_all(read_records(DATA)))
    second = to_nquads(rdfize_all(read_records(DATA)))
    assert first == second and first.count("\n") > 200
    assert "_:" not in first  # no blank nodes: stable IRIs only
    assert graph_iri("meetings/2019-06-20-ccim-22") in {URIRef(line.rsplit(" ", 2)[-2][1:-1]) for line in first.splitlines()}
