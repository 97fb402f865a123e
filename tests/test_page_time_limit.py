"""Pages for people under the time limit: their queries run in the query workers, never in the
server's process, and a page whose queries run past ``CSTO_KG_SPARQL_TIME_LIMIT_MS`` is stopped
(``503``, its worker replaced) while the server goes on serving the others."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest
import requests

from csto_kg.graph.vocab import ID, IGO
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.web import create_app
from csto_kg.web.entity import PageReader

from .live_endpoint import serve
from .oxigraph_server import engine_settings

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
START_DATE = "http://schema.org/startDate"
SLOW_STATE = ID + "state/slowland"  # its page's queries join 200 x 200 x 200 rows: far past the limit
QUICK = ID + "person/quick"  # a page that answers at once
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SIDE = 200
BLANKS = 40
# Far above what the quick pages need on a loaded machine, far below what the slow ones would take:
# the test asserts which pages are stopped, not how fast anything is.
LIMIT_MS = 2000


def slow_nquads() -> bytes:
    """A state whose page is slow to gather, and whose RDF description is too, beside a quick person.

    ``SIDE`` participations on behalf of the state, each in ``SIDE`` meetings, each meeting with
    ``SIDE`` start dates: the page's list of meetings joins them all. The state also links to ``BLANKS``
    blank nodes that all link to each other, which its concise bounded description follows four
    steps deep."""
    graph = ox.NamedNode("https://w3id.org/csto-kg/graph/slow")
    quads: list[ox.Quad] = []

    def add(s, p: str, o) -> None:
        quads.append(ox.Quad(ox.NamedNode(s) if isinstance(s, str) else s, ox.NamedNode(p),
                             ox.NamedNode(o) if isinstance(o, str) else o, graph))

    add(SLOW_STATE, RDF_TYPE, str(IGO.State))
    add(SLOW_STATE, LABEL, ox.Literal("Slowland", language="en"))
    add(QUICK, RDF_TYPE, "http://xmlns.com/foaf/0.1/Person")
    add(QUICK, LABEL, ox.Literal("Quick", language="en"))
    date = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    meetings = [ID + f"meeting/2000-01-01-slow-{j}" for j in range(SIDE)]
    for meeting in meetings:
        add(meeting, RDF_TYPE, str(IGO.Meeting))
        for d in range(SIDE):
            add(meeting, START_DATE, ox.Literal(f"{1900 + d}-01-01", datatype=date))
    for i in range(SIDE):
        participation = f"{meetings[0]}/participation/{i + 1}"
        add(participation, str(IGO.onBehalfOf), SLOW_STATE)
        for meeting in meetings:
            add(participation, str(IGO.inMeeting), meeting)
    blanks = [ox.BlankNode(f"b{k}") for k in range(BLANKS)]
    for a in blanks:
        add(SLOW_STATE, "http://example.org/part", a)
        for b in blanks:
            add(a, "http://example.org/next", b)
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


@pytest.fixture(scope="module")
def slow_store(tmp_path_factory) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path_factory.mktemp("slow-store") / "store")
    store.replace(slow_nquads(), {"fixture": "a state whose page is slow"})
    return store


def _close(app) -> None:
    runner = app.extensions.get("csto_kg.sparql_runner")
    if runner is not None:
        runner.close()


@pytest.fixture
def in_the_server_fails(monkeypatch):
    """Querying the embedded store in this process fails; the query workers have their own copy."""
    def in_the_server(*_args, **_kwargs):
        raise AssertionError("a page queried the store in the server's process")

    monkeypatch.setattr(EmbeddedStore, "query", in_the_server)
    monkeypatch.setattr(EmbeddedStore, "reader", in_the_server)


# -- every query of a page runs in a query worker


def test_pages_query_the_store_only_through_the_workers(built_store, in_the_server_fails):
    app = create_app({"STORE": str(built_store.path), "TESTING": True, "SPARQL_WORKERS": 2})
    client = app.test_client()
    try:
        meeting = client.get("/id/meeting/2019-06-20-ccim-22", headers=BROWSER)
        assert meeting.status_code == 200 and "/id/person/valentina-kazakova" in meeting.get_data(as_text=True)
        turtle = client.get("/id/person/valentina-kazakova", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200 and "valentina-kazakova" in turtle.get_data(as_text=True)
        state = client.get("/id/state/russia", headers=BROWSER)
        assert state.status_code == 200
        missing = client.get("/id/person/valentina-kazakov", headers=BROWSER)  # the near-match lookup
        assert missing.status_code == 404 and "/id/person/valentina-kazakova" in missing.get_data(as_text=True)
        people = "SELECT ?s WHERE { ?s a <http://xmlns.com/foaf/0.1/Person> }"
        workbench = client.get("/", query_string={"query": people})
        assert workbench.status_code == 200 and "/id/person/valentina-kazakova" in workbench.get_data(as_text=True)
        pool = app.extensions["csto_kg.sparql_runner"]
        assert pool.replaced == 0 and pool.crashed == 0
    finally:
        _close(app)


def test_pages_of_a_remote_store_query_it_directly(remote_built_store, monkeypatch):
    """A remote store stops each query at the time limit itself: no query workers are started."""
    for name, value in engine_settings(remote_built_store.url).items():
        monkeypatch.setenv(name, value)
    app = create_app({"STORE": remote_built_store.url, "TESTING": True})
    client = app.test_client()
    assert client.get("/id/meeting/2019-06-20-ccim-22", headers=BROWSER).status_code == 200
    missing = client.get("/id/person/valentina-kazakov", headers=BROWSER)
    assert missing.status_code == 404 and "/id/person/valentina-kazakova" in missing.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert type(app.extensions["csto_kg.sparql_runner"]).__name__ == "InlineRunner"


def test_a_page_past_the_time_limit_is_503_naming_the_setting_and_its_worker_is_replaced(slow_store):
    app = create_app({"STORE": str(slow_store.path), "TESTING": True, "SPARQL_WORKERS": 1,
                      "SPARQL_TIME_LIMIT_MS": LIMIT_MS})
    client = app.test_client()
    try:
        assert client.get("/id/person/quick", headers=BROWSER).status_code == 200
        pool = app.extensions["csto_kg.sparql_runner"]
        (before,) = pool.pids()
        page = client.get("/id/state/slowland", headers=BROWSER)
        assert page.status_code == 503 and page.mimetype == "text/html"
        html = page.get_data(as_text=True)
        assert f"took longer than the time limit of {LIMIT_MS} ms" in html and "CSTO_KG_SPARQL_TIME_LIMIT_MS" in html
        assert 'href="/?query=SELECT' in html  # a narrower question, in the workbench
        assert pool.replaced == 1 and pool.pids() != [before]
        assert not _alive(before)  # the work stopped with its process
        assert client.get("/id/person/quick", headers=BROWSER).status_code == 200  # the fresh worker serves

        turtle = client.get("/id/state/slowland", headers={"Accept": "text/turtle"})  # its description is slow too
        assert turtle.status_code == 503 and turtle.mimetype == "text/plain"
        text = turtle.get_data(as_text=True)
        assert f"the page for {SLOW_STATE} took longer than the time limit of {LIMIT_MS} ms" in text
        assert "CSTO_KG_SPARQL_TIME_LIMIT_MS" in text
        assert turtle.headers["Vary"] == "Accept"
        assert pool.replaced == 2
    finally:
        _close(app)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", "rb") as stat:  # a zombie is not running
        return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"


# -- one time limit for all the queries of a page


class Recording:
    """A query runner that records the budget each query is given, spends a second of it, and answers nothing."""

    def __init__(self) -> None:
        self.budgets: list = []

    def query(self, query: str, budget=None):
        self.budgets.append(budget)
        if budget is not None:
            budget.spend(1.0)
        return ox.Store().query("ASK {}")


def test_the_queries_of_a_page_share_one_budget(built_store):
    runner = Recording()
    reader = PageReader(built_store, runner, 5000)
    reader.query("ASK {}")
    with reader.page():
        reader.query("ASK {}")
        reader.query("ASK {}")
    reader.query("ASK {}")
    outside, first, second, after = runner.budgets
    assert outside is None and after is None
    assert first is second and first.left == 3.0  # one budget, 5 s, spent by both queries
    unlimited = PageReader(built_store, runner, 0)
    with unlimited.page():
        unlimited.query("ASK {}")
    assert runner.budgets[-1] is None


# -- a live server


def test_a_live_server_stops_a_slow_page_and_keeps_serving(slow_store):
    with serve(slow_store.path, SPARQL_TIME_LIMIT_MS=LIMIT_MS) as live:
        assert requests.get(live.url + "/id/person/quick", headers=BROWSER, timeout=30).status_code == 200
        workers = live.query_workers()
        page = requests.get(live.url + "/id/state/slowland", headers=BROWSER, timeout=60)
        assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
        assert "CSTO_KG_SPARQL_TIME_LIMIT_MS" in page.text and f"{LIMIT_MS} ms" in page.text
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        health = requests.get(live.url + "/healthz", timeout=30).json()["query_workers"]
        assert health["replaced"] == 1 and health["crashed"] == 0
        assert live.query_workers() != workers and len(live.query_workers()) == 2
        assert requests.get(live.url + "/id/person/quick", headers=BROWSER, timeout=30).status_code == 200
        plain = requests.get(live.url + "/id/state/slowland", headers={"Accept": "text/turtle"}, timeout=60)
        assert plain.status_code == 503 and plain.headers["Content-Type"].startswith("text/plain")
        assert "CSTO_KG_SPARQL_TIME_LIMIT_MS" in plain.text
        assert live.process.poll() is None
