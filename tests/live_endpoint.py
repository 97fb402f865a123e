"""The endpoint served by waitress on a free loopback port, and a small dataset with graphs D0..D3.

The endpoint tests run against each backend in turn (the ``backend`` fixtures in
tests/oxigraph_server.py): the embedded store, and a live ``oxigraph serve`` loaded through
:class:`~csto_kg.remote.RemoteStore`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import waitress
from flask import Flask

from csto_kg.store import EmbeddedStore
from csto_kg.web import create_app

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
    app: Flask

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextlib.contextmanager
def serve(store_path: Path | str, threads: int = 8, **config: Any) -> Iterator[Live]:
    """Serve an app over ``store_path`` (a folder, or a remote store's URL) with ``config`` on a free loopback port."""
    app = create_app({"STORE": str(store_path), "SPARQL_WORKERS": 2, **config})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.effective_port}", app)
    finally:
        server.close()
        runner = app.extensions.get("csto_kg.sparql_runner")
        if runner is not None:
            runner.close()


@pytest.fixture
def listener():
    """A loopback socket that records whether anyone connects to it (nobody should)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(1.0)
    yield sock, f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    sock.close()


def connection_arrives(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return False
    conn.close()
    return True
