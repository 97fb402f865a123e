"""The socket guard: a query worker cannot open Internet sockets, even for a SERVICE the query check missed.

The filter is process-wide and permanent, so it is only ever installed in child processes
(snippets run with ``python -c``, or the pool's query workers), never in the test process.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from csto_kg.query import network_guard
from csto_kg.query import workers as query_workers
from csto_kg.query.guard import QueryInfo
from csto_kg.query.workers import WorkerPool
from csto_kg.problems import QueryTimeout
from csto_kg.query.sparql import Plan, QueryFailed, plan

from .live_endpoint import connection_arrives
from .test_query_workers import FAST, JSON, pool, store  # noqa: F401 - fixtures

UNAVAILABLE = network_guard.unavailable_reason()  # asks the kernel, installs nothing
needs_guard = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"no socket guard here: {UNAVAILABLE}")

PRELUDE = """
import errno, json, os, socket, sys, threading
from csto_kg.query import network_guard
"""


def snippet(code: str, *args: str, timeout: float = 60) -> dict:
    """What a Python snippet run in a child process printed last, as JSON."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _seccomp(pid: int) -> tuple[int, int]:
    """The seccomp mode (0 none, 2 filter) and the number of filters of a process, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    mode = int(fields["Seccomp"])
    return mode, int(fields.get("Seccomp_filters", mode == 2))  # the count appeared in Linux 5.9


def filters_added(pid: int) -> int:
    """How many seccomp filters ``pid`` carries beyond this process's own (a container may have one)."""
    return _seccomp(pid)[1] - _seccomp(os.getpid())[1]


# -- the filter in one process


@needs_guard
def test_the_guard_refuses_internet_sockets_and_allows_the_rest():
    found = snippet("""
        def attempt(make):
            try:
                make().close()
                return "opened"
            except OSError as err:
                return errno.errorcode[err.errno]

        before = attempt(lambda: socket.socket(socket.AF_INET))
        installed = network_guard.install_no_network()
        a, b = socket.socketpair()
        a.sendall(b"x")
        read, write = os.pipe()
        os.write(write, b"y")
        with __import__("tempfile").TemporaryFile("w") as f:
            f.write("z")
        print(json.dumps({
            "before": before, "installed": installed, "reason": network_guard.reason(),
            "inet_stream": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
            "inet_dgram": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
            "inet6": attempt(lambda: socket.socket(socket.AF_INET6)),
            "unix": attempt(lambda: socket.socket(socket.AF_UNIX)),
            "socketpair": b.recv(1).decode(), "pipe": os.read(read, 1).decode(),
            "again": network_guard.install_no_network(),
        }))
    """)
    assert found["before"] == "opened" and found["installed"] is True and found["reason"] is None
    assert found["inet_stream"] == found["inet_dgram"] == found["inet6"] == "EPERM"
    assert found["unix"] == "opened" and found["socketpair"] == "x" and found["pipe"] == "y"
    assert found["again"] is True


@needs_guard
def test_the_guard_binds_threads_started_before_it_and_the_programs_it_starts():
    found = snippet("""
        go, result = threading.Event(), {}

        def later():
            go.wait()
            try:
                socket.socket(socket.AF_INET).close()
                result["thread"] = "opened"
            except PermissionError:
                result["thread"] = "EPERM"

        thread = threading.Thread(target=later)
        thread.start()
        installed = network_guard.install_no_network()
        go.set()
        thread.join()
        import subprocess
        child = subprocess.run([sys.executable, "-c", "import socket; socket.socket(socket.AF_INET6)"],
                               capture_output=True, text=True)
        print(json.dumps({"installed": installed, "thread": result["thread"],
                          "child": "PermissionError" in child.stderr}))
    """)
    assert found == {"installed": True, "thread": "EPERM", "child": True}


@needs_guard
def test_a_guarded_pyoxigraph_service_call_never_reaches_the_listener(listener):
    sock, url = listener
    found = snippet("""
        import pyoxigraph
        installed = network_guard.install_no_network()
        try:
            list(pyoxigraph.Store().query("SELECT * WHERE { SERVICE <" + sys.argv[1] + "> { ?s ?p ?o } }"))
            outcome = "answered"
        except OSError as err:
            outcome = f"{type(err).__name__}: {err}"
        print(json.dumps({"installed": installed, "outcome": outcome}))
    """, url)
    assert found["installed"] is True
    assert found["outcome"].startswith("PermissionError") and "not permitted" in found["outcome"]
    assert not connection_arrives(sock)


def test_without_the_guard_the_same_call_reaches_the_listener(listener):
    """The control for the test above: the listener does see an unguarded SERVICE call."""
    sock, url = listener
    child = subprocess.Popen([sys.executable, "-c", "import pyoxigraph, sys; list(pyoxigraph.Store().query("
                              "'SELECT * WHERE { SERVICE <' + sys.argv[1] + '> { ?s ?p ?o } }'))", url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock.settimeout(30)
        assert connection_arrives(sock, within=30)
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("machine", ["riscv64", "ppc64le", "i686"])
def test_on_an_unknown_architecture_nothing_is_installed_and_the_reason_given(machine):
    found = snippet("""
        import platform
        platform.machine = lambda: sys.argv[1]
        installed = network_guard.install_no_network()
        socket.socket(socket.AF_INET).close()  # still allowed: nothing was installed
        print(json.dumps({"installed": installed, "reason": network_guard.reason(),
                          "predicted": network_guard.unavailable_reason()}))
    """, machine)
    assert found["installed"] is False
    assert machine in found["reason"] and "x86_64 and aarch64" in found["reason"]
    assert found["predicted"] == found["reason"]


@pytest.mark.parametrize("arch, audit, socket_nr", [("x86_64", 0xC000003E, 41), ("aarch64", 0xC00000B7, 198)])
def test_the_filter_checks_the_architecture_and_the_socket_call_of_each(arch, audit, socket_nr):
    program = network_guard._program(network_guard._ARCHES[arch])
    assert program[0] == (0x20, 0, 0, 4)  # load the audit arch
    assert program[1][3] == audit and program[1][1] == 0  # its own arch goes on ...
    assert program[1 + 1 + program[1][2]] == (0x06, 0, 0, 0x00050001)  # ... any other is refused (EPERM)
    compares = [k for code, _, _, k in program if code == 0x15]
    assert socket_nr in compares and 2 in compares and 10 in compares
    assert program[-2:] == [(0x06, 0, 0, 0x7FFF0000), (0x06, 0, 0, 0x00050001)]
    assert any(code == 0x35 and k == 0x40000000 for code, _, _, k in program) == (arch == "x86_64")  # x32 calls


# -- the pool: guarded workers for every query, federating ones for SERVICE


class _SparqlService(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's naming
        self.requests.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        body = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def sparql_service():
    """A loopback SPARQL endpoint that answers every query with no rows, and the queries it received."""
    handler = type("Handler", (_SparqlService,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler.requests
    server.shutdown()
    server.server_close()


@needs_guard
def test_a_service_the_check_missed_runs_in_a_guarded_worker_and_connects_nowhere(pool, listener, monkeypatch):
    sock, url = listener
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    # the query check fooled: the pool sees no SERVICE in the query, and plan() was never asked
    monkeypatch.setattr(query_workers, "inspect", lambda _text: QueryInfo("select", (), False))
    with pytest.raises(QueryFailed) as caught:
        pool.run(Plan(query, "select", "json", JSON))
    assert caught.value.status == 502 and "not permitted" in caught.value.message
    assert not connection_arrives(sock)
    assert pool.federating == 0 and pool.network_guard is True
    (pid,) = pool.pids()
    assert filters_added(pid) == 1
    assert pool.run(plan(FAST, JSON, frozenset())).rows == 4  # the worker carries on


@needs_guard
def test_an_allow_listed_service_runs_in_a_federating_worker(pool, sparql_service):
    url, received = sparql_service
    (regular,) = pool.pids()
    answer = pool.run(plan(f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}", JSON, frozenset({url})))
    assert answer.rows == 0 and json.loads(answer.body)["head"]["vars"] == ["x"]
    assert len(received) == 1 and "?x" in received[0]
    assert pool.federating == 1 and pool.size == 1
    (federating,) = set(pool.pids()) - {regular}
    assert filters_added(regular) == 1 and filters_added(federating) == 0
    assert pool.run(plan(FAST, JSON, frozenset())).rows == 4  # queries without SERVICE still go to the guarded one
    pool.run(plan(f"ASK {{ SERVICE <{url}> {{ ?x ?p ?o }} }}", JSON, frozenset({url})))
    assert len(received) == 2 and sorted(pool.pids()) == sorted([regular, federating])  # started once, reused


def test_a_federating_worker_that_overruns_is_killed_and_replaced(store, listener):
    sock, url = listener  # accepts connections and never answers
    pool = WorkerPool(str(store.path), 1, 1000)
    try:
        query = plan(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", JSON, frozenset({url}))
        with pytest.raises(QueryTimeout):
            pool.run(query)
        assert connection_arrives(sock, within=30)  # the federating worker did call out
        assert pool.replaced == 1 and pool.crashed == 0 and pool.federating == 1
        before = set(pool.pids())
        with pytest.raises(QueryTimeout):  # and its replacement takes the next one
            pool.run(query)
        assert pool.replaced == 2 and pool.crashed == 0
        assert len(before - set(pool.pids())) == 1  # the overrunning federating worker is gone, the other stays
        assert len(pool.pids()) == 2
        assert pool.run(plan(FAST, JSON, frozenset())).rows == 4
    finally:
        pool.close()


def test_workers_that_cannot_install_the_guard_still_answer_and_the_pool_warns_once(store, tmp_path, monkeypatch,
                                                                                    capfd):
    # the workers (not this process) believe they run on an architecture the filter does not know
    (tmp_path / "sitecustomize.py").write_text("import platform\nplatform.machine = lambda: 'riscv64'\n")
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}")
    pool = WorkerPool(str(store.path), 2, 20_000)
    try:
        assert pool.network_guard is (UNAVAILABLE is None)  # nothing known against it before a worker answers
        answers = [threading.Thread(target=pool.run, args=(plan(FAST, JSON, frozenset()),)) for _ in range(4)]
        for thread in answers:
            thread.start()
        for thread in answers:
            thread.join()
        assert pool.run(plan(FAST, JSON, frozenset())).rows == 4
        assert pool.network_guard is False
        assert all(filters_added(pid) == 0 for pid in pool.pids())
    finally:
        pool.close()
    warnings = [line for line in capfd.readouterr().err.splitlines() if "socket guard is not installed" in line]
    assert len(warnings) == 1 and "riscv64" in warnings[0]
