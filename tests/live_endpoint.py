"""The endpoint served by ``csto-kg serve`` on a free loopback port, and a small dataset with graphs D0..D3.

The endpoint tests run against each backend in turn (the ``backend`` fixtures in
tests/oxigraph_server.py): the embedded store, and a live ``oxigraph serve`` and Virtuoso loaded
through :class:`~csto_kg.store.remote.RemoteStore`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from csto_kg.store.embedded import EmbeddedStore

from .oxigraph_server import engine_settings, free_port

EX = "http://example.org/"
D = [f"{EX}D{i}" for i in range(4)]
FILLER = 150  # triples in D0 that make a four-way cross join slow


def dataset_nquads() -> str:
    """Graphs D0..D3, each saying ``<Dn> a ex:Graph ; ex:number n``; D0 also holds filler triples."""
    lines = []
    for i, graph in enumerate(D):
        lines.append(f"<{graph}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Graph> <{graph}> .")
        lines.append(f'<{graph}> <{EX}number> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> <{graph}> .')
    lines += [f"<{EX}item/{n}> <{EX}rank> \"{n}\"^^<http://www.w3.org/2001/XMLSchema#integer> <{D[0]}> ."
              for n in range(FILLER)]
    return "\n".join(lines) + "\n"


DATASET_MANIFEST = {"fixture": "D0..D3"}


def dataset_store(path: Path) -> EmbeddedStore:
    """The D0..D3 dataset in an embedded store at ``path``."""
    store = EmbeddedStore(path)
    store.replace(dataset_nquads(), DATASET_MANIFEST)
    return store


@dataclass
class Live:
    url: str  # the base URL, no trailing slash
    process: subprocess.Popen
    log: Any  # the server's stderr

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def query_workers(self) -> set[int]:
        """The pids of the server's query worker processes (the processes that run ``csto_kg.query.workers``)."""
        return {pid for pid in descendants(self.process.pid) if b"csto_kg.query.workers" in _cmdline(pid)}


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""


SETTING_OF = {"SPARQL_TIME_LIMIT_MS": "CSTO_KG_SPARQL_TIME_LIMIT_MS", "SPARQL_MAX_ROWS": "CSTO_KG_SPARQL_MAX_ROWS",
              "SERVICE_ALLOW": "CSTO_KG_SERVICE_ALLOW", "SPARQL_WORKERS": "CSTO_KG_SPARQL_WORKERS",
              "BASE_IRI": "CSTO_KG_BASE_IRI"}


@contextlib.contextmanager
def serve(store_path: Path | str, **config: Any) -> Iterator[Live]:
    """``csto-kg serve --no-build`` over ``store_path`` (a folder, or a remote store's URL) on a free
    loopback port, with ``config`` (``SPARQL_TIME_LIMIT_MS=...`` and so on) as its settings."""
    port = free_port()
    env = {**os.environ, "CSTO_KG_SPARQL_WORKERS": "2", **engine_settings(str(store_path))}
    env.update({SETTING_OF[key]: str(value) for key, value in config.items()})
    command = [sys.executable, "-m", "csto_kg.cli", "serve", "--no-build", "--store", str(store_path),
               "--host", "127.0.0.1", "--port", str(port)]
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    live = Live(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(live)
        yield live
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(live: Live, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            live.log.seek(0)
            raise RuntimeError(f"csto-kg serve exited with {live.process.returncode}: "
                               + live.log.read().decode(errors="replace")[-3000:])
        try:
            requests.get(live.url + "/healthz", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
        except requests.Timeout:  # up, but its store still busy (a query an earlier test abandoned)
            continue
    raise RuntimeError(f"csto-kg serve did not answer on {live.url} within {seconds:.0f} s")


@pytest.fixture
def listener():
    """A loopback socket that records whether anyone connects to it (nobody should)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(1.0)
    yield sock, f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    sock.close()


def connection_arrives(sock: socket.socket, within: float | None = None) -> bool:
    """Whether someone connects to the listener: within its second (to show that nobody does), or
    within ``within`` seconds, returning as soon as one does (a control, which must not hang on a busy
    machine's delay)."""
    previous = sock.gettimeout()
    if within is not None:
        sock.settimeout(within)
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return False
    finally:
        sock.settimeout(previous)
    conn.close()
    return True
