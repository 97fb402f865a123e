"""Pages for people and dereferenceable IRIs: content negotiation, entity pages, workbench, docs."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS

from csto_kg.graph.vocab import IGO, ONTOLOGY_IRI, SH
from csto_kg.web import create_app
from csto_kg.web.pages import QUERIES as PACKAGED_QUERIES

from .conftest import QUERIES, ROOT
from .conftest import app_on

ID = "https://w3id.org/csto-kg/id/"
MEETING = "meeting/2019-06-20-ccim-22"
KAZAKOVA = "person/valentina-kazakova"
GOROVOY = "person/aleksandr-gorovoy"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
SUFFIXES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.fixture(scope="module")
def app(built_store):
    with app_on(built_store, SPARQL_WORKERS=2) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def parse(response, fmt: str) -> Graph:
    return Graph().parse(data=response.get_data(as_text=True), format=fmt, publicID=ID)


class Page(HTMLParser):
    """A page's links, ids, headings, and the text that is not inside a link."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []
        self.headings: list[int] = []
        self.unlinked: list[str] = []
        self.stack: list[str] = []
        self.in_link = 0
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.lang = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            self.in_link += 1
            self.links.append(attrs.get("href") or "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in ("textarea", "input", "select") and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id") or "")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
        if tag == "a":
            self.in_link -= 1

    def handle_data(self, data):
        if not self.in_link and data.strip():
            self.unlinked.append(data)


def check_html(html: str) -> Page:
    """Well-formed enough, unique ids, one h1, no skipped heading level, every control labelled."""
    page = Page(html)
    page.close()
    assert html.startswith("<!doctype html>")
    assert page.lang == "en"
    assert not page.stack, f"unclosed elements: {page.stack}"
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:]):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    for control in page.controls:
        assert control in page.labels, f"form control #{control} has no <label>"
    assert all(page.links), "a link without href"
    return page


# -- content negotiation


@pytest.mark.parametrize("accept", sorted(RDF_TYPES))
def test_each_rdf_type_by_accept_round_trips(client, accept):
    response = client.get(f"/id/{KAZAKOVA}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert response.headers["Vary"] == "Accept"
    suffix = {v: k for k, v in SUFFIXES.items()}[RDF_TYPES[accept]]
    assert response.headers["Content-Location"] == f"/id/{KAZAKOVA}.{suffix}"
    graph = parse(response, RDF_TYPES[accept])
    person = URIRef(ID + KAZAKOVA)
    assert (person, RDF.type, FOAF.Person) in graph
    assert (person, RDFS.label, Literal("Valentina Kazakova", lang="en")) in graph
    # the symmetric description: what refers to her, with labels of what it mentions
    participation = URIRef(ID + MEETING + "/participation/2")
    decision = URIRef(ID + MEETING + "/decision/1")
    assert (participation, IGO.participant, person) in graph
    assert (decision, IGO.appointee, person) in graph
    assert graph.value(decision, RDFS.label).startswith("Appointment of Valentina Kazakova")


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_each_rdf_type_by_suffix(client, suffix):
    response = client.get(f"/id/{MEETING}.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Vary" not in response.headers  # the suffixed document is one representation
    graph = parse(response, SUFFIXES[suffix])
    meeting = URIRef(ID + MEETING)
    assert (meeting, RDF.type, IGO.Meeting) in graph
    assert (meeting, IGO.body, URIRef(ID + "body/csto-ccim")) in graph
    assert str(graph.value(meeting, IGO.sessionNumber)) == "22"
    assert graph.value(URIRef(ID + "place/cholpon-ata"), RDFS.label) is not None  # label of a linked resource


def test_meeting_scoped_iri_dereferences(client):
    response = client.get(f"/id/{MEETING}/participation/1", headers={"Accept": "text/turtle"})
    graph = parse(response, "turtle")
    node = URIRef(ID + MEETING + "/participation/1")
    assert (node, IGO.participant, URIRef(ID + GOROVOY)) in graph
    assert (node, IGO.role, URIRef(ID + "role/head-of-delegation")) in graph
    assert client.get(f"/id/{MEETING}/delegation/russia.nt").status_code == 200


def test_link_header_names_canonical_iri_and_alternates(client):
    response = client.get(f"/id/{KAZAKOVA}")
    assert response.mimetype == "text/html"  # no Accept: a page for people
    link = response.headers["Link"]
    assert f'<{ID}{KAZAKOVA}>; rel="canonical"' in link
    for suffix, mime in (("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
                         ("rdf", "application/rdf+xml"), ("html", "text/html")):
        assert f'</id/{KAZAKOVA}.{suffix}>; rel="alternate"; type="{mime}"' in link


def test_browser_accept_header_gets_html_and_q_values_count(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get(f"/id/{KAZAKOVA}", headers={"Accept": browser}).mimetype == "text/html"
    prefers_turtle = "text/html;q=0.5, text/turtle"
    assert client.get(f"/id/{KAZAKOVA}", headers={"Accept": prefers_turtle}).mimetype == "text/turtle"


def test_unsupported_accept_is_406_with_the_choices(client):
    response = client.get(f"/id/{KAZAKOVA}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_unknown_suffix_is_404_naming_the_formats(client):
    response = client.get(f"/id/{KAZAKOVA}.pdf")
    assert response.status_code == 404
    assert ".ttl" in response.get_data(as_text=True)


def test_unknown_slug_suggests_near_matches(client):
    response = client.get("/id/person/valentina-kazakov")
    assert response.status_code == 404
    page = check_html(response.get_data(as_text=True))
    assert f"/id/{KAZAKOVA}" in page.links
    other_kind = client.get("/id/person/russia")
    assert other_kind.status_code == 404
    assert "/id/state/russia" in Page(other_kind.get_data(as_text=True)).links


def test_unknown_slug_suggests_entities_by_label_too(client):
    """The 404's near matches are those of a record's references: a label or acronym counts."""
    response = client.get("/id/body/csto-ksbnm")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    check_html(html)
    first = Page(html.split('class="suggestions"', 1)[1].split("</ul>", 1)[0]).links[0]
    assert first == "/id/body/csto-ccim" and "(alt label KSBNM)" in html
    text = client.get("/id/body/csto-ksbnm", headers={"Accept": "text/plain"}).get_data(as_text=True)
    assert text.splitlines()[1].startswith("did you mean ") and "/id/body/csto-ccim" in text.splitlines()[1]
    assert "; alt label KSBNM)?" in text.splitlines()[1]


def test_unknown_slug_for_a_program_is_plain_text(client):
    response = client.get("/id/person/valentina-kazakov", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert f"/id/{KAZAKOVA}" in response.get_data(as_text=True)


# -- the base IRI and mounting behind a proxy


def test_mounted_under_a_prefix_links_keep_the_prefix(client):
    response = client.get(f"/id/{MEETING}", base_url="http://localhost/csto-kg/")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert f"/csto-kg/id/{KAZAKOVA}" in page.links
    assert not [h for h in page.links if h.startswith("/id/")]


def test_base_iri_setting_maps_paths_to_iris(built_store):
    other = create_app({"STORE": str(built_store.path), "TESTING": True, "BASE_IRI": "https://example.org/kg/"})
    response = other.test_client().get(f"/id/{KAZAKOVA}")
    assert response.status_code == 404  # the store's IRIs are not under that base
    assert "https://example.org/kg/id/person/valentina-kazakova" in response.get_data(as_text=True)
    no_slash = create_app({"STORE": str(built_store.path), "TESTING": True, "BASE_IRI": "https://w3id.org/csto-kg"})
    assert no_slash.test_client().get(f"/id/{KAZAKOVA}").status_code == 200


# -- entity pages


def test_meeting_page(client):
    html = client.get(f"/id/{MEETING}").get_data(as_text=True)
    page = check_html(html)
    table = html.split('id="participants-table"', 1)[1].split("</table>", 1)[0]
    assert "Delegation of" in table and "/id/state/russia" in table
    russia = table.split('href="/id/state/russia"', 1)[1]
    for text in ("Aleksandr Gorovoy", "Valentina Kazakova", "head of delegation", "Police Colonel-General"):
        assert text.lower() in russia.lower(), text
    assert "name not given" in table  # a participation that names only the post
    assert "/id/source/mia-en-2019-06-21-ccim-22" in table  # each row shows its source
    decisions = html.split('id="decisions"', 1)[1].split("</section>", 1)[0]
    assert f"/id/{KAZAKOVA}" in decisions and "/id/post/csto-ccim-secretary" in decisions
    agenda = html.split('id="agenda"', 1)[1].split("</section>", 1)[0]
    assert "/id/state/kazakhstan" in agenda  # proposed by
    assert f"/id/{MEETING}.ttl" in page.links


def test_meeting_page_names_each_decision_by_its_kind(client):
    html = client.get("/id/meeting/2020-ccim-23").get_data(as_text=True)
    check_html(html)
    kinds = re.findall(r'<td class="decision-kind">([^<]*)</td>', html.split('id="decisions"', 1)[1])
    assert kinds == ["Election", "Protocol"]  # an election is also an appointment; the page says election
    html = client.get("/id/meeting/2020-12-02-csc-videoconference").get_data(as_text=True)
    decisions = html.split('id="decisions"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<td class="decision-kind">([^<]*)</td>', decisions) == [
        "Declaration", "Statement", "Agreement", "Protocol"]
    assert "“Collective Security Declaration”" in decisions and "title not given" in decisions
    assert "/id/meeting/2020-12-02-csc-videoconference/decision/1/document" in decisions
    joint = client.get("/id/meeting/2019-11-27-cfm-cdm-cssc-bishkek").get_data(as_text=True)
    assert "adopted by" in joint and "/id/body/csto-cdm" in joint.split('id="decisions"', 1)[1]


def test_meeting_page_shows_absences_observers_and_unnamed_representatives(client):
    html = client.get("/id/meeting/2018-04-26-ccim-21").get_data(as_text=True)
    check_html(html)
    absent = html.split('id="absent-table"', 1)[1].split("</table>", 1)[0]
    assert "/id/state/armenia" in absent and "Yerevan" in absent
    assert "/id/source/ekhokavkaza-ru-ccim-21-armenia-absent" in absent
    html = client.get("/id/meeting/2021-02-18-cis-migration-council-25").get_data(as_text=True)
    table = html.split('id="participants-table"', 1)[1].split("</table>", 1)[0]
    observers = table.split("Observers", 1)[1]
    for who in ("state/turkmenistan", "organization/general-confederation-of-trade-unions",
                "organization/eurasian-economic-commission"):
        assert f"/id/{who}" in observers, who
    assert "representatives</span> <span class=\"note\">(not named)" in table
    assert "/id/body/cis-executive-committee" in table  # a body on whose behalf
    armenia = client.get("/id/state/armenia").get_data(as_text=True)
    assert re.search(r"21st meeting of the CSTO Coordinating Council[^<]*</a></td><td>absent</td>", armenia)
    peskov = client.get("/id/person/dmitry-peskov").get_data(as_text=True)
    assert "held on 2018-11-08" in peskov.split('id="posts-table"', 1)[1].split("</table>", 1)[0]


def test_every_iri_on_entity_pages_is_a_link_that_dereferences(client):
    for path in (MEETING, KAZAKOVA, GOROVOY, "state/russia", "post/csto-ccim-secretary", "body/csto-ccim",
                 "meeting/2021-02-18-cis-migration-council-25", "meeting/2020-12-02-csc-videoconference",
                 "meeting/2018-04-26-ccim-21", "role/welcomed"):
        page = check_html(client.get(f"/id/{path}").get_data(as_text=True))
        bare = [t for t in page.unlinked if "https://w3id.org/csto-kg/id/" in t]
        assert not bare, f"{path}: IRIs shown without a link: {bare}"
        for link in sorted({h.split("#")[0] for h in page.links if h.startswith("/id/")}):
            assert client.get(link).status_code == 200, f"{path} links to {link}"


def test_person_page_shows_participation_appointment_and_sources(client):
    html = client.get(f"/id/{KAZAKOVA}").get_data(as_text=True)
    check_html(html)
    participations = html.split('id="participations-table"', 1)[1].split("</table>", 1)[0]
    assert f"/id/{MEETING}" in participations and "delegation member" in participations.lower()
    assert "/id/post/russia-mia-migration-directorate-chief" in participations
    appointments = html.split('id="appointments-table"', 1)[1].split("</table>", 1)[0]
    assert "/id/post/csto-ccim-secretary" in appointments
    assert "/id/source/mia-en-2019-06-21-ccim-22" in appointments
    posts = html.split('id="posts-table"', 1)[1].split("</table>", 1)[0]
    assert "2019-06-20" in posts  # held from the meeting, the source giving no other date
    assert "Wikidata" in html


def test_post_state_and_generic_pages(client):
    post = client.get("/id/post/csto-ccim-secretary").get_data(as_text=True)
    assert f"/id/{KAZAKOVA}" in post.split('id="holders-table"', 1)[1].split("</table>", 1)[0]
    russia = client.get("/id/state/russia").get_data(as_text=True)
    delegations = russia.split('id="delegations"', 1)[1].split("</table>", 1)[0]
    assert f"/id/{GOROVOY}" in delegations  # head of its delegation
    role = client.get("/id/role/chair")
    assert role.status_code == 200 and "All statements" in role.get_data(as_text=True)


def _text(html: str) -> str:
    """What a reader sees: cells apart, the rest of the markup gone."""
    return " ".join(re.sub(r"<[^>]+>", "", re.sub(r"</t[dh]>|<br>|</p>|</tr>", " ", html)).split()).lstrip("> ")


def test_pages_say_acting_and_keep_the_sources_own_words(client):
    html = client.get("/id/meeting/2018-11-08-csc-astana").get_data(as_text=True)
    check_html(html)
    table = _text(html.split('id="participants-table"', 1)[1].split("</table>", 1)[0])
    assert "acting Secretary General of the CSTO (as stated: “CSTO Acting Secretary General”)" in table
    assert "acting Prime Minister of the Republic of Armenia (as stated: “acting Prime Minister of Armenia”)" in table
    # no rank in the source, for each of the three named and the four presidents it names by post only
    assert table.count("not stated by the source") == 7
    person = client.get("/id/person/valery-semerikov").get_data(as_text=True)
    check_html(person)
    held = _text(person.split('id="posts-table"', 1)[1].split("</table>", 1)[0])
    assert held.startswith("post from until by decision source acting Secretary General of the CSTO (holding) held on 2017-04-14")
    assert "acting Secretary General of the CSTO (holding) 2018-11 2019" in held
    attended = _text(person.split('id="participations-table"', 1)[1].split("</table>", 1)[0])
    assert attended.count("acting Secretary General of the CSTO") == 3
    assert "“Заместитель Генерального секретаря ОДКБ” (ru)" in attended
    post = client.get("/id/post/csto-secretary-general").get_data(as_text=True)
    holders = _text(post.split('id="holders-table"', 1)[1].split("</table>", 1)[0])
    assert "Valery Semerikov (acting) (holding) 2018-11 2019" in holders
    assert "Yuri Khachaturov (holding)" in holders and "Yuri Khachaturov (acting)" not in holders
    at_meetings = _text(post.split('id="participations"', 1)[1].split("</table>", 1)[0])
    assert at_meetings.count("Valery Semerikov (acting)") == 3 and "Stanislav Zas (acting)" not in at_meetings
    ccim = _text(client.get(f"/id/{MEETING}").get_data(as_text=True))
    assert "Session 22" in ccim and "inferred" not in ccim
    assert "delegation member (as stated: “From the Russian MIA the event was also attended by”)" in ccim


def test_a_meeting_page_says_when_its_session_number_is_inferred(tmp_path, data_copy, validator):
    from csto_kg.check.build import build
    from csto_kg.store.embedded import EmbeddedStore

    path = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("session: 22\n", "session: {number: 22, inferred: true}\n", 1), encoding="utf-8")
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    app = create_app({"STORE": str(store.path), "TESTING": True, "SPARQL_WORKERS": 1})
    try:
        html = app.test_client().get(f"/id/{MEETING}").get_data(as_text=True)
    finally:
        runner = app.extensions.get("csto_kg.sparql_runner")
        if runner is not None:
            runner.close()
    check_html(html)
    assert "Session 22 (inferred by the curator; no source states the number)" in _text(html)
    statements = _text(html.split('id="statements"', 1)[1])
    assert "inferred session number 22" in statements and "session number 22" not in statements.replace("inferred session", "")


def test_facts_show_the_record_file_they_come_from(client):
    html = client.get(f"/id/{KAZAKOVA}").get_data(as_text=True)
    statements = html.split('id="statements"', 1)[1]
    assert "entities/people.yaml" in statements


def _statements(client, path: str) -> str:
    return client.get(f"/id/{path}").get_data(as_text=True).split('id="statements"', 1)[1]


def test_an_entity_is_credited_to_its_own_sources_never_to_its_files(client):
    # the CSTO cites no source; other entries of organizations.yaml do
    csto = _statements(client, "organization/csto")
    assert "/id/source/" not in csto
    assert "no source cited" in csto and "entities/organizations.yaml" in csto
    # the Collective Security Council cites two sources; csto.yaml cites many more
    council = _statements(client, "body/csto-csc")
    assert "/id/source/kremlin-en-2019-11-28-csc-bishkek" in council
    assert "/id/source/asiaplus-en-2018-11-09-csc-astana" in council
    assert "/id/source/euroradio-en-2019-05-zas-candidacy" not in council


def test_a_meeting_item_is_credited_to_the_sources_that_state_it(client):
    delegation = _statements(client, f"{MEETING}/delegation/armenia")
    assert "/id/source/mia-en-2019-06-21-ccim-22" in delegation
    assert "/id/source/kazinform-en-ccim-cholpon-ata-preview" not in delegation  # the preview names no delegation
    item = _statements(client, f"{MEETING}/agenda/1")
    assert "/id/source/kazinform-en-ccim-cholpon-ata-preview" in item and "/id/source/mia-en-2019-06-21-ccim-22" in item


def test_a_part_of_a_resource_is_credited_to_the_resource_it_is_part_of(client):
    interval = _statements(client, f"{MEETING}/decision/1/post-holding/interval")
    assert "/id/source/mia-en-2019-06-21-ccim-22" in interval
    assert "/id/source/kazinform-en-ccim-cholpon-ata-preview" not in interval


def test_a_meeting_with_an_uncertain_date_shows_it_and_keeps_its_place_among_its_bodys_meetings(client):
    html = client.get("/id/meeting/2018-04-26-ccim-21").get_data(as_text=True)
    check_html(html)
    assert "[2017-04-26, 2018-04-26]" in html.split('id="statements"', 1)[1]
    assert 'href="/id/meeting/2016-11-17-ccim-19" rel="prev"' in html  # ordered by the first day it can be
    assert 'href="/id/meeting/2019-06-20-ccim-22" rel="next"' in html


# -- the workbench


def test_packaged_queries_are_the_competency_questions():
    packaged = sorted(PACKAGED_QUERIES.glob("*.rq"))
    assert len(packaged) >= 8
    for path in packaged:
        assert path.read_text(encoding="utf-8") == (QUERIES / path.name).read_text(encoding="utf-8"), path.name


def test_workbench_shows_counts_and_examples(client):
    html = client.get("/").get_data(as_text=True)
    page = check_html(html)
    assert re.search(r"<strong>[1-9]\d*</strong> meetings", html)
    assert re.search(r"<strong>[1-9]\d*</strong> people", html)
    examples = [h for h in page.links if h.startswith("/?query=")]
    assert len(examples) == len(list(PACKAGED_QUERIES.glob("*.rq")))
    assert "/static/pages/workbench.js" in html
    with client.get("/static/pages/workbench.js") as script:
        assert script.status_code == 200


def test_workbench_runs_a_query_and_links_iris(client):
    query = (QUERIES / "cq1-participants.rq").read_text(encoding="utf-8")
    response = client.get("/", query_string={"query": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = check_html(html)
    table = html.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") >= 5  # header + the four participations of the seed meeting
    assert f'href="/id/{GOROVOY}"' in table and "Aleksandr Gorovoy" in table
    downloads = [h for h in page.links if h.startswith("/results.")]
    assert sorted(h.split("?")[0] for h in downloads) == ["/results.csv", "/results.json", "/results.tsv", "/results.xml"]
    csv_link = next(h for h in downloads if h.startswith("/results.csv"))
    got = client.get(csv_link)
    assert got.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert ID + GOROVOY in {r["person"] for r in rows}


def test_workbench_construct_offers_rdf_downloads(client):
    query = f"CONSTRUCT {{ <{ID}{KAZAKOVA}> ?p ?o }} WHERE {{ <{ID}{KAZAKOVA}> ?p ?o }}"
    html = client.get("/", query_string={"query": query}).get_data(as_text=True)
    links = [h for h in Page(html).links if h.startswith("/results.")]
    assert sorted(h.split("?")[0] for h in links) == ["/results.jsonld", "/results.nq", "/results.nt", "/results.rdf",
                                                      "/results.trig", "/results.ttl"]  # every RDF format
    turtle = client.get(next(h for h in links if h.startswith("/results.ttl")))
    assert (URIRef(ID + KAZAKOVA), RDF.type, FOAF.Person) in parse(turtle, "turtle")


def test_workbench_reports_a_bad_query(client):
    response = client.get("/", query_string={"query": "SELEC ?x"})
    assert response.status_code == 400
    assert "not valid SPARQL" in response.get_data(as_text=True)
    refused = client.get("/", query_string={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert refused.status_code == 403


# -- ontology and shapes


def test_ontology_page_documents_every_igo_term(client):
    html = client.get("/ontology").get_data(as_text=True)
    page = check_html(html)
    ontology = Graph().parse(ROOT / "ontology" / "igo.ttl")
    terms = {str(s) for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(IGO))}
    terms = {t for t in terms if (URIRef(t), RDF.type, OWL.Class) in ontology
             or (URIRef(t), RDF.type, OWL.ObjectProperty) in ontology
             or (URIRef(t), RDF.type, OWL.DatatypeProperty) in ontology}
    assert len(terms) > 20
    for term in terms:
        assert term.split("#", 1)[1] in page.ids, term
    meeting = html.split('id="Meeting"', 1)[1].split("</article>", 1)[0]
    assert str(ontology.value(IGO.Meeting, RDFS.comment)).split()[0] in meeting
    in_meeting = html.split('id="inMeeting"', 1)[1].split("</article>", 1)[0]
    assert "range" in in_meeting and "#Meeting" in in_meeting
    assert "Reused vocabularies" in html and "http://www.w3.org/ns/org#" in html


def test_ontology_iri_dereferences_to_rdf(client):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.headers["Vary"] == "Accept"
    graph = parse(response, "turtle")
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (IGO.Participation, RDF.type, OWL.Class) in graph
    assert client.get("/ontology.jsonld").mimetype == "application/ld+json"
    assert client.get(f"/id/{MEETING}").get_data(as_text=True).count('href="/ontology#Meeting"') >= 1


def test_shapes_page_lists_every_node_shape(client):
    html = client.get("/shapes").get_data(as_text=True)
    check_html(html)
    shapes = Graph().parse(ROOT / "shapes" / "igo-shapes.ttl")
    names = {str(s).rsplit("#", 1)[-1] for s in shapes.subjects(RDF.type, SH.NodeShape)}
    assert names
    for name in names:
        assert f'id="{name}"' in html
    assert "has no English label" in html


# -- accessibility: colour contrast of the stylesheet


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_stylesheet_colours_meet_wcag_aa(client):
    with client.get("/static/pages/pages.css") as stylesheet:
        css = stylesheet.get_data(as_text=True)
    variables = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [(variables["text"], "#ffffff"), (variables["muted"], "#ffffff"), (variables["link"], "#ffffff"),
             (variables["link"], variables["band"]), (variables["text"], "#e6ebf2"), ("#ffffff", "#1f2d3d"),
             ("#ffffff", "#1f5fbf")]
    assert "#1f2d3d" in css and "#1f5fbf" in css and "#e6ebf2" in css
    for fg, bg in pairs:
        assert contrast(fg, bg) >= 4.5, (fg, bg)


def test_long_sections_show_the_latest_rows_and_the_total(client, monkeypatch):
    from csto_kg.web import entity

    monkeypatch.setattr(entity, "SECTION_ROWS", 1)
    page = client.get("/id/state/russia").get_data(as_text=True)
    assert "The latest 1 of " in page
    total = int(page.split("The latest 1 of ", 1)[1].split(" ", 1)[0])
    assert total > 1
    monkeypatch.setattr(entity, "SECTION_ROWS", 10_000)
    assert "The latest" not in client.get("/id/state/russia").get_data(as_text=True)


def test_a_persons_meetings_show_the_latest_rows_and_the_total(client, built_store, monkeypatch):
    from csto_kg.web import entity

    person = entity.rows(built_store, """SELECT ?person (COUNT(?p) AS ?n) WHERE { ?p igo:participant ?person }
                                         GROUP BY ?person ORDER BY DESC(?n) ?person LIMIT 1""")[0]
    path, attended = "/id/" + person["person"][len(entity.ID):], int(person["n"])
    assert attended > 2, attended
    every = entity.person_view(built_store, person["person"])["participations"]
    monkeypatch.setattr(entity, "SECTION_ROWS", 2)
    page = client.get(path).get_data(as_text=True)
    assert f"The latest 2 of {attended} are shown" in page
    latest = entity.person_view(built_store, person["person"])
    assert latest["participations"] == every[-2:] and latest["totals"]["participations"] == attended
    monkeypatch.setattr(entity, "SECTION_ROWS", 10_000)
    assert "The latest" not in client.get(path).get_data(as_text=True)


def test_a_page_labels_each_iri_with_an_english_label_then_any_label_then_a_preferred_one(tmp_path):
    """``Labels``: an English ``rdfs:label`` first, then any ``rdfs:label``, then a ``skos:prefLabel``
    (English first) for an IRI with no ``rdfs:label``; an IRI with neither has none. Over 500 IRIs,
    asked in parts."""
    from csto_kg.graph.names import GRAPH, ID
    from csto_kg.graph.vocab import SKOS
    from csto_kg.store.embedded import EmbeddedStore
    from csto_kg.web.entity import Iri, Labels

    said = [("person/both", RDFS.label, "Иван", "ru", "g1"), ("person/both", RDFS.label, "Ivan", "en", "g2"),
            ("person/both", SKOS.prefLabel, "Preferred", "en", "g1"),
            ("person/russian", RDFS.label, "Пётр", "ru", "g1"), ("person/russian", SKOS.prefLabel, "Pyotr", "en", "g1"),
            ("role/preferred", SKOS.prefLabel, "Председатель", "ru", "g1"),
            ("role/preferred", SKOS.prefLabel, "Chair", "en", "g1")]
    said += [(f"meeting/m-{n}", RDFS.label, f"Meeting {n}", "en", "g1") for n in range(600)]
    store = EmbeddedStore(tmp_path / "store")
    store.replace("".join(f'<{ID}{name}> <{predicate}> "{text}"@{lang} <{GRAPH}{graph}> .\n'
                          for name, predicate, text, lang, graph in said), {})

    labels = Labels(store)
    names = ["person/both", "person/russian", "role/preferred", "person/unlabelled"] + [f"meeting/m-{n}" for n in range(600)]
    labels.fetch(Iri(ID + name) for name in names)
    assert [labels(ID + name) for name in names[:4]] == ["Ivan", "Пётр", "Chair", ""]
    assert [labels(ID + f"meeting/m-{n}") for n in (0, 499, 500, 599)] == ["Meeting 0", "Meeting 499", "Meeting 500",
                                                                          "Meeting 599"]
    assert len(labels.known) == 603
