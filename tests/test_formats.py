"""The formats table and the one content negotiator: every surface offers exactly the table's formats,
and negotiation follows one rule (q, then specificity, then the client's order, then the server's)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from csto_kg.cli import main
from csto_kg.graph.formats import (DATASET, DATASET_FORMATS, FORMATS, GRAPH, RDF_FORMATS, RESULT_FORMATS, RESULTS,
                                   W3C, Format, NotAcceptable, acceptable, by_media_type, by_name, by_suffix, names,
                                   negotiate, offers, parse_accept, specificity)
from csto_kg.query.sparql import BadQuery, run, serialize
from csto_kg.store import remote, replica
from csto_kg.web import negotiation, pages, validation

from .conftest import app_on

ID = "https://w3id.org/csto-kg/id/"
KAZAKOVA = "person/valentina-kazakova"
FOAF_PERSON = ox.Triple(ox.NamedNode(ID + KAZAKOVA), ox.NamedNode(str(rdflib.RDF.type)),
                        ox.NamedNode("http://xmlns.com/foaf/0.1/Person"))
SELECT = "SELECT ?s WHERE { ?s a <http://xmlns.com/foaf/0.1/Person> } ORDER BY ?s LIMIT 3"
CONSTRUCT = f"CONSTRUCT {{ <{ID}{KAZAKOVA}> ?p ?o }} WHERE {{ <{ID}{KAZAKOVA}> ?p ?o }}"
EVERY_MEDIA_TYPE = sorted({m for f in FORMATS for m in f.media_types})


# -- the table


def test_the_table_agrees_with_oxigraph():
    assert len(set(names())) == len(FORMATS)
    for fmt in FORMATS:
        assert fmt.media_types and all(m == m.lower() and "/" in m for m in fmt.media_types), fmt
        assert fmt.media_type == fmt.oxigraph.media_type.split(";")[0], fmt  # the registered type first
        assert fmt.oxigraph.file_extension in fmt.suffixes, fmt
        assert fmt.iri.startswith(W3C), fmt
        if fmt.kind == RESULTS:
            assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
        else:
            assert isinstance(fmt.oxigraph, ox.RdfFormat)
            assert fmt.oxigraph.supports_datasets == (fmt.kind == DATASET), fmt
    assert {f.kind for f in FORMATS} == {RESULTS, GRAPH, DATASET}
    assert FORMATS == RESULT_FORMATS + RDF_FORMATS


@pytest.mark.parametrize("group", [RESULT_FORMATS, RDF_FORMATS], ids=["results", "rdf"])
def test_a_suffix_or_media_type_names_one_format_of_a_kind(group):
    suffixes = [s for f in group for s in f.suffixes]
    media_types = [m for f in group for m in f.media_types]
    assert len(suffixes) == len(set(suffixes)) and len(media_types) == len(set(media_types))
    for fmt in group:
        assert all(by_suffix(s, group) is fmt for s in fmt.suffixes)
        assert all(by_media_type(m.upper(), group) is fmt for m in fmt.media_types)


def test_content_type_says_charset_for_text_types_only():
    assert by_name("csv").content_type() == "text/csv; charset=utf-8"
    assert by_name("ntriples").content_type() == "application/n-triples"
    assert by_name("ntriples").content_type("text/plain") == "text/plain; charset=utf-8"
    assert by_name("json").content_type() == "application/sparql-results+json"
    assert Format("bin", "Binary", ("text/x-bin",), text=False).content_type() == "text/x-bin"


# -- the negotiator

OFFERS = [RESULT_FORMATS, RDF_FORMATS, negotiation.PAGE_FORMATS, validation.REPORT_FORMATS]
offered_formats = st.sampled_from(OFFERS).flatmap(
    lambda group: st.permutations(group).flatmap(lambda p: st.integers(1, len(p)).map(lambda n: tuple(p[:n]))))
media_ranges = st.one_of(
    st.sampled_from(EVERY_MEDIA_TYPE + ["text/html", "application/xhtml+xml"]),
    st.sampled_from(["*/*", "*", "text/*", "application/*", "image/*", "image/png", "application/x-unknown"]),
    st.sampled_from(EVERY_MEDIA_TYPE).map(str.upper))
q_params = st.one_of(st.just(""), st.sampled_from([0, 0.001, 0.1, 0.5, 0.8, 0.9, 1]).map(lambda q: f";q={q}"),
                     st.sampled_from([";q=abc", ";q=", ";q=nan", ";q=2", ";q=-1", ";level=1", "; Q=0.3"]))
accepts = st.lists(st.tuples(media_ranges, q_params), max_size=6).map(
    lambda parts: ", ".join(media + q for media, q in parts))


def effective(accept: str, media_type: str) -> tuple[float, int] | None:
    """(q, specificity) the client gives ``media_type``: those of the most specific range that names it."""
    found = [(specificity(r, media_type), q) for r, q in parse_accept(accept) if specificity(r, media_type) >= 0]
    if not found:
        return None
    most = max(s for s, _ in found)
    return max(q for s, q in found if s == most), most


@settings(max_examples=400, deadline=None)
@given(accepts, offered_formats)
def test_the_choice_is_the_client_s_best(accept, formats):
    try:
        choice = negotiate(accept, formats)
    except NotAcceptable as refused:
        assert refused.status == 406 and refused.acceptable == acceptable(formats)
        assert all(m in refused.message for m in acceptable(formats))
        assert all((effective(accept, m) or (0, 0))[0] == 0 for m, _ in offers(formats))
        return
    assert (choice.media_type, choice.format) in offers(formats) and choice.format in formats
    best_q, best_specificity = effective(accept, choice.media_type) if accept.strip(" ,") else (1.0, 0)
    assert best_q > 0
    for media_type, _ in offers(formats):
        other = effective(accept, media_type)
        if other is not None:
            assert other[0] <= best_q  # the highest q wins
            if other[0] == best_q:
                assert other[1] <= best_specificity  # then the most specific range


@given(accepts, offered_formats)
def test_case_does_not_matter(accept, formats):
    def outcome(header):
        try:
            return negotiate(header, formats)
        except NotAcceptable:
            return None
    assert outcome(accept) == outcome(accept.upper())


@given(offered_formats, st.sampled_from([None, "", " ", ",", " , "]))
def test_without_accept_the_server_s_first_format(formats, accept):
    choice = negotiate(accept, formats)
    assert choice.format is formats[0] and choice.media_type == formats[0].media_type


@given(offered_formats.filter(lambda f: len(offers(f)) >= 2), st.data())
def test_equal_q_and_specificity_go_by_the_client_s_order(formats, data):
    first, second = data.draw(st.lists(st.sampled_from([m for m, _ in offers(formats)]), min_size=2, max_size=2,
                                       unique=True))
    q = data.draw(st.sampled_from(["", ";q=0.5"]))
    assert negotiate(f"{first}{q}, {second}{q}", formats).media_type == first
    assert negotiate(f"{second}{q}, {first}{q}", formats).media_type == second


@given(offered_formats, st.sampled_from(["*/*", "*", "*/*;q=0.3"]))
def test_a_wildcard_takes_the_server_s_first_registered_type(formats, accept):
    choice = negotiate(accept, formats)
    assert choice.format is formats[0] and choice.media_type == formats[0].media_type


@given(accepts, offered_formats)
def test_refusing_the_chosen_type_chooses_another(accept, formats):
    try:
        choice = negotiate(accept, formats)
    except NotAcceptable:
        return
    if any(r == choice.media_type for r, _ in parse_accept(accept)):
        return  # an exact range for it already: a later q=0 would compete with it
    try:
        again = negotiate(f"{accept}, {choice.media_type};q=0", formats)
    except NotAcceptable:
        return
    assert again.media_type != choice.media_type


@given(st.text(max_size=200), offered_formats)
def test_any_header_is_answered_or_refused(accept, formats):
    try:
        assert negotiate(accept, formats).format in formats
    except NotAcceptable:
        pass


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/*, text/tab-separated-values", "text/tab-separated-values"),  # more specific beats earlier
    ("text/csv;q=0.9, */*", "application/sparql-results+json"),  # higher q beats more specific
    ("text/csv, application/sparql-results+xml", "text/csv"),  # the client's order
    ("application/*", "application/sparql-results+json"),  # the server's order, registered before aliases
    ("application/json", "application/json"),  # an alias is answered as asked
    ("text/csv;q=0, text/*", "text/tab-separated-values"),
    ("text/csv;q=nan, text/tab-separated-values;q=0.5", "text/csv"),  # a malformed q counts as 1
])
def test_the_rule(accept, expected):
    assert negotiate(accept, RESULT_FORMATS).media_type == expected


# -- every surface offers exactly the table's formats


@pytest.fixture(scope="module")
def client(built_store):
    with app_on(built_store, SPARQL_WORKERS=2) as app:
        yield app.test_client()


def test_the_service_description_lists_every_format(client):
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    sd = "http://www.w3.org/ns/sparql-service-description#resultFormat"
    listed = {t.object.value for t in ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)
              if t.predicate.value == sd}
    assert listed == {f.iri for f in FORMATS}


@pytest.mark.parametrize(("media_type", "fmt"), offers(RDF_FORMATS), ids=lambda v: getattr(v, "name", v))
def test_the_service_description_in_every_rdf_media_type(client, media_type, fmt):
    response = client.get("/sparql", headers={"Accept": media_type})
    assert response.status_code == 200 and response.headers["Content-Type"] == fmt.content_type(media_type)
    assert list(ox.parse(response.data, format=fmt.oxigraph))


@pytest.mark.parametrize(("media_type", "fmt"), offers(RESULT_FORMATS) + offers(RDF_FORMATS),
                         ids=lambda v: getattr(v, "name", v))
def test_the_endpoint_answers_in_every_media_type(client, media_type, fmt):
    query = SELECT if fmt.kind == RESULTS else CONSTRUCT
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type(media_type)
    if fmt.oxigraph == ox.QueryResultsFormat.CSV:  # lossy: Oxigraph writes it but does not read it
        assert response.data.count(b"\r\n") == 4
    elif fmt.kind == RESULTS:
        assert len(list(ox.parse_query_results(response.data, format=fmt.oxigraph))) == 3
    else:
        assert FOAF_PERSON in {q.triple for q in ox.parse(response.data, format=fmt.oxigraph)}


def test_the_endpoint_refuses_what_the_table_does_not_hold(client):
    select = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/turtle"})
    construct = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert select.status_code == construct.status_code == 406
    assert all(m in select.get_json()["error"] for m in acceptable(RESULT_FORMATS))
    assert all(m in construct.get_json()["error"] for m in acceptable(RDF_FORMATS))


@pytest.mark.parametrize(("suffix", "fmt"), [(s, f) for f in negotiation.PAGE_FORMATS for s in f.suffixes],
                         ids=lambda v: getattr(v, "name", v))
def test_every_suffix_dereferences(client, suffix, fmt):
    response = client.get(f"/id/{KAZAKOVA}.{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type()
    assert "Vary" not in response.headers
    if fmt is negotiation.HTML:
        assert response.data.startswith(b"<!doctype html>")
    else:
        assert FOAF_PERSON in {q.triple for q in ox.parse(response.data, format=fmt.oxigraph)}


@pytest.mark.parametrize(("media_type", "fmt"), offers(negotiation.PAGE_FORMATS), ids=lambda v: getattr(v, "name", v))
def test_every_media_type_dereferences(client, media_type, fmt):
    response = client.get(f"/id/{KAZAKOVA}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type()  # a document's registered type
    assert response.headers["Content-Location"] == f"/id/{KAZAKOVA}.{fmt.suffix}"
    assert response.headers["Vary"] == "Accept"


def test_a_resource_names_every_format(client):
    response = client.get(f"/id/{KAZAKOVA}")
    link = response.headers["Link"]
    html = response.get_data(as_text=True)
    for fmt in negotiation.PAGE_FORMATS:
        assert f'</id/{KAZAKOVA}.{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"' in link
    for fmt in RDF_FORMATS:
        assert f'<a href="/id/{KAZAKOVA}.{fmt.suffix}" type="{fmt.media_type}">{fmt.label}</a>' in html
        assert f"<code>.{fmt.suffix}</code>" in html  # the footer's hint
    assert link.count('rel="alternate"') == len(negotiation.PAGE_FORMATS)
    unknown = client.get(f"/id/{KAZAKOVA}.pdf", headers={"Accept": "text/plain"})
    assert unknown.status_code == 404
    assert all(f".{f.suffix}" in unknown.get_data(as_text=True) for f in negotiation.PAGE_FORMATS)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_the_ontology_in_every_rdf_format(client, fmt):
    response = client.get(f"/ontology.{fmt.suffix}")
    assert response.status_code == 200 and response.headers["Content-Type"] == fmt.content_type()
    assert len(list(ox.parse(response.data, format=fmt.oxigraph))) > 100
    assert f'href="/ontology.{fmt.suffix}"' in client.get("/ontology").get_data(as_text=True)


@pytest.mark.parametrize(("query", "offered"), [(SELECT, RESULT_FORMATS), (CONSTRUCT, RDF_FORMATS)],
                         ids=["select", "construct"])
def test_downloads_offer_every_format_of_the_answer(client, query, offered):
    html = client.get("/", query_string={"query": query}).get_data(as_text=True)
    for fmt in offered:
        assert f">{fmt.label}</a>" in html
    assert html.count('href="/results.') == len(offered)
    for fmt in offered:
        for suffix in fmt.suffixes:
            response = client.get(f"/results.{suffix}", query_string={"query": query})
            assert response.status_code == 200, suffix
            assert response.headers["Content-Type"] == fmt.content_type()
            assert response.headers["Content-Disposition"] == f'attachment; filename="results.{suffix}"'
    assert client.get("/results.pdf", query_string={"query": query}).status_code == 404


def test_validate_negotiates_json_or_turtle(client):
    record = (Path(__file__).resolve().parents[1] / "data" / "meetings" / "2019-06-20-ccim-22.yaml").read_bytes()
    post = lambda accept: client.post("/validate?name=meetings/2019-06-20-ccim-22.yaml", data=record,  # noqa: E731
                                      headers={"Accept": accept} if accept is not None else {})
    assert post(None).mimetype == post("*/*").mimetype == "application/json"
    assert post("text/turtle").mimetype == post("text/*").mimetype == "text/turtle"
    assert post("text/turtle, application/json").mimetype == "text/turtle"  # the client's order
    assert post("application/json;q=0.5, text/turtle").mimetype == "text/turtle"
    refused = post("image/png")
    assert refused.status_code == 406 and "text/turtle" in refused.get_json()["error"]


def test_the_command_line_offers_the_table(built_store, runner, tmp_path):
    def choices(command: str) -> tuple[str, ...]:
        option = next(p for p in main.commands[command].params if p.name == "fmt")
        assert isinstance(option.type, click.Choice)
        return tuple(option.type.choices)

    assert choices("query") == ("table", *names())
    assert choices("export") == choices("import") == names(DATASET_FORMATS)
    quads = built_store.manifest()["quads"]
    for fmt in DATASET_FORMATS:
        out = tmp_path / f"graph.{fmt.suffix}"
        result = runner.invoke(main, ["export", "--store", str(built_store.path), "--format", fmt.name, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert len(list(ox.parse(out.read_bytes(), format=fmt.oxigraph))) == quads
        assert all(replica.format_of(Path(f"x.{s.upper()}")) == fmt.name for s in fmt.suffixes)


@pytest.mark.parametrize("name", ["table", *names()])
def test_the_command_line_writes_each_format(built_store, name):
    select, graph = run(built_store, SELECT), run(built_store, CONSTRUCT)
    if name == "table" or by_name(name).kind == RESULTS:
        assert serialize(select, name)
    rdf = RDF_FORMATS[0] if name == "table" else by_name(name)
    if rdf.kind == RESULTS:  # the RDF format the endpoint answers a graph with for the same media types
        try:
            rdf = negotiate(", ".join(rdf.media_types), RDF_FORMATS).format
        except NotAcceptable:
            with pytest.raises(BadQuery, match="not a format for CONSTRUCT"):
                serialize(graph, name)
            return
    assert FOAF_PERSON in {q.triple for q in ox.parse(serialize(graph, name), format=rdf.oxigraph)}


def test_a_remote_store_s_answer_is_read_in_every_rdf_type_results_do_not_share():
    expected = {m: f.oxigraph for f in RDF_FORMATS for m in f.media_types if by_media_type(m, RESULT_FORMATS) is None}
    assert remote.GRAPH_TYPES == expected
    assert "application/json" not in remote.GRAPH_TYPES  # a SPARQL JSON answer is never read as JSON-LD


def test_downloads_and_pages_take_the_table_s_formats():
    assert pages.SELECT_DOWNLOADS == RESULT_FORMATS and pages.GRAPH_DOWNLOADS == RDF_FORMATS
    assert negotiation.PAGE_FORMATS[1:] == RDF_FORMATS
    assert json.dumps([f.name for f in validation.REPORT_FORMATS]) == '["report", "turtle"]'
