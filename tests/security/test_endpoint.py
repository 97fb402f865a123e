"""``/sparql`` and ``/validate`` against a hostile client, on a live ``csto-kg serve``.

One test (or parametrized group) per way a client once got through, each asserting the promise
the README makes -- the status and its JSON error, no connection reaching a loopback listener,
the server still answering, the CPU freed -- and, at the end, the classes of attack that always
held, as a corpus sent through every channel a query can take (GET, form POST, direct POST, the
workbench and its downloads).

One server for the module: the small D0..D3 dataset, a 2 s time limit, and two loopback
endpoints allow-listed for SERVICE: a tarpit that accepts connections and never answers, and
nothing else. The loopback `listener` (tests/live_endpoint.py), not allow-listed, must never see a connection.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from typing import Iterator

import pytest
import requests

from ..live_endpoint import EX, connection_arrives, dataset_store, serve

TIME_LIMIT_MS = 2000
JSON = "application/sparql-results+json"
DIRECT = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
CROSS_JOIN = f"?a <{EX}rank> ?x . ?b <{EX}rank> ?y . ?c <{EX}rank> ?z . ?d <{EX}rank> ?w"


class Tarpit:
    """A loopback endpoint that accepts connections, reads nothing and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.held: list[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.held.append(conn)

    def still_open(self) -> int:
        """How many accepted connections the other side has not closed."""
        open_ = 0
        for conn in self.held:
            conn.setblocking(False)
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break  # closed by the caller
            except BlockingIOError:
                open_ += 1
            except OSError:
                pass
        return open_

    def close(self) -> None:
        self._stop = True
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture(scope="module")
def tarpit() -> Iterator[Tarpit]:
    pit = Tarpit()
    yield pit
    pit.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory, tarpit):
    store = dataset_store(tmp_path_factory.mktemp("security") / "store")
    with serve(store.path, SPARQL_TIME_LIMIT_MS=TIME_LIMIT_MS, SERVICE_ALLOW=tarpit.url) as server:
        yield server


def healthz(live) -> dict:
    response = requests.get(live.url + "/healthz", timeout=30)
    assert response.status_code == 200
    return response.json()


def assert_json_error(response: requests.Response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == status
    for word in words:
        assert word in body["error"], body["error"]
    return body


def cpu_seconds(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


# 1. A query the engine answers in a worker crashed the server when asked again.


def test_a_deep_query_asked_again_and_again_never_takes_the_server_down(live):
    deep = "ASK { FILTER(" + "!" * 5000 + "true) }"
    server_pid = live.process.pid
    for _ in range(6):
        response = requests.post(live.sparql, data=deep.encode(), headers={"Content-Type": DIRECT, "Accept": JSON},
                                 timeout=60)
        assert response.status_code == 200 and response.json()["boolean"] is True
    assert live.process.poll() is None and live.process.pid == server_pid
    assert healthz(live)["query_workers"]["crashed"] == 0


@pytest.mark.parametrize("deep", [
    "ASK " + "{ " * 100_000 + "}" * 100_000,
    "ASK { FILTER(" + " || ".join(["true"] * 60_000) + ") }",
    "ASK { FILTER(" + "(" * 300 + "true" + ")" * 300 + ") }",
    "SELECT * { " + " UNION ".join(["{ BIND(1 AS ?x) }"] * 25_000) + " }",
], ids=["groups", "or-chain", "parentheses", "union-chain"])
def test_nesting_past_the_cap_is_refused_before_parsing(live, deep):
    response = requests.post(live.sparql, data=deep.encode(), headers={"Content-Type": DIRECT}, timeout=60)
    assert_json_error(response, 400, "at most")
    assert healthz(live)["query_workers"]["crashed"] == 0


# 2. An escaped quote shifted the SERVICE checker's string boundaries.

ESCAPED_QUOTES = ['"\\u0022"', "'\\u0027'", '"\\u005C"', '"\\U00000022"', '"""\\u0022"""']


def _smuggled(literal: str, target: str) -> str:
    return (f'SELECT ?x WHERE {{ BIND({literal} AS ?z) SERVICE <{target}> {{ ?x ?p ?o }} }} '
            '#"""' + "'''")


def channels(live, query: str) -> list[requests.Response]:
    """``query`` sent through every channel that runs client SPARQL."""
    return [
        requests.get(live.sparql, params={"query": query}, timeout=60),
        requests.post(live.sparql, data={"query": query}, timeout=60),
        requests.post(live.sparql, data=query.encode(), headers={"Content-Type": DIRECT}, timeout=60),
        requests.get(live.url + "/", params={"query": query}, timeout=60),
        requests.get(live.url + "/results.csv", params={"query": query}, timeout=60),
    ]


@pytest.mark.parametrize("literal", ESCAPED_QUOTES)
def test_escaped_quotes_cannot_hide_a_service_call(live, listener, literal):
    sock, target = listener  # not allow-listed: nobody may connect to it
    for response in channels(live, _smuggled(literal, target)):
        assert response.status_code in (400, 403), (response.status_code, response.text[:300])
    assert not connection_arrives(sock)


def test_escapes_inside_strings_that_read_one_way_still_work(live):
    query = 'SELECT ?z WHERE { BIND("caf\\u00e9 \\u0041" AS ?z) }'
    response = requests.get(live.sparql, params={"query": query}, headers={"Accept": JSON}, timeout=30)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["z"]["value"] == "café A"


# 3. A query fast once and slow the next time (RAND, NOW, a SERVICE) ran past the time limit.


def test_a_query_whose_cost_changes_is_always_held_to_the_time_limit(live):
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ BIND(RAND() AS ?r) FILTER(?r < 0.5) {CROSS_JOIN} }}"
    before = healthz(live)["query_workers"]["replaced"]
    stopped = 0
    for _ in range(8):
        response = requests.get(live.sparql, params={"query": query}, headers={"Accept": JSON}, timeout=120)
        if response.status_code == 503:
            assert_json_error(response, 503, "time limit")
            stopped += 1
        else:  # the empty half: answered at once; a full cross join never comes back as 200
            assert response.status_code == 200
            assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert healthz(live)["query_workers"]["replaced"] - before == stopped


def test_a_stopped_query_frees_the_cpu(live):
    """The worker that ran a query past the limit is killed (its work stops), not merely left behind."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CROSS_JOIN} }}"
    before_workers = live.query_workers()
    replaced = healthz(live)["query_workers"]["replaced"]
    assert requests.get(live.sparql, params={"query": query}, timeout=120).status_code == 503
    assert healthz(live)["query_workers"]["replaced"] == replaced + 1
    gone = before_workers - live.query_workers()
    assert len(gone) == 1 and not any(_exists(pid) for pid in gone)  # killed and reaped: nothing of it runs


def _exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


# 4. SERVICE targets that hold the connection froze every app thread.


def test_service_calls_that_never_answer_are_cut_at_the_time_limit(live, tarpit):
    query = f"SELECT * WHERE {{ SERVICE <{tarpit.url}> {{ ?s ?p ?o }} }}"
    answers: list[int] = []

    def ask() -> None:
        answers.append(requests.get(live.sparql, params={"query": query}, timeout=120).status_code)

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert sorted(set(answers)) == [503] and len(answers) == 6
    assert healthz(live)["ok"] is True  # the app's threads are free again
    time.sleep(0.5)
    assert tarpit.held and tarpit.still_open() == 0  # every connection to the tarpit was dropped


# 5. A chunked body was read whole, past the 1 MiB limit.


def _chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"#" * size
        sent += size


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.mark.parametrize("path, content_type", [("/sparql", DIRECT), ("/sparql", FORM), ("/validate", "application/yaml")])
def test_a_chunked_body_past_the_limit_is_refused_while_reading(live, path, content_type):
    before = rss(live.process.pid)
    response = requests.post(live.url + path, data=_chunks(64 << 20), headers={"Content-Type": content_type},
                             timeout=120)
    assert_json_error(response, 413, "1,048,576" if path == "/sparql" else "1,000,000")
    assert rss(live.process.pid) - before < 32 << 20  # the body was not held
    assert healthz(live)["ok"] is True


def test_a_chunked_body_within_the_limit_is_a_query(live):
    query = b"ASK { }" + b" " * 500_000
    response = requests.post(live.sparql, data=iter([query[:250_000], query[250_000:]]),
                             headers={"Content-Type": DIRECT, "Accept": JSON}, timeout=60)
    assert response.status_code == 200 and response.json()["boolean"] is True


# 6. A crashed worker went back into the pool and failed the next client.


def test_the_next_client_never_pays_for_a_crashed_worker(live):
    slow = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CROSS_JOIN} }}"
    before = healthz(live)["query_workers"]["crashed"]
    idle = _settled_cpu(live)  # every worker started and idle: only the one given the query uses CPU now
    result: dict = {}
    asker = threading.Thread(target=lambda: result.setdefault(
        "response", requests.get(live.sparql, params={"query": slow}, timeout=120)))
    asker.start()
    busy: set[int] = set()
    deadline = time.monotonic() + 30
    while not busy and time.monotonic() < deadline:
        time.sleep(0.05)
        busy = {pid for pid, seconds in idle.items() if cpu_seconds({pid}) - seconds > 0.1}
    assert len(busy) == 1, "the slow query did not start in one worker"
    os.kill(busy.pop(), signal.SIGSEGV)
    asker.join()
    body = assert_json_error(result["response"], 500, "SIGSEGV")
    assert "stack" in body["error"]
    for _ in range(6):  # nobody after it gets the dead worker
        response = requests.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON},
                                timeout=30)
        assert response.status_code == 200
    assert healthz(live)["query_workers"]["crashed"] == before + 1


def _settled_cpu(live) -> dict[int, float]:
    """Each query worker's CPU seconds, once none of them is still using CPU (starting up, say)."""
    readings: dict[int, float] = {}
    for _ in range(100):
        now = {pid: cpu_seconds({pid}) for pid in live.query_workers()}
        if now and now == readings:
            return now
        readings = now
        time.sleep(0.3)
    raise AssertionError("the query workers never went idle")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"R"
    except OSError:
        return False


# 11. Smaller promises.


def test_a_long_record_name_is_a_400(live):
    response = requests.post(live.url + "/validate", params={"name": "meetings/" + "a" * 5000 + ".yaml"},
                             data=b"label: x\n", timeout=30)
    assert_json_error(response, 400, "at most 200")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_validate_are_a_json_405(live, method):
    response = requests.request(method, live.url + "/validate", timeout=30)
    assert_json_error(response, 405, "POST")
    assert "POST" in response.headers["Allow"]


def test_an_unknown_api_address_is_a_json_404(live):
    assert_json_error(requests.get(live.url + "/api/nothing", timeout=30), 404, "/api/nothing")


def test_a_url_too_long_for_the_http_server_leaves_it_serving(live):
    # granian refuses a request line past its limit before the app sees it (an empty 414)
    response = requests.get(live.sparql, params={"query": "ASK {}" + " " * 100_000}, timeout=30)
    assert response.status_code == 414
    assert healthz(live)["ok"] is True


@pytest.mark.parametrize("send", ["get", "form", "form-url", "workbench", "download", "validate-name"])
def test_a_query_that_is_not_utf8_is_a_400(live, send):
    bad = "ASK%20%7B%7D%20%23%FF"
    if send == "get":
        response = requests.get(f"{live.sparql}?query={bad}", timeout=30)
    elif send == "form":
        response = requests.post(live.sparql, data=f"query={bad}", headers={"Content-Type": FORM}, timeout=30)
    elif send == "form-url":
        response = requests.post(f"{live.sparql}?default-graph-uri=%FF", data="query=ASK%20%7B%7D",
                                 headers={"Content-Type": FORM}, timeout=30)
    elif send == "workbench":
        response = requests.get(f"{live.url}/?query={bad}", timeout=30)
    elif send == "download":
        response = requests.get(f"{live.url}/results.csv?query={bad}", timeout=30)
    else:
        response = requests.post(f"{live.url}/validate?name=meetings/%FF.yaml", data=b"label: x\n", timeout=30)
    assert_json_error(response, 400, "UTF-8")


@pytest.mark.parametrize("content_type", [DIRECT, FORM, "application/sparql-update", "text/plain"])
def test_an_update_parameter_is_refused_whatever_the_body(live, content_type):
    body = "query=ASK%20%7B%7D" if content_type == FORM else "ASK {}"
    response = requests.post(live.sparql, params={"update": "DROP ALL"}, data=body,
                             headers={"Content-Type": content_type}, timeout=30)
    assert_json_error(response, 403, "read-only")


# The classes of attack that held, through every channel: a corpus that must keep holding.

ATTACKS = {
    "plain": "SELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{t}> {{ ?s ?p ?o }} }}",
    "lowercase": "select * where {{ service <{t}> {{ ?s ?p ?o }} }}",
    "prefixed": "PREFIX x: <{t}> SELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
    "base": "BASE <{t}> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}",
    "escaped-iri": "SELECT * WHERE {{ SERVICE <{t_escaped}> {{ ?s ?p ?o }} }}",
    "escaped-keyword": "SELECT * WHERE {{ \\u0053ERVICE <{t}> {{ ?s ?p ?o }} }}",
    "variable": "SELECT * WHERE {{ BIND(<{t}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "nested": "SELECT * WHERE {{ {{ OPTIONAL {{ {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }} }} }}",
    "subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }} }}",
    "exists": "ASK {{ FILTER EXISTS {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "comment-newline": "SELECT * WHERE {{ # }}\nSERVICE <{t}> {{ ?s ?p ?o }} }}",
    "from": "SELECT * FROM <{t}> WHERE {{ ?s ?p ?o }}",
    "from-named": "SELECT * FROM NAMED <{t}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "load": "LOAD <{t}>",
    "load-silent": "LOAD SILENT <{t}> INTO GRAPH <http://example.org/g>",
    "insert": "INSERT DATA {{ <{t}> <{t}> <{t}> }}",
    "update-after-query": "SELECT * WHERE {{ ?s ?p ?o }} ; LOAD <{t}>",
}


def _escaped(iri: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if c in "127.0:" else c for c in iri)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_the_attacks_that_held_keep_holding(live, listener, name):
    sock, target = listener  # not allow-listed: nobody may connect to it
    query = ATTACKS[name].format(t=target, t_escaped=_escaped(target))
    answers = channels(live, query)
    answers.append(requests.post(live.sparql, data={"update": query}, timeout=30))
    answers.append(requests.post(live.sparql, data=query.encode(), headers={"Content-Type": "application/sparql-update"},
                                 timeout=30))
    answers.append(requests.get(live.sparql, params={"query": "ASK {}", "default-graph-uri": target}, timeout=30))
    answers.append(requests.get(live.sparql, params={"query": "ASK {}", "named-graph-uri": target}, timeout=30))
    for response in answers:
        assert response.status_code in (200, 400, 403), (name, response.status_code, response.text[:300])
    assert not connection_arrives(sock), name
    assert len(answers) == 9


def test_the_corpus_is_complete():
    assert len(ATTACKS) == 19
