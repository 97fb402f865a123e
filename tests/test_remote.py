"""The remote store backend, against each real engine on loopback (``oxigraph serve`` and Virtuoso:
the ``remote_engine`` fixtures), and a scripted HTTP server for the failures a real store rarely
produces on demand."""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from csto_kg.tenure import derive, tenure_nquads
from csto_kg.check.build import build, is_stale, ontology_nquads
from csto_kg.problems import InvalidRecords, QueryTimeout, StoreRejected, StoreTimeout, StoreUnavailable, UsageError
from csto_kg.records import read_records
from csto_kg.store.remote import MANIFEST_GRAPH, STAGING, RemoteStore
from csto_kg.query.sparql import BadQuery, run, serialize
from csto_kg.graph.vocab import GRAPH

from .conftest import DATA, nquads, record_graphs
from .oxigraph_server import engine_settings, remote_store
from .oxigraph_server import VIRTUOSO_TESTS
from .virtuoso_server import OWN_GRAPHS as VIRTUOSO_OWN_GRAPHS

EXTRA_RECORD = """\
states:
  - slug: testland
    label: Testland
"""


def expected_nquads(data_dir: Path, validator) -> str:
    """The quads a build of ``data_dir`` must leave in the store, computed without any store."""
    records = read_records(data_dir)
    assert not [p for p in records.problems if p.severity == "error"]
    return nquads(record_graphs(records)) + ontology_nquads() + tenure_nquads(*derive(records))


def canonical(quads) -> set[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def stored_quads(url: str) -> list[ox.Quad]:
    """Everything in the store's named graphs, staging and manifest included, read around RemoteStore
    (waiting as long as a server that has just replayed its log may need)."""
    store = remote_store(url, CSTO_KG_STORE_TIMEOUT_S="300")
    solutions = store._select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    return [ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in solutions if s["g"].value not in VIRTUOSO_OWN_GRAPHS]


def graphs_in(url: str) -> set[str]:
    return {q.graph_name.value for q in stored_quads(url)}


def assert_holds_exactly(url: str, data_dir: Path, validator) -> None:
    """The store holds the records' quads, nothing more (but the manifest), nothing less."""
    quads = [q for q in stored_quads(url) if q.graph_name.value != MANIFEST_GRAPH]
    expected = list(ox.parse(expected_nquads(data_dir, validator).encode(), format=ox.RdfFormat.N_QUADS))
    assert canonical(quads) == canonical(expected)


def test_build_sends_every_graph_and_a_manifest(remote_built_store, built_store):
    manifest = remote_built_store.manifest()
    assert manifest["quads"] == built_store.manifest()["quads"]
    assert manifest["input_digest"] == built_store.manifest()["input_digest"]
    assert all(g.startswith(GRAPH) for g in manifest["graphs"])
    assert f"{GRAPH}ontology" in manifest["graphs"]
    assert not is_stale(DATA, remote_built_store)


def test_remote_answers_equal_embedded_answers(remote_built_store, built_store):
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    remote = list(run(remote_built_store, query).value)
    embedded = list(run(built_store, query).value)
    as_quads = lambda rows: canonical(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)  # noqa: E731
    assert len(remote) == len(embedded) > 500
    assert as_quads(remote) == as_quads(embedded)


def test_the_default_graph_is_the_union_and_datasets_can_be_narrowed(remote_built_store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = int(next(iter(remote_built_store.query(count)))["n"].value)
    assert union == remote_built_store.manifest()["quads"]  # the manifest graph is not part of it
    ontology = ox.NamedNode(f"{GRAPH}ontology")
    only = int(next(iter(remote_built_store.query(count, default_graph=[ontology])))["n"].value)
    assert 0 < only < union
    # { ?s ?p ?o }, not {}: Virtuoso matches no graph with an empty pattern
    graphs = [s["g"].value for s in remote_built_store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]
    assert sorted(graphs) == remote_built_store.manifest()["graphs"]
    from_clause = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}"
    assert int(next(iter(remote_built_store.query(from_clause, use_default_graph_as_union=False)))["n"].value) == only


def test_ask_construct_and_syntax_errors_behave_as_embedded(remote_built_store):
    meeting = "<https://w3id.org/csto-kg/id/meeting/2019-06-20-ccim-22>"
    assert run(remote_built_store, f"ASK {{ {meeting} a ?c }}").kind == "ask"
    assert bool(run(remote_built_store, f"ASK {{ {meeting} a ?c }}").value) is True
    graph = run(remote_built_store, f"CONSTRUCT {{ {meeting} ?p ?o }} WHERE {{ {meeting} ?p ?o }}")
    assert graph.kind == "graph"
    triples = list(ox.parse(serialize(graph, "ntriples"), format=ox.RdfFormat.N_TRIPLES))
    assert any(t.predicate.value == "http://schema.org/startDate" for t in triples)
    with pytest.raises(BadQuery, match="not valid SPARQL"):
        run(remote_built_store, "SELECT ?s WHERE { ?s ?p ")


def test_endpoint_serves_from_the_remote_store(remote_built_store, monkeypatch):
    from csto_kg.web import create_app

    for name, value in engine_settings(remote_built_store.url).items():
        monkeypatch.setenv(name, value)
    client = create_app({"STORE": remote_built_store.url, "TESTING": True}).test_client()
    response = client.get("/sparql", query_string={"query": (Path(__file__).parent / "queries" / "cq3-delegations.rq").read_text()},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    states = sorted(b["state"]["value"].rsplit("/", 1)[1] for b in response.get_json()["results"]["bindings"])
    assert states == ["armenia", "belarus", "kyrgyzstan", "russia", "tajikistan"]


def test_export_from_the_remote_store_equals_the_embedded_export(remote_built_store, built_store):
    remote = list(ox.parse(remote_built_store.reader().dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))
    embedded = list(ox.parse(built_store.reader().dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))
    assert canonical(remote) == canonical(embedded)


def test_an_invalid_record_never_reaches_the_store(data_copy, validator, fresh_remote):
    store = remote_store(fresh_remote.url)
    build(data_copy, store, validator)
    before = canonical(stored_quads(fresh_remote.url))
    (data_copy / "entities" / "broken.yaml").write_text("states:\n  - slug: Not A Slug\n    label: x\n")
    with pytest.raises(InvalidRecords):
        build(data_copy, store, validator)
    assert canonical(stored_quads(fresh_remote.url)) == before
    # nothing is even sent: with no store listening, the records' errors are still what fails
    with pytest.raises(InvalidRecords):
        build(data_copy, remote_store(f"http://127.0.0.1:{fresh_remote.port}/nowhere-listening",
                                      CSTO_KG_STORE_RETRIES="0"), validator)


@pytest.mark.parametrize("load", ["gsp", "update"])
def test_a_deleted_records_graph_is_removed(data_copy, validator, fresh_remote, load):
    store = remote_store(fresh_remote.url, CSTO_KG_STORE_LOAD=load, CSTO_KG_STORE_BATCH="50")
    extra = data_copy / "entities" / "extra.yaml"
    extra.write_text(EXTRA_RECORD)
    build(data_copy, store, validator)
    assert f"{GRAPH}entities/extra" in graphs_in(fresh_remote.url)
    assert bool(store.query("ASK { ?s ?p 'Testland'@en }"))
    extra.unlink()
    build(data_copy, store, validator)
    assert f"{GRAPH}entities/extra" not in graphs_in(fresh_remote.url)
    assert not bool(store.query("ASK { ?s ?p 'Testland'@en }"))
    assert_holds_exactly(fresh_remote.url, data_copy, validator)


def test_graphs_of_others_in_a_shared_store_are_left_alone(data_copy, validator, fresh_remote):
    store = remote_store(fresh_remote.url)
    store._put_graph("http://example.org/someone-else", b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    build(data_copy, store, validator)
    build(data_copy, store, validator)
    assert "http://example.org/someone-else" in graphs_in(fresh_remote.url)
    assert not bool(store.query("ASK { <http://example.org/a> ?p ?o }"))  # and invisible to our queries


@pytest.mark.parametrize("load", ["gsp", "update"])
def test_a_build_killed_midway_leaves_the_old_build_served_and_a_rerun_converges(
        data_copy, validator, fresh_remote, monkeypatch, load):
    # a server killed mid-write replays its log when it starts again, which on a busy machine can take
    # longer than the default minute a request may take
    settings = {"CSTO_KG_STORE_LOAD": load, "CSTO_KG_STORE_BATCH": "100", "CSTO_KG_STORE_RETRIES": "2",
                "CSTO_KG_STORE_TIMEOUT_S": "300"}
    (data_copy / "entities" / "extra.yaml").write_text(EXTRA_RECORD)
    build(data_copy, remote_store(fresh_remote.url, **settings), validator)
    old = canonical(q for q in stored_quads(fresh_remote.url) if q.graph_name.value != MANIFEST_GRAPH)

    # the next build deletes a record and changes another; the server dies after a few loads
    (data_copy / "entities" / "extra.yaml").unlink()
    states = data_copy / "entities" / "states.yaml"
    states.write_text(states.read_text(encoding="utf-8").replace("label: Russia", "label: Russia (renamed)", 1),
                      encoding="utf-8")
    sent = []
    original = RemoteStore._send

    def dying_send(self, method, url, *args):
        if method == "PUT" or (url == self.update_url and b"INSERT" in (args[0] or b"")):
            sent.append(url)
            if len(sent) == 3:
                fresh_remote.stop()  # SIGKILL: no clean shutdown
        return original(self, method, url, *args)

    monkeypatch.setattr(RemoteStore, "_send", dying_send)
    with pytest.raises(StoreUnavailable, match="did not answer"):
        build(data_copy, remote_store(fresh_remote.url, **settings), validator)
    monkeypatch.undo()

    fresh_remote.start()  # same folder, same port
    left = stored_quads(fresh_remote.url)
    assert any(q.graph_name.value.startswith(STAGING) for q in left), "the load was not interrupted midway"
    survivor = remote_store(fresh_remote.url)
    served = canonical(ox.Quad(r["s"], r["p"], r["o"], r["g"])
                       for r in survivor.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert served == old  # readers still get the previous build, whole

    build(data_copy, remote_store(fresh_remote.url, **settings), validator)  # the rerun
    assert_holds_exactly(fresh_remote.url, data_copy, validator)
    assert not any(g.startswith(STAGING) for g in graphs_in(fresh_remote.url))
    assert bool(survivor.query("ASK { ?s ?p 'Russia (renamed)'@en }"))

    build(data_copy, remote_store(fresh_remote.url, **settings), validator)  # and again: idempotent
    assert_holds_exactly(fresh_remote.url, data_copy, validator)


# -- failures on demand, from a scripted server


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers with the status and delay the test sets; records what it received."""

    status = 503
    delay = 0.0
    hold: threading.Event | None = None  # set: answer only once the test releases it
    answered = 0  # answers sent
    seen: list[dict] = []
    extra_headers: dict[str, str] = {}
    failure = b"busy"  # the body of an answer that is not a 200
    success = b'{"head":{"vars":[]},"results":{"bindings":[]}}'  # the body of a 200
    only_when: str | None = None  # set: only a request whose body holds this text gets ``status``

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        type(self).seen.append({"method": self.command, "path": self.path, "body": body,
                                "authorization": self.headers.get("Authorization")})
        time.sleep(self.delay)
        if self.hold is not None:
            self.hold.wait(60)
        status = self.status if self.only_when is None or self.only_when in body else 200
        payload = self.success if status == 200 else self.failure
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            pass
        type(self).answered += 1

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def scripted():
    handler = type("Handler", (Scripted,), {"seen": [], "status": 503, "delay": 0.0, "extra_headers": {},
                                            "hold": None, "answered": 0, "failure": b"busy", "only_when": None,
                                            "success": Scripted.success})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def test_transient_errors_are_retried_then_reported(scripted):
    store = remote_store(scripted.url, CSTO_KG_STORE_RETRIES="2")
    with pytest.raises(StoreUnavailable, match=r"after 3 attempt\(s\): HTTP 503"):
        store.manifest()
    assert len(scripted.seen) == 3


VIRTUOSO_GAVE_UP = (b"Virtuoso S1T00 Error SR171: Transaction timed out\n\nSPARQL query:\n"
                    b"SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_a_transaction_the_store_gave_up_is_sent_again_by_a_build(scripted):
    """Virtuoso answers HTTP 500 "SR171 Transaction timed out" when a request waited too long for a lock
    (for instance just after it replayed its log): nothing wrong with the request, so it is resent."""
    scripted.status, scripted.failure = 500, VIRTUOSO_GAVE_UP
    store = remote_store(scripted.url, CSTO_KG_STORE_RETRIES="2")
    with pytest.raises(StoreUnavailable, match=r"after 3 attempt\(s\): the store gave up a transaction \(SR171"):
        store.manifest()
    assert len(scripted.seen) == 3
    scripted.failure = b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error"
    with pytest.raises(StoreRejected, match="SP030"):  # any other failure is the request's own: not resent
        store.manifest()
    assert len(scripted.seen) == 4


def test_a_clients_query_the_store_gave_up_is_the_time_limit(scripted):
    """The same answer to a client's query is Virtuoso's own time limit: the endpoint's 503, sent once."""
    scripted.status, scripted.failure, scripted.only_when = 500, VIRTUOSO_GAVE_UP, "slow-query-marker"
    manifest = json.dumps({"id": "b1", "graphs": ["https://example.org/g"]})  # every other request: a build's manifest
    scripted.success = json.dumps({"head": {"vars": ["json"]}, "results": {"bindings": [
        {"json": {"type": "literal", "value": manifest}}]}}).encode()
    store = remote_store(scripted.url, CSTO_KG_STORE_RETRIES="2", CSTO_KG_SPARQL_TIME_LIMIT_MS="5000")
    with pytest.raises(StoreTimeout, match="CSTO_KG_SPARQL_TIME_LIMIT_MS"):
        store.query("SELECT * WHERE { ?s ?p 'slow-query-marker' }")
    assert sum("slow-query-marker" in seen["body"] for seen in scripted.seen) == 1


def test_credentials_are_sent_and_never_shown(scripted):
    secret = "s3cr3t-Passw0rd"
    store = remote_store(scripted.url, CSTO_KG_STORE_USER="builder", CSTO_KG_STORE_PASSWORD=secret,
                         CSTO_KG_STORE_RETRIES="0")
    with pytest.raises(StoreUnavailable) as failure:
        store.exists()
    expected = "Basic " + base64.b64encode(f"builder:{secret}".encode()).decode()
    assert scripted.seen[0]["authorization"] == expected
    for shown in (str(failure.value), failure.value.message, repr(store), store.path, str(vars(store))):
        assert secret not in shown and expected not in shown
    token = remote_store(scripted.url, CSTO_KG_STORE_TOKEN="tok-123", CSTO_KG_STORE_RETRIES="0")
    with pytest.raises(StoreUnavailable):
        token.exists()
    assert scripted.seen[-1]["authorization"] == "Bearer tok-123"


@pytest.mark.skipif(not VIRTUOSO_TESTS, reason="Virtuoso left out (CSTO_KG_TESTS_VIRTUOSO=0)")
def test_a_default_virtuoso_takes_writes_with_digest_authentication_only(scratch_virtuoso, data_copy, validator):
    server = scratch_virtuoso.reset()
    settings = engine_settings(server.url)
    wrong = "not-the-Passw0rd"
    refused = [{**settings, "CSTO_KG_STORE_AUTH": "basic"}, {**settings, "CSTO_KG_STORE_PASSWORD": wrong},
               {k: v for k, v in settings.items() if k not in ("CSTO_KG_STORE_USER", "CSTO_KG_STORE_PASSWORD")}]
    for environ in refused:
        store = RemoteStore(server.url, environ={**environ, "CSTO_KG_STORE_RETRIES": "0"})
        with pytest.raises(StoreRejected, match=r"HTTP 401.*CSTO_KG_STORE_AUTH=digest") as failure:
            build(data_copy, store, validator)
        assert wrong not in str(failure.value) and wrong not in repr(store) and wrong not in str(vars(store))
        assert not store.exists()
    store = remote_store(server.url)  # dba's password, answering the digest challenge
    build(data_copy, store, validator)
    assert_holds_exactly(server.url, data_copy, validator)


def test_a_url_with_credentials_is_refused():
    with pytest.raises(UsageError, match="CSTO_KG_STORE_USER"):
        RemoteStore("http://user:pw@127.0.0.1:9/", environ={})


def test_endpoints_default_to_the_oxigraph_layout_and_can_be_set_apart():
    store = RemoteStore("http://127.0.0.1:9/ds", environ={})
    assert (store.query_url, store.update_url, store.gsp_url) == (
        "http://127.0.0.1:9/ds/query", "http://127.0.0.1:9/ds/update", "http://127.0.0.1:9/ds/store")
    fuseki = RemoteStore("http://127.0.0.1:9/ds", environ={"CSTO_KG_STORE_QUERY_URL": "sparql",
                                                          "CSTO_KG_STORE_GSP_URL": "data",
                                                          "CSTO_KG_STORE_UPDATE_URL": "http://other:1/up"})
    assert (fuseki.query_url, fuseki.update_url, fuseki.gsp_url) == (
        "http://127.0.0.1:9/ds/sparql", "http://other:1/up", "http://127.0.0.1:9/ds/data")


def test_the_time_limit_is_sent_and_enforced_on_our_side(scripted):
    store = remote_store(scripted.url, CSTO_KG_SPARQL_TIME_LIMIT_MS="300", CSTO_KG_STORE_TIMEOUT_PARAM="timeout")
    store._live = (time.monotonic() + 60, [f"{GRAPH}ontology"])  # skip the manifest look-up
    scripted.status, scripted.hold = 200, threading.Event()  # the store answers only when released
    with pytest.raises(StoreTimeout, match="CSTO_KG_SPARQL_TIME_LIMIT_MS"):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert scripted.answered == 0  # given up at our own limit, not on the store's answer
    scripted.hold.set()
    form = urllib.parse.parse_qs(scripted.seen[0]["body"])
    assert form["timeout"] == ["0.3"]
    assert form["default-graph-uri"] == [f"{GRAPH}ontology"]
    assert len(scripted.seen) == 1  # a query past its limit is not retried


def test_a_partial_answer_past_the_stores_own_limit_is_a_timeout(scripted):
    """Virtuoso answers a query past its MaxQueryExecutionTime with what it has and X-SQL-State: S1TAT."""
    store = remote_store(scripted.url, CSTO_KG_STORE_RETRIES="0")
    store._live = (time.monotonic() + 60, [f"{GRAPH}ontology"])
    scripted.status, scripted.extra_headers = 200, {"X-SQL-State": "S1TAT"}
    with pytest.raises(StoreTimeout, match="CSTO_KG_SPARQL_TIME_LIMIT_MS"):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    scripted.extra_headers = {}
    assert list(store.query("SELECT * WHERE { ?s ?p ?o }")) == []  # the control: the same answer, complete


def test_the_query_form_chooses_what_is_asked_for():
    from csto_kg.store.remote import query_form

    assert query_form("PREFIX a: <http://a/>\n# CONSTRUCT in a comment\nBASE <http://b/> ask { }") == "ask"
    assert query_form("  select * {}") == "select"
    assert query_form("DESCRIBE <x>") == query_form("PREFIX : <http://a/> CONSTRUCT WHERE { ?s ?p ?o }") == "graph"
    assert query_form("INSERT DATA {}") is None and query_form("SELECTION") is None


def test_serve_builds_into_a_remote_store_when_it_is_stale(data_copy, validator, fresh_remote):
    store = remote_store(fresh_remote.url)
    assert is_stale(data_copy, store) and not store.exists()
    build(data_copy, store, validator)
    assert not is_stale(data_copy, store)
    shutil.rmtree(data_copy / "meetings")
    (data_copy / "meetings").mkdir()
    assert is_stale(data_copy, store)


def test_the_remote_settings_are_documented_in_the_readme():
    from csto_kg import settings

    readme = (DATA.parent / "README.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in readme
    remote = [s.name for s in settings.SETTINGS if s.name.startswith("CSTO_KG_STORE_")]
    assert len(remote) == 12 and all(f"`{name}`" in readme for name in remote)


def test_remote_time_limit_is_the_endpoints_time_limit_error():
    assert issubclass(StoreTimeout, QueryTimeout) and StoreTimeout.status == QueryTimeout.status == 503


class DigestOnly(http.server.BaseHTTPRequestHandler):
    """Takes requests only with HTTP digest authentication (user ``builder``, password ``pw``, one
    nonce), checking each answer; like Virtuoso, it refuses a request without credentials before
    reading its body, and then closes the connection."""

    realm, nonce = "store", "n0nce"
    seen: list[dict] = []

    def _answer(self) -> None:
        header = self.headers.get("Authorization") or ""
        length = int(self.headers.get("Content-Length") or 0)
        type(self).seen.append({"method": self.command, "length": length, "authorized": bool(header)})
        if not header.startswith("Digest ") or not self._valid(header[7:]):
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Digest realm="{self.realm}", nonce="{self.nonce}", qop="auth"')
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        self.rfile.read(length)
        self.send_response(204 if self.command != "HEAD" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _valid(self, answer: str) -> bool:
        import hashlib
        import urllib.request as ur

        fields = ur.parse_keqv_list(ur.parse_http_list(answer))
        md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
        ha1, ha2 = md5(f"builder:{self.realm}:pw"), md5(f"{self.command}:{fields.get('uri')}")
        expected = md5(f"{ha1}:{self.nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("response") == expected

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args) -> None:
        pass


def test_digest_authentication_never_sends_a_large_body_without_credentials():
    """A store that drops an unauthenticated request without reading its body (Virtuoso resets the
    connection) still takes a large graph: the challenge is drawn first, by a HEAD without a body."""
    handler = type("Handler", (DigestOnly,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = remote_store(f"http://127.0.0.1:{server.server_address[1]}", CSTO_KG_STORE_AUTH="digest",
                             CSTO_KG_STORE_USER="builder", CSTO_KG_STORE_PASSWORD="pw", CSTO_KG_STORE_RETRIES="0")
        big = "".join(f"<urn:s{i}> <urn:p> \"{'x' * 80}\" .\n" for i in range(2000)).encode()
        for _ in range(3):
            store._request("PUT", store.gsp_url + "?graph=urn%3Ag", body=big, content_type="application/n-triples",
                           timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    with_body = [seen for seen in handler.seen if seen["length"]]
    assert len(with_body) == 3 and all(seen["authorized"] for seen in with_body)
    assert [seen["method"] for seen in handler.seen if not seen["authorized"]] == ["HEAD"]


def test_a_swap_too_large_for_the_store_names_the_setting_to_raise(scripted):
    """Virtuoso refuses a transaction whose log passes TransactionAfterImageLimit; the error says which
    setting to raise, and the query text the store echoes is cut short."""
    scripted.status = 500
    scripted.failure = (b"Virtuoso 40005 Error SR325: Transaction aborted because it's log after image size went "
                        b"above the limit\n\nSPARQL query:\n" + b"DELETE { } WHERE { } " * 5000)
    store = remote_store(scripted.url, CSTO_KG_STORE_RETRIES="0")
    with pytest.raises(StoreRejected, match="TransactionAfterImageLimit") as refused:
        store._update("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert "SR325" in str(refused.value) and len(str(refused.value)) < 2000
