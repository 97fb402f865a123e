"""Content negotiation, the formats the endpoint writes, and real SPARQL clients using it."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from csto_kg.graph.formats import RDF_FORMATS, RESULT_FORMATS, NotAcceptable, acceptable, negotiate

from .conftest import QUERIES
from .live_endpoint import serve

IGO = "https://w3id.org/csto-kg/ontology#"
RESULT_TYPES = acceptable(RESULT_FORMATS)
GRAPH_TYPES = acceptable(RDF_FORMATS)
MEETINGS = f"SELECT ?m WHERE {{ ?m a <{IGO}Meeting> }} ORDER BY ?m"
CONSTRUCT = f"CONSTRUCT {{ ?m a <{IGO}Meeting> }} WHERE {{ ?m a <{IGO}Meeting> }}"


@pytest.mark.parametrize(("accept", "offered", "expected"), [
    (None, RESULT_FORMATS, "application/sparql-results+json"),
    ("", RESULT_FORMATS, "application/sparql-results+json"),
    ("*/*", RESULT_FORMATS, "application/sparql-results+json"),
    ("text/*", RESULT_FORMATS, "text/csv"),
    ("text/csv;q=0.5, text/tab-separated-values", RESULT_FORMATS, "text/tab-separated-values"),
    ("application/x-unknown, text/csv, application/sparql-results+xml", RESULT_FORMATS, "text/csv"),
    ("application/sparql-results+xml;q=0.9, */*;q=0.1", RESULT_FORMATS, "application/sparql-results+xml"),
    ("text/html, */*;q=0.8", RESULT_FORMATS, "application/sparql-results+json"),
    ("*/*;q=0.5, text/csv;q=0", RESULT_FORMATS, "application/sparql-results+json"),
    ("text/*, text/tab-separated-values", RESULT_FORMATS, "text/tab-separated-values"),
    ("application/turtle, text/turtle", RDF_FORMATS, "text/turtle"),
    ("application/rdf+xml;q=1.0, text/turtle;q=0.2", RDF_FORMATS, "application/rdf+xml"),
    ("application/json", RDF_FORMATS, "application/json"),
    ("TEXT/TURTLE", RDF_FORMATS, "text/turtle"),
])
def test_negotiate(accept, offered, expected):
    assert negotiate(accept, offered).media_type == expected


@pytest.mark.parametrize("accept", ["text/html", "image/png, text/csv;q=0", "text/csv;q=0"])
def test_negotiate_refuses_with_the_list(accept):
    with pytest.raises(NotAcceptable) as caught:
        negotiate(accept, RESULT_FORMATS)
    assert all(media_type in caught.value.message for media_type in RESULT_TYPES)


@pytest.fixture(scope="module")
def live(records_location):
    """The real records served from each backend in turn (the answers are checked against the embedded store)."""
    with serve(records_location, SPARQL_TIME_LIMIT_MS=10000) as live:
        yield live


def meetings_in(media_type: str, body: bytes) -> list[str]:
    """The meeting IRIs of a SELECT answer in any results format."""
    if "json" in media_type:
        return [b["m"]["value"] for b in json.loads(body)["results"]["bindings"]]
    if "xml" in media_type:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [e.text for e in ET.fromstring(body).iter(f"{ns}uri")]
    if media_type == "text/csv":
        return [row["m"] for row in csv.DictReader(io.StringIO(body.decode()))]
    return [line.strip("<>") for line in body.decode().splitlines()[1:]]


@pytest.mark.parametrize("accept", RESULT_TYPES)
def test_select_in_every_results_format(live, built_store, accept):
    expected = sorted(s["m"].value for s in built_store.query(MEETINGS))
    response = requests.get(live.sparql, params={"query": MEETINGS}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    assert len(expected) >= 1 and meetings_in(accept, response.content) == expected


RDFLIB_FORMATS = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt",
                  "text/plain": "nt", "application/n-quads": "nquads", "application/trig": "trig", "application/ld+json": "json-ld",
                  "application/json": "json-ld", "application/rdf+xml": "xml", "application/xml": "xml",
                  "text/xml": "xml"}


@pytest.mark.parametrize("accept", GRAPH_TYPES)
def test_construct_round_trips_in_every_rdf_format(live, built_store, accept):
    expected = {s["m"].value for s in built_store.query(MEETINGS)}
    response = requests.get(live.sparql, params={"query": CONSTRUCT}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    graph = rdflib.Dataset() if accept in ("application/n-quads", "application/trig") else rdflib.Graph()
    graph.parse(data=response.content, format=RDFLIB_FORMATS[accept])
    got = {str(s) for s, _, _ in graph.triples((None, rdflib.RDF.type, rdflib.URIRef(IGO + "Meeting")))}
    assert got == expected


def test_unsupported_type_is_406_listing_the_supported_ones(live):
    response = requests.get(live.sparql, params={"query": MEETINGS}, headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406
    assert "text/tab-separated-values" in response.json()["error"]
    response = requests.get(live.sparql, params={"query": CONSTRUCT}, headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 406 and "text/turtle" in response.json()["error"]


def test_ask_in_json_and_xml(live):
    for accept, needle in [("application/sparql-results+json", b'"boolean":true'), ("application/sparql-results+xml",
                                                                                     b"<boolean>true</boolean>")]:
        response = requests.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept},
                                timeout=30)
        assert response.status_code == 200 and needle in response.content


@pytest.mark.parametrize("query", sorted(QUERIES.glob("cq*.rq")), ids=lambda p: p.stem)
def test_competency_questions_over_http(live, query):
    expected = list(csv.DictReader(io.StringIO(query.with_suffix(".csv").read_text())))
    response = requests.post(live.sparql, data=query.read_bytes(), headers={
        "Content-Type": "application/sparql-query", "Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200, response.text
    got = list(csv.DictReader(io.StringIO(response.text)))
    key = lambda row: sorted(row.items())  # noqa: E731
    assert expected and sorted(got, key=key) == sorted(expected, key=key)


# -- real clients


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(live, built_store, fmt):
    client = SPARQLWrapper(live.sparql)
    client.setQuery(MEETINGS)
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    media_type = result.info()["content-type"].split(";")[0]
    expected = sorted(s["m"].value for s in built_store.query(MEETINGS))
    assert meetings_in(media_type, body) == expected


@pytest.mark.parametrize(("fmt", "method"), [(JSONLD, "GET"), (XML, "POST"), (TURTLE, "GET"), (RDFXML, "POST"),
                                             (N3, "GET")])
def test_sparqlwrapper_construct_and_ask(live, fmt, method):
    client = SPARQLWrapper(live.sparql)
    client.setMethod(method)
    client.setReturnFormat(fmt)
    client.setQuery(CONSTRUCT)
    converted = client.query().convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(data=converted,
                                                                                        format="turtle")
    assert len(graph) >= 1
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore_as_a_client(live, built_store, return_format):
    # a ConjunctiveGraph queries the union, as this endpoint's default graph is
    graph = rdflib.ConjunctiveGraph(SPARQLStore(live.sparql, returnFormat=return_format))
    rows = list(graph.query(MEETINGS))
    assert sorted(str(r[0]) for r in rows) == sorted(s["m"].value for s in built_store.query(MEETINGS))
    assert len(rows) >= 1
    assert bool(graph.query("ASK { ?s ?p ?o }")) is True
    if return_format == "xml":  # rdflib asks for RDF/XML too; with "json" it accepts no RDF format (406)
        assert len(graph.query(CONSTRUCT).graph) == len(rows)


# -- service description


def test_service_description(live, built_store):
    response = requests.get(live.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    me = rdflib.URIRef(live.sparql)
    assert (me, rdflib.RDF.type, sd.Service) in graph
    assert (me, sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats = set(graph.objects(me, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = {str(n) for n in graph.objects(None, sd.name)}
    stored = {s["g"].value for s in built_store.query("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")}
    assert names == stored and "https://w3id.org/csto-kg/graph/ontology" in names
    assert requests.get(live.sparql, headers={"Accept": "application/ld+json"}, timeout=30).json()
