"""A resource's RDF description (query/describe.py) and its compacted JSON-LD (graph/jsonld.py): the
triples gathered without rdflib and written by Oxigraph are those the rdflib graph held, in the same bytes."""

from __future__ import annotations

import json
from collections import OrderedDict

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_isomorphic

from csto_kg.graph import jsonld
from csto_kg.graph.formats import RDF_FORMATS
from csto_kg.graph.resources import rdflib_term
from csto_kg.graph.sparql_terms import iri as sparql_iri
from csto_kg.graph.vocab import ID, PREFIXES, RDFS
from csto_kg.query import describe

XSD_STRING = URIRef(PREFIXES["xsd"] + "string")


def rdflib_description(store, iri: str) -> Graph:
    """The description as an rdflib graph, gathered as the pages did before they used triples."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    subject = sparql_iri(iri)
    branches = [f"{{ BIND({subject} AS ?s) {subject} ?p ?o }}"]
    for depth in range(1, describe.MAX_BNODE_DEPTH + 1):
        steps, previous = [], subject
        for i in range(depth):
            steps.append(f"{previous} ?q{i} ?b{i} . FILTER isBlank(?b{i})")
            previous = f"?b{i}"
        branches.append("{ " + " ".join(steps) + f" BIND({previous} AS ?s) {previous} ?p ?o }}")
    for s in store.query("SELECT DISTINCT ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }"):
        graph.add((rdflib_term(s["s"]), rdflib_term(s["p"]), rdflib_term(s["o"])))
    found = sorted(store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {subject} FILTER (!isBlank(?s)) }}"),
                   key=lambda s: (s["s"].value, s["p"].value))
    for s in found[:describe.MAX_INBOUND]:
        graph.add((rdflib_term(s["s"]), rdflib_term(s["p"]), URIRef(iri)))
    linked = {o for o in graph.objects() if isinstance(o, URIRef)} | {s for s in graph.subjects() if isinstance(s, URIRef)}
    objects = sorted(linked - {URIRef(iri)})
    if objects:
        values = " ".join(sparql_iri(str(o)) for o in objects)
        for s in store.query(f"SELECT DISTINCT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS.label}> ?label }}"):
            graph.add((rdflib_term(s["s"]), RDFS.label, rdflib_term(s["label"])))
    return graph


def plain(graph: Graph) -> Graph:
    """``graph`` with its ``xsd:string`` literals written as simple literals, as a parser reads them (the same RDF)."""
    found = Graph()
    for s, p, o in graph:
        found.add((s, p, Literal(str(o)) if isinstance(o, Literal) and o.datatype == XSD_STRING else o))
    return found


def resources(store) -> list[str]:
    """One resource of every kind of IRI path (``person``, ``meeting/participation``, ...), the one most pointed at."""
    found: dict[str, tuple[int, str]] = {}
    query = f"""SELECT ?s (COUNT(?x) AS ?n) WHERE {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), "{ID}")
                OPTIONAL {{ ?x ?q ?s }} }} GROUP BY ?s"""
    for row in store.query(query):
        parts = row["s"].value[len(ID):].split("/")
        kind = "/".join(parts[0::2])
        n = int(row["n"].value)
        if kind not in found or (n, row["s"].value) > found[kind]:
            found[kind] = (n, row["s"].value)
    return sorted(iri for _, iri in found.values())


@pytest.fixture(scope="module")
def described(built_store):
    return [(iri, describe.description(built_store, iri), rdflib_description(built_store, iri))
            for iri in resources(built_store)]


def test_the_triples_are_the_rdflib_graphs(described):
    assert len(described) >= 20  # every kind of resource the records make: entities and the parts of meetings
    for iri, triples, graph in described:
        assert len(triples) == len(set(triples)) == len(graph), iri
        assert {(rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)) for t in triples} == set(graph)


@pytest.mark.parametrize("fmt", [f for f in RDF_FORMATS if f.name != "jsonld"], ids=lambda f: f.name)
def test_every_format_but_json_ld_is_written_in_the_same_bytes(described, fmt):
    for iri, triples, graph in described:
        assert describe.serialize(triples, fmt) == describe.serialize(graph, fmt), iri


def test_json_ld_is_the_same_graph_with_the_same_context(described):
    fmt = next(f for f in RDF_FORMATS if f.name == "jsonld")
    largest = max(described, key=lambda d: len(d[1]))
    assert len(largest[1]) > 100
    for iri, triples, graph in described:
        new, old = describe.serialize(triples, fmt), describe.serialize(graph, fmt)
        assert json.loads(new)["@context"] == json.loads(old)["@context"] == PREFIXES
        parsed = Graph().parse(data=new, format="json-ld")
        assert to_isomorphic(parsed) == to_isomorphic(Graph().parse(data=old, format="json-ld")), iri
        assert to_isomorphic(parsed) == to_isomorphic(plain(graph)), iri


def test_a_state_is_described_by_its_statements_and_those_pointing_at_it(built_store):
    iri = ID + "state/russia"
    triples = describe.description(built_store, iri)
    russia = ox.NamedNode(iri)
    assert any(t.subject == russia and t.predicate.value == str(RDFS.label) for t in triples)
    assert any(t.object == russia and t.subject.value.startswith(ID + "meeting/") for t in triples)
    text = describe.serialize(triples, next(f for f in RDF_FORMATS if f.name == "turtle")).decode()
    assert text.startswith("@prefix ") and "<https://w3id.org/csto-kg/id/state/russia>" in text


def test_json_ld_of_awkward_terms_reads_back_as_the_same_graph():
    s = ox.NamedNode(ID + "person/x")
    igo = PREFIXES["igo"]
    xsd = PREFIXES["xsd"]
    objects = [
        ox.Literal("plain"), ox.Literal("Икс \"q\" \\ \n", language="ru"), ox.Literal("x", language="en-GB"),
        ox.Literal("3", datatype=ox.NamedNode(xsd + "integer")), ox.Literal("-0", datatype=ox.NamedNode(xsd + "integer")),
        ox.Literal("12345678901234567890123", datatype=ox.NamedNode(xsd + "integer")),
        ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")), ox.Literal("1", datatype=ox.NamedNode(xsd + "boolean")),
        ox.Literal("1.5E0", datatype=ox.NamedNode(xsd + "double")), ox.Literal("2.50", datatype=ox.NamedNode(xsd + "decimal")),
        ox.Literal("2019-06-20", datatype=ox.NamedNode(xsd + "date")),
        ox.Literal("[2017,2018]", datatype=ox.NamedNode("http://id.loc.gov/datatypes/edtf/EDTF")),
        ox.NamedNode(ID + "state/russia"), ox.NamedNode(igo + "State"), ox.NamedNode("http://www.wikidata.org/entity/Q159"),
        ox.NamedNode("https://example.org/a%20b?c=d#e"), ox.NamedNode(igo + "9starts-with-a-digit"),
        ox.BlankNode("b0"),
    ]
    triples = [ox.Triple(s, ox.NamedNode(igo + f"p{i}"), o) for i, o in enumerate(objects)]
    triples += [ox.Triple(s, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(PREFIXES["foaf"] + "Person")),
                ox.Triple(ox.BlankNode("b0"), ox.NamedNode(str(RDFS.label)), ox.Literal("blank")),
                ox.Triple(ox.NamedNode("http://example.org/other"), ox.NamedNode("http://example.org/p"), s)]
    text = jsonld.serialize(triples, PREFIXES)
    doc = json.loads(text)
    assert doc["@context"] == PREFIXES
    node = next(n for n in doc["@graph"] if n["@id"] == ID + "person/x")
    assert node["@type"] == "foaf:Person" and node["igo:p3"] == 3 and node["igo:p6"] is True
    # a lexical form a JSON value would not give back is kept as it is
    assert node["igo:p4"] == {"@type": "xsd:integer", "@value": "-0"} and node["igo:p7"]["@value"] == "1"
    assert node["igo:p5"]["@value"] == "12345678901234567890123"
    assert node["igo:p12"] == {"@id": ID + "state/russia"} and node["igo:p14"] == {"@id": "wd:Q159"}
    expected = Graph()
    for t in triples:
        expected.add(tuple(rdflib_term(term) for term in t))
    got = Graph().parse(data=text, format="json-ld")
    assert len(got) == len(triples)
    assert to_isomorphic(got) == to_isomorphic(plain(expected))
    one = json.loads(jsonld.serialize(triples[:1], PREFIXES))  # a single node: merged into the top object
    assert one == {"@context": PREFIXES, "@id": ID + "person/x", "igo:p0": "plain"}


def test_the_first_inbound_statements_are_those_of_the_full_sorted_list(built_store):
    iris = resources(built_store)
    checked = 0
    for iri in iris:
        rows = built_store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER (!isBlank(?s)) }}")
        every = sorted((r["s"].value, r["p"].value) for r in rows)
        for limit in (1, 3, 10, 50, len(every), len(every) + 1):
            assert describe.first_inbound(built_store, iri, limit) == every[:limit], (iri, limit)
            checked += 1
    assert checked == 6 * len(iris)


def test_a_description_with_more_inbound_statements_than_it_holds(built_store, monkeypatch):
    monkeypatch.setattr(describe, "MAX_INBOUND", 7)  # read by predicate, as a state's at 10,000 meetings
    monkeypatch.setattr(describe, "_KEPT", OrderedDict())
    fmt = next(f for f in RDF_FORMATS if f.name == "turtle")
    for iri in (ID + "state/russia", ID + "body/csto-ccim"):
        triples = describe.description(built_store, iri)
        assert sum(1 for t in triples if t.object.value == iri) == 7
        graph = rdflib_description(built_store, iri)
        assert describe.serialize(triples, fmt) == describe.serialize(graph, fmt)


class Counting:
    def __init__(self, store) -> None:
        self.store, self.queries = store, 0

    def query(self, query: str):
        self.queries += 1
        return self.store.query(query)

    def build_id(self):
        return self.store.build_id()


def test_a_large_description_is_kept_for_the_build(built_store, monkeypatch):
    monkeypatch.setattr(describe, "_KEPT", OrderedDict())
    monkeypatch.setattr(describe, "KEEP_FROM", 100)  # the real records' largest are of a hundred triples
    store = Counting(built_store)
    large = describe.description(store, ID + "state/russia")
    assert len(large) >= describe.KEEP_FROM
    asked = store.queries
    again = describe.description(store, ID + "state/russia")
    assert again == large and again is not large and store.queries == asked  # kept: no query
    small = ID + "person/valentina-kazakova"
    first = describe.description(store, small)
    assert len(first) < describe.KEEP_FROM
    asked = store.queries
    assert describe.description(store, small) == first and store.queries > asked  # asked again
    monkeypatch.setattr(describe, "KEPT_TRIPLES", len(large) - 1)  # too large to keep
    monkeypatch.setattr(describe, "_KEPT", OrderedDict())
    describe.description(store, ID + "state/russia")
    assert not describe._KEPT
