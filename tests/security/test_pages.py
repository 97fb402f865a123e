"""Pages for people against a hostile client, on a live ``csto-kg serve``.

* An IRI a result or a stored statement holds becomes a link only when a browser may follow it
  safely (this server's pages, ``http``, ``https``); a ``javascript:`` or ``data:`` IRI is shown
  as text, on the workbench and on entity pages alike.
* Every answer (pages, ``/sparql``, ``/validate``, static files, errors) carries the security
  headers, and the pages work under that Content-Security-Policy (no inline script or style).
* A resource address that is not made of slugs is a ``404`` before any query, never a ``500``.

One server for the module, over the real records plus one graph of hostile statements (IRIs with
``javascript:`` and ``data:`` schemes where the pages expect links).
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import requests

from csto_kg.store.embedded import EmbeddedStore
from csto_kg.graph.vocab import ID, IGO

from ..conftest import DATA
from ..headless import CHROMEDRIVER, CHROMIUM, webdriver_chrome
from ..live_endpoint import serve

SCRIPT_IRIS = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(document.domain)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydChkb2N1bWVudC5kb21haW4pPC9zY3JpcHQ+",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HOSTILE_GRAPH = "https://w3id.org/csto-kg/graph/hostile"
MALLORY = ID + "person/mallory"
MEETING = ID + "meeting/2099-01-01-hostile"
POST = ID + "post/hostile"
STATE = ID + "state/hostile"
FOAF_PERSON = "http://xmlns.com/foaf/0.1/Person"
ORG = "http://www.w3.org/ns/org#"
SKOS_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
PROV_SOURCE = "http://www.w3.org/ns/prov#wasDerivedFrom"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def hostile_statements() -> list[tuple[str, str, str | int]]:
    """A person, a meeting, a post and a state whose linked resources have script IRIs."""
    js, data = SCRIPT_IRIS[0], SCRIPT_IRIS[2]
    return [
        (MALLORY, RDF_TYPE, FOAF_PERSON), (MALLORY, LABEL, "Mallory"),
        (MALLORY, SKOS_MATCH, js), (MALLORY, SKOS_MATCH, data), (MALLORY, PROV_SOURCE, js),
        (MEETING, RDF_TYPE, IGO.Meeting), (MEETING, LABEL, "Hostile meeting"), (MEETING, IGO.body, ID + "body/hostile"),
        (MEETING, IGO.nextMeeting, js), (MEETING, IGO.agendaItem, data), (data, IGO.number, 1),
        (js, RDF_TYPE, IGO.Participation), (js, IGO.inMeeting, MEETING), (js, IGO.number, 1),
        (js, IGO.participant, MALLORY), (js, IGO.onBehalfOf, STATE),
        (data, IGO.decidedAt, MEETING), (data, IGO.appointee, MALLORY),
        (POST, RDF_TYPE, ORG + "Post"), (POST, LABEL, "Hostile post"),
        (js, RDF_TYPE, ORG + "Membership"), (js, IGO.post, POST), (js, ORG + "member", MALLORY),
        (STATE, RDF_TYPE, IGO.State), (STATE, LABEL, "Hostile state"), (STATE, SKOS_MATCH, js),
    ]


def _nquad(s: str, p: str, o: str | int) -> str:
    graph = ox.NamedNode(HOSTILE_GRAPH)
    if isinstance(o, int):
        obj = ox.Literal(str(o), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    elif p == LABEL:
        obj = ox.Literal(o, language="en")
    else:
        obj = ox.NamedNode(o)
    return str(ox.Quad(ox.NamedNode(s), ox.NamedNode(str(p)), obj, graph)) + " .\n"


@pytest.fixture(scope="module")
def live(built_store, tmp_path_factory):
    """``csto-kg serve`` over the real records plus the hostile graph."""
    store = EmbeddedStore(tmp_path_factory.mktemp("hostile-store") / "store")
    real = built_store.reader().dump(format=ox.RdfFormat.N_QUADS)
    store.replace(real + "".join(_nquad(*t) for t in hostile_statements()).encode("utf-8"),
                  {"fixture": "the real records and a graph of hostile statements"})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CSTO_KG_DATA", str(DATA))  # for /validate
        with serve(store.path) as running:
            yield running


class Page(HTMLParser):
    """Every URL a page's elements point to, the text outside links, and the text inside them."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.text: list[str] = []
        self.link_text: list[str] = []
        self.in_link = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.urls += [value or "" for name, value in attrs if name in self.URL_ATTRIBUTES]
        if tag == "a":
            self.in_link += 1

    def handle_endtag(self, tag):
        if tag == "a" and self.in_link:
            self.in_link -= 1

    def handle_data(self, data):
        (self.link_text if self.in_link else self.text).append(data)


def scheme(url: str) -> str | None:
    """The scheme a browser sees in ``url`` (it drops tabs and line breaks, and controls and spaces at the ends)."""
    cleaned = "".join(c for c in url if c not in "\t\n\r").strip("".join(map(chr, range(0x21))))
    head = cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return head.split(":", 1)[0].lower() if ":" in head else None


def assert_only_safe_urls(html: str) -> Page:
    page = Page(html)
    unsafe = [u for u in page.urls if scheme(u) not in (None, "http", "https")]
    assert not unsafe, f"the page points to {unsafe}"
    return page


def workbench_query(*iris: str) -> str:
    values = " ".join(f"<{i}>" for i in iris)
    return f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"


# -- 8: only http(s) IRIs and this server's own become links


@pytest.mark.parametrize("bad", SCRIPT_IRIS)
def test_script_iris_in_results_are_text_not_links(live, bad):
    kept, ours = "https://example.org/kept", ID + "person/valentina-kazakova"
    response = requests.get(live.url + "/", params={"query": workbench_query(bad, kept, ours)}, timeout=30)
    assert response.status_code == 200
    page = assert_only_safe_urls(response.text)
    results = Page(response.text.split('id="results-table"', 1)[1].split("</table>", 1)[0])
    assert bad in "".join(results.text)  # shown, as text
    assert bad not in "".join(results.link_text)
    assert kept in page.urls and "/id/person/valentina-kazakova" in page.urls  # the other IRIs are still links


@pytest.mark.parametrize("iri", [MALLORY, MEETING, POST, STATE])
def test_script_iris_on_entity_pages_are_text_not_links(live, iri):
    response = requests.get(live.url + "/id/" + iri[len(ID):], headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    page = assert_only_safe_urls(response.text)
    shown = "".join(page.text)
    assert SCRIPT_IRIS[0] in shown or SCRIPT_IRIS[2] in shown
    assert "/id/person/mallory" in page.urls or iri == MALLORY  # links to our pages are kept


# -- 9: security headers on every answer


def _validate_good(url: str) -> requests.Response:
    body = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_bytes()
    return requests.post(url + "/validate?name=meetings/2019-06-20-ccim-22.yaml", data=body, timeout=60,
                         headers={"Content-Type": "application/yaml"})


REQUESTS = {  # name: (how to ask, the status expected)
    "workbench": (lambda url: requests.get(url + "/", timeout=30), 200),
    "entity page": (lambda url: requests.get(url + "/id/person/valentina-kazakova", timeout=30), 200),
    "entity as Turtle": (lambda url: requests.get(url + "/id/person/valentina-kazakova.ttl", timeout=30), 200),
    "ontology": (lambda url: requests.get(url + "/ontology", timeout=30), 200),
    "sparql query": (lambda url: requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30), 200),
    "sparql service description": (lambda url: requests.get(url + "/sparql", timeout=30), 200),
    "sparql bad query": (lambda url: requests.get(url + "/sparql", params={"query": "SELEKT nonsense"}, timeout=30), 400),
    "sparql update": (lambda url: requests.post(url + "/sparql", data={"update": "CLEAR ALL"}, timeout=30), 403),
    "sparql options": (lambda url: requests.options(url + "/sparql", timeout=30), 204),
    "validate": (_validate_good, 200),
    "validate bad name": (lambda url: requests.post(url + "/validate?name=../x", data=b"a: 1", timeout=30), 400),
    "validate by GET": (lambda url: requests.get(url + "/validate", timeout=30), 405),
    "static": (lambda url: requests.get(url + "/static/pages/pages.css", timeout=30), 200),
    "healthz": (lambda url: requests.get(url + "/healthz", timeout=30), 200),
    "unknown IRI": (lambda url: requests.get(url + "/id/person/nobody-at-all", timeout=30), 404),
    "unknown page": (lambda url: requests.get(url + "/no/such/page", timeout=30), 404),
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_answer_carries_the_security_headers(live, name):
    ask, status = REQUESTS[name]
    response = ask(live.url)
    assert response.status_code == status
    for header, value in HEADERS.items():
        assert response.headers.get(header) == value, header  # once: requests joins repeated headers


class Inline(HTMLParser):
    """What the policy would block in a page: inline scripts, style elements and attributes, event handlers."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[str] = []
        self.script: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            self.script = "" if "src" in names else "<script> without src"
        self.found += [f"<{tag} {n}>" for n in names if n == "style" or n.startswith("on")]

    def handle_data(self, data):
        if self.script is not None:
            self.script += data

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            if self.script.strip():
                self.found.append("inline script")
            self.script = None


def test_pages_hold_no_inline_script_or_style(live):
    """The policy allows no inline script or style: the pages must need none."""
    for path in ("/", "/id/meeting/2019-06-20-ccim-22", "/id/person/valentina-kazakova", "/id/state/russia",
                 "/id/post/csto-ccim-secretary", "/ontology", "/shapes", "/id/person/nobody-at-all",
                 "/?query=" + quote(workbench_query(SCRIPT_IRIS[0]))):
        response = requests.get(live.url + path, timeout=30)
        assert response.headers["Content-Type"].startswith("text/html"), path
        assert Inline(response.text).found == [], path


# -- 10: odd slugs are a 404 before any query

ODD_SLUGS = ["a%20b", "a%7Bb%7D", "a%22b", "a%3Eb", "%3Cscript%3E", "%00", "valentina-kazakova%00.ttl",
             "a%5Cb", "a%0Ab", "Valentina-Kazakova", "a--b", "-a", "%E2%80%AEb", "a%3E%20%3Fp%20%3Fo%20.%20%3Cx",
             "russia%22%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo"]


@pytest.mark.parametrize("accept, mimetype", [("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
                                              ("text/turtle", "text/plain")])
@pytest.mark.parametrize("slug", ODD_SLUGS)
def test_odd_slug_is_not_found(live, slug, accept, mimetype):
    logged_before = live.log.seek(0, os.SEEK_END)
    for path in (f"/id/person/{slug}", f"/id/meeting/2019-06-20-ccim-22/participation/{slug}"):
        response = requests.get(live.url + path, headers={"Accept": accept}, timeout=30)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"].split(";")[0] == mimetype
        if mimetype == "text/html":
            assert "Nothing is known about this resource" in response.text
            assert_only_safe_urls(response.text)
            assert "<script>" not in response.text
        assert "slug" in response.text or "is not a format" in response.text  # says what is wrong
    assert requests.get(live.url + "/healthz", timeout=30).status_code == 200
    live.log.seek(logged_before)
    assert b"Traceback" not in live.log.read()  # nothing failed inside the server


# -- in a browser: no link to run script, and the pages work under the policy

WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    pytest.importorskip("selenium.webdriver", reason="selenium is part of the [test] extra")
    driver = webdriver_chrome(tmp_path_factory.mktemp("chromium-profile"), browser_log=True)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
    yield driver
    driver.quit()


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="headless Chromium is not installed (apt-get install chromium chromium-driver)")
def test_in_a_browser_no_script_link_and_no_policy_violation(live, browser):
    from selenium.webdriver.common.by import By

    bad = SCRIPT_IRIS[0]
    browser.get(live.url + "/?query=" + quote(workbench_query(bad, ID + "person/valentina-kazakova")) + "#results")
    table = browser.find_element(By.ID, "results-table")
    assert bad in table.text
    hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
    assert not [h for h in hrefs if scheme(h) not in ("http", "https")], hrefs
    cell = table.find_element(By.XPATH, f".//*[contains(text(), '{bad}')]")
    assert cell.tag_name != "a"
    cell.click()  # text, not a link: nothing runs, nothing is opened
    assert browser.current_url.startswith(live.url)

    browser.get_log("browser")  # only what the pages below log counts
    for path, ready in (("/", (By.ID, "query")), ("/id/meeting/2019-06-20-ccim-22", (By.ID, "participants-table")),
                        ("/id/person/valentina-kazakova", (By.ID, "appointments-table")),
                        ("/?query=" + quote(workbench_query(bad)), (By.ID, "results-table"))):
        browser.get(live.url + path)
        assert browser.find_element(*ready).is_displayed(), path
        # the stylesheet applied: the site header's background comes from pages.css
        header = browser.find_element(By.CSS_SELECTOR, "header.site")
        assert header.value_of_css_property("background-color") == "rgba(31, 45, 61, 1)", path
        assert browser.execute_script("return window.__csp") == [], path
        logged = [entry["message"] for entry in browser.get_log("browser")]
        assert not [m for m in logged if "Content Security Policy" in m], logged
    # the workbench's script ran under the policy: Tab indents in the editor
    from selenium.webdriver.common.keys import Keys

    browser.get(live.url + "/")
    area = browser.find_element(By.ID, "query")
    area.clear()
    area.send_keys("x", Keys.TAB)
    assert area.get_attribute("value") == "x  "
