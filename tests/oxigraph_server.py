"""A real ``oxigraph serve`` on loopback for the remote-store tests, and the fixtures that run them
against each remote engine (``oxigraph serve``, and Virtuoso: tests/virtuoso_server.py) and the
embedded store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import os

import pytest

from csto_kg.check.build import build
from csto_kg.store.remote import RemoteStore

# The real SPARQL engines every remote-store test runs against: `oxigraph serve` and OpenLink
# Virtuoso (Debian's virtuoso-opensource: tests/virtuoso_server.py). Where Virtuoso is not installed
# its cases are skipped, saying so (CI sets CSTO_KG_TESTS_NEED_VIRTUOSO=1 and they fail instead);
# CSTO_KG_TESTS_VIRTUOSO=0 leaves them out.
VIRTUOSO_TESTS = os.environ.get("CSTO_KG_TESTS_VIRTUOSO", "1") != "0"
ENGINES = ("oxigraph", "virtuoso") if VIRTUOSO_TESTS else ("oxigraph",)
ENGINE_SETTINGS: dict[str, dict[str, str]] = {}  # a server's URL -> the settings its engine needs


def engine_settings(url: str) -> dict[str, str]:
    """The settings that point csto-kg at the server at ``url`` (endpoints, authentication); none for oxigraph."""
    for base, found in ENGINE_SETTINGS.items():
        if url == base or url.startswith(base + "/"):
            return dict(found)
    return {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` command is missing; install the test extra: pip install -e '.[test]'")
    return found


class OxigraphServer:
    """``oxigraph serve --location DIR`` on a free loopback port; stop() kills it, start() brings it back."""

    def __init__(self, location: Path, *options: str):
        self.location = location
        self.options = options  # further `oxigraph serve` options, e.g. ("--timeout-s", "5")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> OxigraphServer:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}",
             *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                urllib.request.urlopen(f"{self.url}/query?query=ASK%7B%7D", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"oxigraph serve did not answer on {self.url} within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None


def remote_store(url: str, **settings: str) -> RemoteStore:
    """A RemoteStore that ignores the caller's environment (but for the engine's own settings), with
    quick retries for tests."""
    store = RemoteStore(url, environ={**engine_settings(url), **settings})
    store.backoff = 0.01
    return store


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """One ``oxigraph serve`` for the session, holding the real records (read-only for tests)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    yield server
    server.stop()


def virtuoso(location: Path, timeout_s: int = 60):
    """A started Virtuoso at ``location``, known to :func:`remote_store` and ``serve``."""
    from .virtuoso_server import SETTINGS, VirtuosoServer

    server = VirtuosoServer(location, timeout_s).start()
    ENGINE_SETTINGS[server.url] = SETTINGS
    return server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One Virtuoso for the session, holding the real records (read-only for tests)."""
    server = virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def scratch_virtuoso(tmp_path_factory):
    """The session's Virtuoso for tests that write or kill it: emptied before each (it takes seconds to start)."""
    server = virtuoso(tmp_path_factory.mktemp("virtuoso-scratch"))
    yield server
    server.stop()


@pytest.fixture(scope="session", params=ENGINES)
def remote_engine(request) -> str:
    """``oxigraph`` or ``virtuoso``: every remote-store test runs against each engine."""
    return request.param


@pytest.fixture
def fresh_remote(remote_engine, tmp_path, request):
    """An empty store of the test's own on each engine, for tests that write or kill it: a new
    ``oxigraph serve``, or the session's scratch Virtuoso emptied."""
    if remote_engine == "virtuoso":
        yield request.getfixturevalue("scratch_virtuoso").reset()
        return
    server = OxigraphServer(tmp_path / "oxigraph").start()
    yield server
    server.stop()


def _built(server, validator) -> RemoteStore:
    from .conftest import DATA

    store = remote_store(server.url)
    build(DATA, store, validator)
    return store


@pytest.fixture(scope="session")
def oxigraph_built_store(oxigraph_server, validator) -> RemoteStore:
    """The real records, built once into the session's ``oxigraph serve``."""
    return _built(oxigraph_server, validator)


@pytest.fixture(scope="session")
def virtuoso_built_store(virtuoso_server, validator) -> RemoteStore:
    """The real records, built once into the session's Virtuoso."""
    return _built(virtuoso_server, validator)


@pytest.fixture(scope="session")
def remote_built_store(remote_engine, request) -> RemoteStore:
    """The real records, built once into each engine."""
    return request.getfixturevalue(f"{remote_engine}_built_store")


@pytest.fixture(params=["embedded", *ENGINES])
def any_store(request):
    """The real records, built into each backend in turn: the same tests run against all."""
    return request.getfixturevalue("built_store" if request.param == "embedded" else f"{request.param}_built_store")


# -- the endpoint tests' backends: each live-server test runs once per backend

BACKENDS = ("embedded", *ENGINES)
# the server-side limit for queries the endpoint abandoned at its own time limit (the tests' slow
# queries run for minutes otherwise); the endpoint's limit stays the one that answers the client
REMOTE_TIMEOUT_S = "5"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """``embedded`` or a remote engine; session-scoped so that one server per backend serves every module."""
    return request.param


@pytest.fixture(scope="session")
def dataset_oxigraph(tmp_path_factory):
    """The session's second ``oxigraph serve``: the D0..D3 dataset (one manifest, so one server per build)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-dataset") / "db", "--timeout-s", REMOTE_TIMEOUT_S)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def dataset_virtuoso(tmp_path_factory):
    """The session's Virtuoso for the D0..D3 dataset, stopping queries itself after REMOTE_TIMEOUT_S,
    and calling SERVICE endpoints (the endpoint's allow-list decides which)."""
    server = virtuoso(tmp_path_factory.mktemp("virtuoso-dataset"), int(REMOTE_TIMEOUT_S)).allow_service()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dataset_location(backend, tmp_path_factory, request) -> str:
    """Where the D0..D3 dataset is served from: an embedded store's folder or a live store's URL."""
    from .live_endpoint import DATASET_MANIFEST, dataset_nquads, dataset_store

    if backend == "embedded":
        path = tmp_path_factory.mktemp("dataset") / "store"
        dataset_store(path)
        return str(path)
    server = request.getfixturevalue(f"dataset_{backend}")
    remote_store(server.url).replace(dataset_nquads(), DATASET_MANIFEST)
    return server.url


@pytest.fixture(scope="session")
def records_location(backend, request) -> str:
    """Where the real records are served from: the built embedded store's folder or the live store's URL."""
    if backend == "embedded":
        return str(request.getfixturevalue("built_store").path)
    return request.getfixturevalue(f"{backend}_built_store").url
