from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from csto_kg.records import read_records
from csto_kg.graph.terms import IRI, Literal as LightLiteral, from_rdflib, to_rdflib
from csto_kg.graph.vocab import IGO, PROV, RDF, SCHEMA, XSD, entity_iri, graph_iri

from .conftest import DATA, nquads, record_graphs

MEETING = entity_iri("meeting", "2019-06-20-ccim-22")


def _graphs():
    return {g.name: g for g in record_graphs(read_records(DATA))}


def test_one_named_graph_per_record_file():
    graphs = _graphs()
    assert "meetings/2019-06-20-ccim-22" in graphs and "entities/states" in graphs
    g = graphs["meetings/2019-06-20-ccim-22"]
    assert g.iri == URIRef("https://w3id.org/csto-kg/graph/meetings/2019-06-20-ccim-22")
    assert (to_rdflib(g.iri), RDF.type, IGO.RecordGraph) in g.graph  # the graph's terms are rdflib's
    assert (g.iri, RDF.type, IGO.RecordGraph) not in g.graph  # and a light term finds nothing in it
    assert set(g.graph.objects(to_rdflib(g.iri), PROV.wasDerivedFrom)) == {
        entity_iri("source", "mia-en-2019-06-21-ccim-22"), entity_iri("source", "kazinform-en-ccim-cholpon-ata-preview"),
        entity_iri("source", "newskitchen-en-2019-06-21-ccim-22")}


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
    first = nquads(record_graphs(read_records(DATA)))
    second = nquads(record_graphs(read_records(DATA)))
    assert first == second and first.count("\n") > 200
    assert "_:" not in first  # no blank nodes: stable IRIs only
    assert graph_iri("meetings/2019-06-20-ccim-22") in {URIRef(line.rsplit(" ", 2)[-2][1:-1]) for line in first.splitlines()}


# -- N-Quads: any string the records can hold is written on one line and read back as it was

AWKWARD_STRINGS = [
    "two\nlines", "crlf\r\nand cr\r", "tab\there", 'quotes " and """ and a last "', "backslash \\ and \\n and \\u0041 \\",
    "> <x> _:b . @en ^^<http://x> # not a comment", "line\u2028and paragraph\u2029separators, next line\x85",
    "nul\x00 soh\x01 bel\x07 esc\x1b[31m us\x1f del\x7f c1\x9b", "non-BMP \U0001F600 \U0001D400 \U00020000 \U0010FFFD",
    "bidi \u202eevil\u202c zero\u200bwidth \ufeffbom", "combining e\u0301", "", '"', "\\",
]


def test_every_string_is_written_as_valid_one_line_nquads_and_reads_back_exactly():
    import pyoxigraph as ox

    from csto_kg.graph.rdfize import RecordGraph, text_literal

    graph = RecordGraph("meetings/x", graph_iri("meetings/x"))
    subject = entity_iri("meeting", "x")
    literals = [text_literal(text, lang) for text in AWKWARD_STRINGS for lang in (None, "en", "sr-Latn")]
    literals += [LightLiteral(text, XSD.token) for text in AWKWARD_STRINGS]
    for n, literal in enumerate(literals):
        graph.add((IRI(subject), IRI(f"http://example.org/p{n}"), literal))
    lines = graph.nquads()
    assert len(lines) == len(literals) == 4 * len(AWKWARD_STRINGS) == 56
    for line in lines:  # one quad a line, whatever splits lines: str.splitlines knows the most line ends
        assert line.endswith(f" <{graph.iri}> .\n") and line.splitlines() == [line[:-1]]
        assert all(c >= " " and c not in "\x7f\x85\u2028\u2029" for c in line[:-1])
    quads = list(ox.parse("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(literals)
    for quad, literal in zip(quads, literals):
        assert quad.object.value == str(literal)
        assert quad.object.language == (literal.language.lower() if literal.language else None)  # tags are case-blind
        assert quad.object.datatype.value == str(literal.datatype or (RDF.langString if literal.language else XSD.string))


def test_ordinary_literals_are_written_as_before():
    """As rdflib writes them: the light literals rdfize makes are those of rdflib's literals."""
    from csto_kg.graph.rdfize import boolean_literal, date_literal_of, int_literal, nquads_term, text_literal

    made = [text_literal("Cholpon-Ata", "en"), date_literal_of("2019-06", "month"), int_literal(22), boolean_literal(True),
            text_literal("meetings/x.yaml", None), text_literal("Москва", "ru"), boolean_literal(False), int_literal(-3),
            date_literal_of("2019-06-20", "day"), date_literal_of("2020", "year")]
    rdflib_made = [Literal("Cholpon-Ata", lang="en"), Literal("2019-06", datatype=XSD.gYearMonth), Literal(22), Literal(True),
                   Literal("meetings/x.yaml"), Literal("Москва", lang="ru"), Literal(False), Literal(-3),
                   Literal("2019-06-20", datatype=XSD.date), Literal("2020", datatype=XSD.gYear)]
    for light, literal in zip(made, rdflib_made, strict=True):
        assert light == from_rdflib(literal) and to_rdflib(light) == literal
        assert nquads_term(light) == nquads_term(from_rdflib(literal)) == literal.n3()


@pytest.mark.parametrize("name", [
    "entities/my states", "entities/50%", "entities/a%20b", "entities/tab\tand\nline", 'entities/<>"{}|^`\\[]?#',
    "entities/государства", "entities/\u2028\x85\x7f", "entities/private\ue000", "entities/bad\udcffbyte",
])
def test_every_record_name_makes_a_valid_graph_iri(name):
    import pyoxigraph as ox

    iri = graph_iri(name)
    ox.NamedNode(str(iri))  # the store takes it
    assert iri.startswith("https://w3id.org/csto-kg/graph/entities/")
    assert graph_iri("entities/ordinary-name_1.x") == URIRef("https://w3id.org/csto-kg/graph/entities/ordinary-name_1.x")
    assert graph_iri("entities/государства").endswith("/государства")  # IRIs may hold non-ASCII letters


def test_graph_iris_of_different_names_differ():
    names = ["entities/a b", "entities/a%20b", "entities/a%2520b", "entities/a_b", "entities/a\u00a0b"]
    assert len({graph_iri(n) for n in names}) == len(names) == 5


def test_an_adopted_document_an_absence_and_unnamed_representatives():
    from csto_kg.graph.vocab import DCTERMS, RDFS, SKOS

    graphs = _graphs()
    g = graphs["meetings/2020-12-02-csc-videoconference"].graph
    decision = entity_iri("meeting", "2020-12-02-csc-videoconference") + "/decision/1"
    document = URIRef(decision + "/document")
    assert (URIRef(decision), RDF.type, IGO.Adoption) in g and (URIRef(decision), RDF.type, IGO.Decision) in g
    assert (URIRef(decision), RDF.type, IGO.Appointment) not in g
    assert g.value(URIRef(decision), IGO.adopted) == document
    assert g.value(document, IGO.documentKind) == entity_iri("document-kind", "declaration")
    assert g.value(document, DCTERMS.title) == Literal("Collective Security Declaration", lang="en")
    assert g.value(document, PROV.wasGeneratedBy) == URIRef(decision)
    g = graphs["meetings/2018-04-26-ccim-21"].graph
    absence = URIRef(entity_iri("meeting", "2018-04-26-ccim-21") + "/absence/armenia")
    assert g.value(absence, IGO.absentee) == entity_iri("state", "armenia")
    assert "Yerevan" in g.value(absence, IGO.reason)
    assert g.value(absence, PROV.wasDerivedFrom) == entity_iri("source", "ekhokavkaza-ru-ccim-21-armenia-absent")
    g = graphs["meetings/2021-02-18-cis-migration-council-25"].graph
    turkmenistan = URIRef(entity_iri("meeting", "2021-02-18-cis-migration-council-25") + "/participation/4")
    assert g.value(turkmenistan, IGO.participant) is None
    assert g.value(turkmenistan, IGO.onBehalfOf) == entity_iri("state", "turkmenistan")
    assert g.value(turkmenistan, IGO.role) == entity_iri("role", "observer")
    assert str(g.value(turkmenistan, RDFS.label)).startswith("Representatives of Turkmenistan")
    g = graphs["entities/roles"].graph
    welcomed = entity_iri("role", "welcomed")
    assert g.value(welcomed, SKOS.broader) == entity_iri("role", "spoke")
    assert (welcomed, SKOS.inScheme, IGO.RoleScheme) in g and (welcomed, RDF.type, IGO.Role) in g


# -- what the sources say exactly

SG = entity_iri("post", "csto-secretary-general")


def test_an_acting_post_is_not_the_post_itself_in_participations_and_holdings_alike():
    from csto_kg.graph.vocab import ORG

    graphs = _graphs()
    acting = []
    for name, number in (("meetings/2018-11-08-csc-astana", 3), ("meetings/2019-11-27-cfm-cdm-cssc-bishkek", 1),
                         ("meetings/2019-11-28-csc-bishkek", 7)):
        node = URIRef(f"{entity_iri('meeting', name.split('/')[1])}/participation/{number}")
        g = graphs[name].graph
        assert g.value(node, IGO.participant) == entity_iri("person", "valery-semerikov")
        assert list(g.objects(node, IGO.actingPost)) == [SG] and list(g.objects(node, IGO.post)) == []
        acting.append(node)
    holding = entity_iri("post-holding", "semerikov-csto-secretary-general-acting")
    g = graphs["entities/holdings"].graph
    assert (holding, RDF.type, ORG.Membership) in g
    assert list(g.objects(holding, IGO.actingPost)) == [SG] and list(g.objects(holding, IGO.post)) == []
    assert list(g.objects(holding, IGO.acting)) == []  # the one way to say it is igo:actingPost
    mamytov = URIRef(f"{entity_iri('meeting', '2020-12-02-csc-videoconference')}/participation/5")
    assert graphs["meetings/2020-12-02-csc-videoconference"].graph.value(mamytov, IGO.actingPost) == \
        entity_iri("post", "kyrgyzstan-president")
    pashinyan = URIRef(f"{entity_iri('meeting', '2018-11-08-csc-astana')}/participation/1")
    assert graphs["meetings/2018-11-08-csc-astana"].graph.value(pashinyan, IGO.actingPost) == \
        entity_iri("post", "armenia-prime-minister")
    # no graph says anyone holds the post itself in an acting capacity
    for graph in graphs.values():
        for node in graph.graph.subjects(IGO.post, SG):
            assert (node, IGO.actingPost, SG) not in graph.graph


def test_the_sources_own_words_keep_their_language():
    graphs = _graphs()
    g = graphs["meetings/2019-06-20-ccim-22"].graph
    gorovoy, kazakova = URIRef(f"{MEETING}/participation/1"), URIRef(f"{MEETING}/participation/2")
    assert list(g.objects(gorovoy, IGO.postAsStated)) == [
        Literal("Chairman of the Council, First Deputy-Minister of Internal Affairs of the Russian Federation", lang="en")]
    assert list(g.objects(kazakova, IGO.roleAsStated)) == [
        Literal("From the Russian MIA the event was also attended by", lang="en")]
    g = graphs["meetings/2018-04-26-ccim-21"].graph
    semerikov = URIRef(f"{entity_iri('meeting', '2018-04-26-ccim-21')}/participation/1")
    assert {(str(o), o.language) for o in g.objects(semerikov, IGO.postAsStated)} == {
        ("заместитель генерального секретаря ОДКБ", "ru")}  # the wording of the one source that places him there


def test_a_rank_not_stated_is_in_the_graph_and_no_rank_is_made_up():
    g = _graphs()["meetings/2019-06-20-ccim-22"].graph
    for number in (3, 4):
        node = URIRef(f"{MEETING}/participation/{number}")
        assert list(g.objects(node, IGO.notStated)) == [IGO.rank] and g.value(node, IGO.rank) is None
    assert list(g.objects(URIRef(f"{MEETING}/participation/1"), IGO.notStated)) == []


def test_an_inferred_session_number_and_a_missing_wikidata_item_are_told_apart(tmp_path):
    from csto_kg.graph.vocab import SKOS

    data = tmp_path / "data"
    (data / "meetings").mkdir(parents=True)
    (data / "entities").mkdir()
    (data / "entities" / "e.yaml").write_text(
        "states:\n  - slug: s\n    label: S\n    wikidata: not-stated\nbodies:\n  - slug: b\n    label: B\n    unit_of: o\n"
        "organizations:\n  - slug: o\n    label: O\n    type: intergovernmental\n"
        "sources:\n  - slug: src\n    publisher: P\n", encoding="utf-8")
    for name, session in (("2019-01-01-stated", "25"), ("2019-01-02-inferred", "{number: 25, inferred: true}"),
                          ("2019-01-03-stated-explicitly", "{number: 25, inferred: false}")):
        (data / "meetings" / f"{name}.yaml").write_text(
            f"label: X\nbody: b\ndate: 2019\nsession: {session}\nsources: src\n", encoding="utf-8")
    records = read_records(data)
    assert records.errors == []
    graphs = {g.name: g.graph for g in record_graphs(records)}
    number = Literal(25)
    stated, inferred, explicit = (entity_iri("meeting", n) for n in
                                  ("2019-01-01-stated", "2019-01-02-inferred", "2019-01-03-stated-explicitly"))
    assert (stated, IGO.sessionNumber, number) in graphs["meetings/2019-01-01-stated"]
    assert (inferred, IGO.inferredSessionNumber, number) in graphs["meetings/2019-01-02-inferred"]
    assert (inferred, IGO.sessionNumber, None) not in graphs["meetings/2019-01-02-inferred"]
    assert (explicit, IGO.sessionNumber, number) in graphs["meetings/2019-01-03-stated-explicitly"]
    state = entity_iri("state", "s")
    assert (state, IGO.notStated, SKOS.exactMatch) in graphs["entities/e"]
    assert (state, SKOS.exactMatch, None) not in graphs["entities/e"]
