"""A real ``oxigraph serve`` on loopback for the remote-store tests, and a store fixture over both backends."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from csto_kg.build import build
from csto_kg.remote import RemoteStore


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

    def __init__(self, location: Path):
        self.location = location
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> OxigraphServer:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
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
    """A RemoteStore that ignores the caller's environment, with quick retries for tests."""
    store = RemoteStore(url, environ=settings)
    store.backoff = 0.01
    return store


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """One ``oxigraph serve`` for the session, holding the real records (read-only for tests)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_oxigraph(tmp_path):
    """An empty ``oxigraph serve`` of the test's own, for tests that write or kill it."""
    server = OxigraphServer(tmp_path / "oxigraph").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote_built_store(oxigraph_server, validator) -> RemoteStore:
    """The real records, built once into the session's ``oxigraph serve``."""
    from .conftest import DATA

    store = remote_store(oxigraph_server.url)
    build(DATA, store, validator)
    return store


@pytest.fixture(params=["embedded", "remote"])
def any_store(request):
    """The real records, built into each backend in turn: the same tests run against both."""
    return request.getfixturevalue("built_store" if request.param == "embedded" else "remote_built_store")
