"""Queries run in worker processes, so that a query past the time limit can be stopped.

pyoxigraph cannot cancel a running query, so each query runs in one of a few worker
processes (``python -m csto_kg.query_workers``), each with the store open read-only. When a
query overruns ``CSTO_KG_SPARQL_TIME_LIMIT_MS`` its worker is killed -- the work stops and its
CPU is freed -- and a fresh worker takes its place; the other workers keep serving.

Parent and worker speak length-prefixed pickled tuples over the worker's stdin/stdout. Only the parent
writes requests, and only trusted code runs on either side.

A query that a worker has already answered quickly -- the same text, format, dataset and row
cap, on the same build -- runs in the server's own thread the next time, without the round trip
(:data:`KNOWN_FAST_MS`). The store is immutable between builds, so the same query does the same
work again: it cannot run past the limit where it took milliseconds before. A query that calls a
SERVICE never runs in the server (its cost is the remote endpoint's).

While a query is the only one in flight, the waiting thread polls the worker's pipe for up to
:data:`SPIN_SECONDS` before it sleeps: most queries answer within that, and catching the answer
without a sleep and a wake-up saves a few tenths of a millisecond each. Under load nobody spins,
so the cores stay with the workers.
"""

from __future__ import annotations

import atexit
import os
import pickle
from collections import OrderedDict
import queue
import select
import subprocess
import sys
import threading
import time
from typing import Sequence

from .problems import CstoKgError
from .query_check import inspect
from .sparql import Answer, Plan, QueryFailed, QueryTimeout, execute

READY = "ready"
SPIN_SECONDS = 0.001
KNOWN_FAST_MS = 50  # at most this, and at most 1/20 of the time limit
KNOWN_FAST_ENTRIES = 1024
KNOWN_FAST_MAX_QUERY = 16_384  # characters; longer query texts are not remembered


def _write(fd: int, message) -> None:
    """One message: its length (8 bytes) and its pickle, in as few system calls as possible."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        view = view[os.write(fd, view):]


def _read(fd: int):
    """One message; a small one (most answers) arrives with its header in a single system call."""
    first = os.read(fd, 1 << 16)
    if len(first) < 8:
        first += _read_exactly(fd, 8 - len(first))
    size = int.from_bytes(first[:8], "little")
    body = first[8:]
    if len(body) < size:
        body += _read_exactly(fd, size - len(body))
    return pickle.loads(body)


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class WorkersBusy(CstoKgError):
    status = 503


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "csto_kg.query_workers"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, bufsize=0)
        self.ready = False
        self.stdin, self.stdout = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self.poller = select.poll()  # kept: registering once saves work on every query
        self.poller.register(self.stdout, select.POLLIN | select.POLLHUP)

    def _wait(self, seconds: float | None, spin: float = 0.0) -> bool:
        if seconds is not None and seconds <= 0:
            return False
        if spin:
            spin_until = time.perf_counter() + min(spin, seconds or spin)
            while time.perf_counter() < spin_until:
                if self.poller.poll(0):
                    return True
        return bool(self.poller.poll(None if seconds is None else int(seconds * 1000) + 1))

    def _receive(self):
        try:
            return _read(self.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            return ("error", 500, f"a query worker stopped unexpectedly (exit status {self.proc.poll()}); "
                                  "the query may have used too much memory; try a narrower query")

    def run(self, request: tuple, seconds: float | None, spin: float = 0.0) -> tuple | None:
        """The worker's reply, or None when it did not answer within ``seconds`` (polling for the first ``spin``)."""
        if not self.ready:
            if self._receive() != READY:
                return ("error", 500, "a query worker failed to start; see the server's log")
            self.ready = True
        _write(self.stdin, request)
        if not self._wait(seconds, spin):
            return None
        return self._receive()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """``size`` worker processes answering queries on the embedded store at ``store_path``."""

    def __init__(self, store_path: str, size: int, time_limit_ms: int) -> None:
        self.store_path = str(store_path)
        self.size = size
        self.time_limit_ms = time_limit_ms
        # last in, first out: the worker that answered last answers next, its caches still warm
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.replaced = 0  # workers killed for overrunning (for tests and /healthz)
        self.inline = 0  # known-fast queries answered in the server's thread (for tests and /healthz)
        self._in_flight = 0
        self._fast: OrderedDict[tuple, None] = OrderedDict()  # keys of queries known to be fast ...
        self._fast_build: str | None = None  # ... on this build
        self._store = None  # the server's own reader, for known-fast queries
        for _ in range(size):
            self._idle.put(self._start())
        atexit.register(self.close)

    def _start(self) -> _Worker:
        worker = _Worker()
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        self._idle.put(self._start())

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._all]

    # -- queries known to be fast

    def _fast_seconds(self) -> float:
        return min(KNOWN_FAST_MS, self.time_limit_ms / 20 if self.time_limit_ms else KNOWN_FAST_MS) / 1000

    def _current_build(self) -> str | None:
        if self._store is None:
            from .store import EmbeddedStore

            self._store = EmbeddedStore(self.store_path)
        current = self._store.current_dir()
        return str(current) if current is not None else None

    def _known_fast(self, key: tuple, build: str | None) -> bool:
        with self._lock:
            if build is None or build != self._fast_build:
                return False
            if key in self._fast:
                self._fast.move_to_end(key)
                return True
            return False

    def _note(self, key: tuple, build: str | None, plan: Plan, seconds: float) -> None:
        """Remember ``key`` as fast on ``build`` when it took under the threshold, forget it otherwise."""
        eligible = (build is not None and seconds < self._fast_seconds()
                    and len(plan.query) <= KNOWN_FAST_MAX_QUERY and not inspect(plan.query).services)
        with self._lock:
            if build != self._fast_build:
                self._fast.clear()
                self._fast_build = build
            if eligible:
                self._fast[key] = None
                self._fast.move_to_end(key)
                while len(self._fast) > KNOWN_FAST_ENTRIES:
                    self._fast.popitem(last=False)
            else:
                self._fast.pop(key, None)

    def run(self, plan: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
        key = (plan, tuple(default_graphs), tuple(named_graphs), max_rows)
        build = self._current_build()
        if self._known_fast(key, build):
            started = time.perf_counter()
            answer = execute(self._store, plan, default_graphs, named_graphs, max_rows)
            self._note(key, build, plan, time.perf_counter() - started)
            with self._lock:
                self.inline += 1
            return answer
        answer, seconds = self._run_in_worker(plan, default_graphs, named_graphs, max_rows)
        self._note(key, build, plan, seconds)
        return answer

    def _run_in_worker(self, plan: Plan, default_graphs: Sequence[str], named_graphs: Sequence[str],
                       max_rows: int) -> tuple[Answer, float]:
        """The answer of a worker, and the seconds it took."""
        limit = self.time_limit_ms / 1000 if self.time_limit_ms else None
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise WorkersBusy(f"all {self.size} query workers stayed busy for the time limit of "
                              f"{self.time_limit_ms} ms; retry shortly") from None
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            reply = worker.run((self.store_path, plan, tuple(default_graphs), tuple(named_graphs), max_rows),
                               limit, SPIN_SECONDS if alone else 0.0)
        except (BrokenPipeError, OSError):
            reply = ("error", 500, "a query worker stopped unexpectedly; retry the query")
        finally:
            with self._lock:
                self._in_flight -= 1
        if reply is None:
            self.replaced += 1
            self._retire(worker)  # the kill stops the work; a fresh worker takes the place
            raise QueryTimeout(f"the query took longer than the time limit of {self.time_limit_ms} ms and was "
                               f"stopped after {time.monotonic() - started:.1f} s; the limit is set by "
                               "CSTO_KG_SPARQL_TIME_LIMIT_MS. Narrow the query (LIMIT, more specific patterns)")
        seconds = time.monotonic() - started
        if worker.alive():
            self._idle.put(worker)
        else:
            self._retire(worker)
        if reply[0] == "ok":
            return reply[1], seconds
        raise QueryFailed(reply[2], reply[1])

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


class InlineRunner:
    """Runs queries in the calling thread: for stores that enforce their own time limit (remote ones)."""

    def __init__(self, store) -> None:
        self.store = store

    def run(self, plan: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
        return execute(self.store, plan, default_graphs, named_graphs, max_rows)

    def close(self) -> None:
        pass


def _serve() -> None:
    """The worker's loop: read a request, answer it, until the parent closes stdin."""
    from .store import EmbeddedStore

    stdin, stdout = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nothing but replies may reach the parent's pipe
    stores: dict[str, EmbeddedStore] = {}
    _write(stdout, READY)
    while True:
        try:
            path, plan, default_graphs, named_graphs, max_rows = _read(stdin)
        except EOFError:
            return
        try:
            store = stores.get(path) or stores.setdefault(path, EmbeddedStore(path))
            reply = ("ok", execute(store, plan, default_graphs, named_graphs, max_rows))
        except CstoKgError as err:
            reply = ("error", err.status, err.message)
        except Exception as err:  # noqa: BLE001 - reported to the client as a server error, worker stays up
            reply = ("error", 500, f"the query failed in the store: {type(err).__name__}: {err}")
        _write(stdout, reply)


if __name__ == "__main__":
    _serve()
