"""`csto-kg link` against a real SPARQL server on loopback (``oxigraph serve``) loaded with a
small Wikidata-shaped graph, and the HTTP client against a scripted local server.
Nothing here reaches the internet."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from csto_kg.check.build import build, read_labels_graph
from csto_kg.cli import main
from csto_kg.records import read_records
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.wikidata.link import LANGUAGES, labels_graph, link, write_labels_graph
from csto_kg.wikidata.client import WikidataClient, WikidataUnavailable, user_agent
from csto_kg.records.yaml_write import WriteRefused, add_qids

from .conftest import FIXTURES
from .oxigraph_server import free_port, oxigraph_binary

WD_FIXTURES = FIXTURES / "wikidata"
WD_DATA = WD_FIXTURES / "data"

#: What `link` must say about every entity of tests/fixtures/wikidata/data.
EXPECTED = {
    "csto": ("verified", "Q318693"),
    "russia-mia": ("linked", "Q9900201"),  # label + country (P17)
    "csto-ccim": ("none", None),
    "csto-ccim-secretary": ("linked", "Q9900601"),
    "valentina-kazakova": ("linked", "Q9900501"),  # a namesake told apart by citizenship (P27)
    "aleksandr-gorovoy": ("none", None),
    "ivan-petrov": ("candidates", None),  # two humans, no context: the curator decides
    "cholpon-ata": ("linked", "Q1017314"),  # a namesake in another country
    "ivanovka": ("candidates", None),  # the ambiguous label
    "karakol": ("linked", "Q9900401"),  # Wikidata has a Russian label only
    "russia": ("verified", "Q159"),
    "kyrgyzstan": ("verified", "Q813"),
    "belarus": ("redirect", "Q9900184"),
    "kazakhstan": ("mismatch", "Q9900232"),  # the wrong type
    "armenia": ("mismatch", "Q9999999"),  # no such item
    "tajikistan": ("linked", "Q863"),
}
SEED_QIDS = {"Q399", "Q184", "Q232", "Q813", "Q159", "Q863", "Q318693", "Q472311", "Q1017314", "Q487413"}
#: The high-confidence QIDs added to the real records with their evidence (states, organizations,
#: posts, places, people; ranks are not linked). Q1192838 (russia-mia) is left out: the fixture's
#: made-up ministry Q9900201 carries its labels for the linking tests.
REAL_QIDS = {"Q227", "Q265", "Q874", "Q7779", "Q789889", "Q1146492", "Q672108", "Q218295", "Q1049659",
             "Q5256775", "Q19607392", "Q9365", "Q1520", "Q35493", "Q9361", "Q1953", "Q2280", "Q7747", "Q2866",
             "Q7035479", "Q57366", "Q32024", "Q4359688", "Q446865", "Q357321", "Q23810819"}


# --------------------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory) -> str:
    """`oxigraph serve-read-only` on a free loopback port, holding tests/fixtures/wikidata/wikidata.ttl."""
    location = tmp_path_factory.mktemp("wikidata") / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(WD_FIXTURES / "wikidata.ttl")],
                   check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("oxigraph serve-read-only did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def wd_data(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(WD_DATA, target)
    return target


def _client(endpoint: str, tmp_path: Path, **options) -> WikidataClient:
    return WikidataClient(endpoint, cache_dir=tmp_path / "cache", **options)


def _run_link(runner, data: Path, endpoint: str, wikidata_dir: Path, *args: str):
    return runner.invoke(main, ["link", "--data", str(data), "--endpoint", endpoint,
                                "--wikidata-dir", str(wikidata_dir), *args])


# --------------------------------------------------------------------------- linking


def test_json_gives_the_right_status_for_every_entity(runner, wd_data, wikidata_endpoint, tmp_path):
    result = _run_link(runner, wd_data, wikidata_endpoint, tmp_path / "wd", "--format", "json")
    assert result.exit_code == 1, result.output  # a mismatch and a redirect
    objects = json.loads(result.stdout)
    assert {o["id"].rsplit("/", 1)[1]: (o["status"], o["qid"]) for o in objects} == EXPECTED
    for o in objects:
        assert set(o) == {"id", "label", "status", "qid", "candidates"}
        assert re.match(r"^https://w3id\.org/csto-kg/id/[a-z-]+/[a-z0-9-]+$", o["id"])
        for c in o["candidates"]:
            assert set(c) == {"qid", "label", "description", "score"}
            assert 0 <= c["score"] <= 1
        scores = [c["score"] for c in o["candidates"]]
        assert scores == sorted(scores, reverse=True)
    by_slug = {o["id"].rsplit("/", 1)[1]: o for o in objects}
    assert by_slug["karakol"]["candidates"][0]["label"] == "Каракол"
    assert by_slug["cholpon-ata"]["candidates"][0]["description"] == "town in Kyrgyzstan"
    assert [c["qid"] for c in by_slug["cholpon-ata"]["candidates"]] == ["Q1017314", "Q9900301"]


def test_the_ambiguous_case_is_left_to_the_curator(wd_data, wikidata_endpoint, tmp_path):
    report = link(wd_data, _client(wikidata_endpoint, tmp_path))
    ivanovka = next(r for r in report.results if r.entity.slug == "ivanovka")
    assert ivanovka.status == "candidates" and ivanovka.qid is None
    assert [c.qid for c in ivanovka.candidates] == ["Q9900311", "Q9900312"]
    assert ivanovka.candidates[0].score == ivanovka.candidates[1].score
    assert "ivanovka" not in {r.entity.slug for r in report.accepted}


def test_redirect_and_mismatch_are_reported_never_fixed(runner, wd_data, wikidata_endpoint, tmp_path):
    before = (wd_data / "entities" / "states.yaml").read_bytes()
    result = _run_link(runner, wd_data, wikidata_endpoint, tmp_path / "wd", "--write")
    assert result.exit_code == 1
    assert "entities/states.yaml:9: belarus: redirect Q9900184\n    Q9900184 is a redirect to Q184" in result.stdout
    assert "Q9900232 is not an instance of country or sovereign state" in result.stdout
    assert "Q9999999 does not exist on the endpoint" in result.stdout
    after = (wd_data / "entities" / "states.yaml").read_text(encoding="utf-8")
    assert "Q9900184" in after and "Q9900232" in after and "Q9999999" in after and "Q184\n" not in after
    assert len(after.encode()) > len(before)  # only Tajikistan's QID was added


def test_second_run_is_served_from_the_cache(wd_data, wikidata_endpoint, tmp_path):
    first = link(wd_data, _client(wikidata_endpoint, tmp_path))
    assert first.requests > 0 and first.cache_hits == 0
    second = link(wd_data, _client(wikidata_endpoint, tmp_path))
    assert second.requests == 0 and second.cache_hits == first.requests
    assert [(r.status, r.qid) for r in second.results] == [(r.status, r.qid) for r in first.results]
    refreshed = link(wd_data, _client(wikidata_endpoint, tmp_path, refresh=True))
    assert refreshed.requests == first.requests


def test_a_cache_from_another_endpoint_is_not_used(wd_data, wikidata_endpoint, tmp_path):
    link(wd_data, _client(wikidata_endpoint, tmp_path))
    other = _client("http://127.0.0.1:9/sparql", tmp_path, retries=0)
    with pytest.raises(WikidataUnavailable, match="could not be reached"):
        link(wd_data, other)


def test_seed_qids_all_verify(data_copy, wikidata_endpoint, tmp_path):
    report = link(data_copy, _client(wikidata_endpoint, tmp_path))
    seed = {r.qid: r for r in report.results if r.qid in SEED_QIDS and r.entity.wikidata}
    assert set(seed) == SEED_QIDS
    assert {q: r.status for q, r in seed.items()} == dict.fromkeys(SEED_QIDS, "verified")


def test_the_real_records_qids_all_verify(data_copy, wikidata_endpoint, tmp_path):
    report = link(data_copy, _client(wikidata_endpoint, tmp_path))
    found = {r.qid: r.status for r in report.results if r.qid in REAL_QIDS and r.entity.wikidata}
    assert len(REAL_QIDS) == 26
    assert found == dict.fromkeys(REAL_QIDS, "verified")


def test_no_progress_bar_when_not_on_a_terminal(runner, wd_data, wikidata_endpoint, tmp_path):
    result = _run_link(runner, wd_data, wikidata_endpoint, tmp_path / "wd")
    assert "linking" not in result.stderr
    assert "16 entities: 3 verified, 2 mismatch, 1 redirect, 6 linked, 2 candidates, 2 none" in result.stderr


def test_link_shows_the_same_progress_display_as_build(runner, wd_data, wikidata_endpoint, tmp_path, monkeypatch):
    from .test_cli import shown_progress

    steps = shown_progress(monkeypatch)
    result = _run_link(runner, wd_data, wikidata_endpoint, tmp_path / "wd")
    assert set(steps) == {"linking"} and "… linking [" + "#" * 30 + "]" in result.stderr
    summary = next(line for line in result.stderr.splitlines() if "16 entities:" in line)
    assert summary.startswith("16 entities:")  # on a line of its own, after the display's


# --------------------------------------------------------------------------- writing back


def _added_lines(old: str, new: str) -> list[str]:
    matcher = difflib.SequenceMatcher(None, old.splitlines(True), new.splitlines(True), autojunk=False)
    added = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        assert tag in ("equal", "insert"), f"{tag} of {old.splitlines(True)[i1:i2]!r}"
        if tag == "insert":
            added += new.splitlines(True)[j1:j2]
    return added


def test_write_adds_only_the_qid_lines(runner, wd_data, wikidata_endpoint, tmp_path):
    before = {p.name: p.read_text(encoding="utf-8") for p in (wd_data / "entities").glob("*.yaml")}
    result = _run_link(runner, wd_data, wikidata_endpoint, tmp_path / "wd", "--write")
    assert result.exit_code == 1
    after = {p.name: p.read_text(encoding="utf-8") for p in (wd_data / "entities").glob("*.yaml")}
    added = {name: _added_lines(before[name], after[name]) for name in before}
    linked = {slug: qid for slug, (status, qid) in EXPECTED.items() if status == "linked"}
    assert sorted(line for lines in added.values() for line in lines) == sorted(
        f"    wikidata: {qid}\n" for qid in linked.values())
    # Byte for byte: the new line sits right after the entry's last line, before the blank line and comment.
    assert after["states.yaml"] == before["states.yaml"].replace(
        "    label: {en: Tajikistan, ru: Таджикистан}\n",
        "    label: {en: Tajikistan, ru: Таджикистан}\n    wikidata: Q863\n")
    assert after["organizations.yaml"] == before["organizations.yaml"].replace(
        "    part_of: russia   # the ministry's state\n",
        "    part_of: russia   # the ministry's state\n    wikidata: Q9900201\n") + "    wikidata: Q9900601\n"
    assert result.stderr.count("wrote ") == len(linked)
    records = read_records(wd_data)
    assert not records.errors
    assert {e.slug: str(e.wikidata) for e in records.entities if e.slug in linked} == linked
    again = link(wd_data, _client(wikidata_endpoint, tmp_path / "again"))
    assert {r.entity.slug: r.status for r in again.results if r.entity.slug in linked} == dict.fromkeys(linked, "verified")


def test_write_refuses_a_file_it_would_reformat(tmp_path):
    path = tmp_path / "places.yaml"
    text = "places:\n  - slug: a\n    label: A\n# other layout below\nstates:\n    - slug: b\n      label: B\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WriteRefused, match="add by hand: a: wikidata: Q1"):
        add_qids(path, {"a": "Q1"})
    assert path.read_text(encoding="utf-8") == text


def test_write_keeps_comments_quotes_and_flow_style(tmp_path):
    path = tmp_path / "states.yaml"
    text = ("# Top comment\nstates:\n  - slug: a   # the a\n    label: {en: A, ru: \"А\"}\n    alt_labels: {en: 'Ay'}\n"
            "  - slug: b\n    label: >-\n      B folded\n    note: x  # eol\n\n  # comment before c\n\n"
            "  - slug: c\n    label: C   # last eol\n    wikidata: Q3\n# trailing\n")
    path.write_text(text, encoding="utf-8")
    added = add_qids(path, {"a": "Q1", "b": "Q2", "c": "Q30"})
    assert [(a.slug, a.qid, a.line) for a in added] == [("a", "Q1", 6), ("b", "Q2", 11)]
    assert path.read_text(encoding="utf-8") == text.replace(
        "{en: 'Ay'}\n", "{en: 'Ay'}\n    wikidata: Q1\n").replace("# eol\n", "# eol\n    wikidata: Q2\n")


# --------------------------------------------------------------------------- labels graph


def test_enrich_writes_the_wikidata_graph_and_build_loads_it(runner, wd_data, wikidata_endpoint, tmp_path, validator):
    wd_dir = tmp_path / "wd"
    result = _run_link(runner, wd_data, wikidata_endpoint, wd_dir, "--enrich")
    labels = wd_dir / "labels.nq"
    assert result.exit_code == 1 and labels.is_file()
    lines = labels.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.endswith(" <https://w3id.org/csto-kg/graph/wikidata> .") for line in lines)
    langs = set(re.findall(r'"@([a-z]+) <', "\n".join(lines)))
    assert langs <= set(LANGUAGES) and {"ru", "hy", "be", "ky", "tg", "kk", "en"} <= langs
    # Only verified QIDs are enriched: not the redirect, not the wrong type.
    assert "Q9900184>" not in labels.read_text() and "Q9900232>" not in labels.read_text()

    store = EmbeddedStore(tmp_path / "store")
    build(wd_data, store, validator, wikidata_labels=labels)
    rows = list(store.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?e ?when WHERE {
          ?e skos:exactMatch ?q .
          GRAPH <https://w3id.org/csto-kg/graph/wikidata> {
            ?q rdfs:label "Россия"@ru .
            <https://w3id.org/csto-kg/graph/wikidata> prov:generatedAtTime ?when }
        }"""))
    assert [str(r["e"].value) for r in rows] == ["https://w3id.org/csto-kg/id/state/russia"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", rows[0]["when"].value)


def test_refresh_replaces_the_wikidata_graph_only(wd_data, wikidata_endpoint, tmp_path):
    report = link(wd_data, _client(wikidata_endpoint, tmp_path))
    labels = tmp_path / "labels.nq"
    write_labels_graph(labels_graph(report, wikidata_endpoint, ["Q159", "Q813"]), labels)
    first = labels.read_text(encoding="utf-8")
    write_labels_graph(labels_graph(report, wikidata_endpoint, ["Q813"]), labels)
    second = labels.read_text(encoding="utf-8")
    assert "Q159>" in first and "Q159>" not in second and "Q813>" in second
    # A quad of any other graph in the file is never loaded by the build.
    stray = '<https://w3id.org/csto-kg/id/state/russia> <http://www.w3.org/2000/01/rdf-schema#label> "X"@en <https://w3id.org/csto-kg/graph/entities/states> .\n'
    labels.write_text(second + stray, encoding="utf-8")
    assert read_labels_graph(labels) == second


# --------------------------------------------------------------------------- HTTP behaviour

VALID = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'


class Scripted:
    """A local HTTP server that answers each request with the next scripted response."""

    def __init__(self, responses: list[tuple[int, dict, bytes]]):
        self.responses = list(responses)
        self.requests: list[dict] = []
        script = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                script.requests.append(dict(self.headers))
                status, headers, body = script.responses.pop(0) if script.responses else (200, {}, VALID)
                self.send_response(status)
                headers = {"Content-Type": "application/sparql-results+json", "Content-Length": str(len(body)), **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _scripted_client(url: str, tmp_path: Path, sleeps: list[float], **options) -> WikidataClient:
    return WikidataClient(url, cache_dir=tmp_path / "cache", contact="curator@example.org",
                          sleep=sleeps.append, backoff=0.5, **options)


def test_429_retry_after_is_honoured_and_user_agent_is_descriptive(tmp_path):
    sleeps: list[float] = []
    with Scripted([(429, {"Retry-After": "7"}, b"slow down")]) as server:
        answer = _scripted_client(server.url, tmp_path, sleeps).select("SELECT ?x WHERE {}")
    assert answer.bindings == [{"x": {"type": "literal", "value": "1"}}]
    assert sleeps == [7.0]
    agents = [r["User-Agent"] for r in server.requests]
    assert len(agents) == 2 and set(agents) == {user_agent("curator@example.org")}
    assert re.match(r"^csto-kg/[\w.]+ \(curator@example\.org\) sparqlwrapper/[\w.]+$", agents[0])


def test_429_asking_for_too_long_a_wait_stops(tmp_path):
    sleeps: list[float] = []
    with Scripted([(429, {"Retry-After": "3600"}, b"")]) as server:
        with pytest.raises(WikidataUnavailable, match="asks to wait 3600 s"):
            _scripted_client(server.url, tmp_path, sleeps).select("SELECT ?x WHERE {}")
    assert sleeps == [] and len(server.requests) == 1


def test_5xx_is_retried_with_backoff(tmp_path):
    sleeps: list[float] = []
    with Scripted([(500, {}, b"oops"), (503, {}, b"busy"), (502, {}, b"bad gateway")]) as server:
        client = _scripted_client(server.url, tmp_path, sleeps)
        assert client.select("SELECT ?x WHERE {}").bindings
    assert sleeps == [0.5, 1.0, 2.0] and client.requests == 4


def test_5xx_gives_up_after_the_retries(tmp_path):
    sleeps: list[float] = []
    with Scripted([(500, {}, b"")] * 3) as server:
        with pytest.raises(WikidataUnavailable, match=r"answered 500 .*\(3 attempts\)"):
            _scripted_client(server.url, tmp_path, sleeps, retries=2).select("SELECT ?x WHERE {}")
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("body, headers, message", [
    (b"", {}, "empty body"),
    (VALID[:40], {}, "not complete JSON"),
    (b'{"head": {"vars": []}}', {}, "without head and results.bindings"),
    (VALID[:40], {"Content-Length": str(len(VALID))}, "cut short after 40 bytes"),
])
def test_an_empty_or_truncated_200_is_an_error(tmp_path, body, headers, message):
    sleeps: list[float] = []
    with Scripted([(200, headers, body)] * 2) as server:
        with pytest.raises(WikidataUnavailable, match=message):
            _scripted_client(server.url, tmp_path, sleeps, retries=1).select("SELECT ?x WHERE {}")
    assert len(server.requests) == 2
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing bad is cached


def test_a_truncated_200_is_retried_then_cached(tmp_path):
    sleeps: list[float] = []
    with Scripted([(200, {}, VALID[:40])]) as server:
        assert _scripted_client(server.url, tmp_path, sleeps).select("SELECT ?x WHERE {}").bindings
        again = _scripted_client(server.url, tmp_path, sleeps)
        assert again.select("SELECT ?x WHERE {}").cached and again.requests == 0
    assert len(server.requests) == 2


def test_400_is_not_retried(tmp_path):
    sleeps: list[float] = []
    with Scripted([(400, {}, b"parse error")]) as server:
        with pytest.raises(WikidataUnavailable, match="refused the query"):
            _scripted_client(server.url, tmp_path, sleeps).select("SELECT ?x WHERE {}")
    assert len(server.requests) == 1 and sleeps == []


# --------------------------------------------------------------------------- federated queries

FEDERATED = """PREFIX igo: <https://w3id.org/csto-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?state ?capitalLabel WHERE {
  ?delegation a igo:Delegation ; igo:ofState ?state .
  ?state skos:exactMatch ?item .
  SERVICE <ENDPOINT> { ?item wdt:P36 ?capital . ?capital rdfs:label ?capitalLabel . FILTER(LANG(?capitalLabel) = "en") }
}"""


def test_a_federated_query_joins_our_delegations_with_wikidata(wd_data, wikidata_endpoint, tmp_path, validator):
    from csto_kg.web import create_app

    store = EmbeddedStore(tmp_path / "store")
    build(wd_data, store, validator)
    query = FEDERATED.replace("ENDPOINT", wikidata_endpoint)
    allowed = create_app({"TESTING": True, "STORE": str(store.path), "SERVICE_ALLOW": wikidata_endpoint}).test_client()
    response = allowed.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = [(b["state"]["value"], b["capitalLabel"]["value"]) for b in response.get_json()["results"]["bindings"]]
    assert rows == [("https://w3id.org/csto-kg/id/state/russia", "Moscow")]
    refused = create_app({"TESTING": True, "STORE": str(store.path), "SERVICE_ALLOW": "https://query.wikidata.org/sparql"})
    response = refused.test_client().get("/sparql", query_string={"query": query})
    assert response.status_code >= 400 and "CSTO_KG_SERVICE_ALLOW" in response.get_data(as_text=True)
