"""Queries run in worker processes, so that a query past the time limit can be stopped.

pyoxigraph cannot cancel a running query, so every client query runs in one of a few worker
processes (``python -m csto_kg.query_workers``), each with the store open read-only -- never in
the server's own process. When a query overruns ``CSTO_KG_SPARQL_TIME_LIMIT_MS`` its worker is
killed -- the work stops, its CPU is freed, a SERVICE call it waits on is dropped -- and a fresh
worker takes its place; the other workers keep serving.

A worker runs queries on a thread with a large stack (:data:`QUERY_STACK_BYTES`), so that a
query within the endpoint's size and nesting caps (:mod:`csto_kg.query_check`) cannot overflow
it; should a worker die anyway (a signal, the memory killer), it is always retired and the
client is told what happened.

Parent and worker speak length-prefixed pickled tuples over the worker's stdin/stdout. Only the parent
writes requests, and only trusted code runs on either side.

While a query is the only one in flight, the waiting thread polls the worker's pipe for up to
:data:`SPIN_SECONDS` before it sleeps: most queries answer within that, and catching the answer
without a sleep and a wake-up saves a few tenths of a millisecond each. Under load nobody spins,
so the cores stay with the workers.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from typing import Sequence

from .problems import CstoKgError
from .sparql import Answer, Plan, QueryFailed, QueryTimeout, execute

READY = "ready"
SPIN_SECONDS = 0.001
# The query thread's stack: address space reserved, memory committed only as it is used. A
# pyoxigraph query needs up to about 2 KiB per level of nesting; this holds any query the
# endpoint's caps let through hundreds of times over.
QUERY_STACK_BYTES = 1 << 30


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
        self.broken = False  # it stopped answering: never handed another query
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
            self.broken = True
            return ("error", 500, self.death())

    def death(self) -> str:
        """What became of a worker that stopped answering, for the client and the log."""
        try:
            status = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        if status is not None and -status in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return (f"the query engine crashed ({signal.Signals(-status).name}), most likely by overflowing its "
                    "stack on a deeply nested query; nest fewer groups, parentheses or operators and retry")
        if status is not None and -status == signal.SIGKILL:
            return ("the query worker was killed (SIGKILL), most likely because the query used too much memory; "
                    "try a narrower query")
        return (f"a query worker stopped unexpectedly (exit status {status}); "
                "the query may have used too much memory; try a narrower query")

    def run(self, request: tuple, seconds: float | None, spin: float = 0.0) -> tuple | None:
        """The worker's reply, or None when it did not answer within ``seconds`` (polling for the first ``spin``)."""
        if not self.ready:
            if self._receive() != READY:
                self.broken = True
                return ("error", 500, "a query worker failed to start; see the server's log")
            self.ready = True
        _write(self.stdin, request)
        if not self._wait(seconds, spin):
            return None
        return self._receive()

    def alive(self) -> bool:
        return not self.broken and self.proc.poll() is None

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
        self.crashed = 0  # workers that died under a query and were retired (for tests and /healthz)
        self._in_flight = 0
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

    def _idle_worker(self, limit: float | None) -> _Worker:
        """An idle worker that is still alive; one that died while idle is retired on the way."""
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            try:
                worker = self._idle.get(timeout=None if deadline is None else max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise WorkersBusy(f"all {self.size} query workers stayed busy for the time limit of "
                                  f"{self.time_limit_ms} ms; retry shortly") from None
            if worker.alive():
                return worker
            with self._lock:
                self.crashed += 1
            self._retire(worker)

    def run(self, plan: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
        """The answer of a worker, within the time limit."""
        limit = self.time_limit_ms / 1000 if self.time_limit_ms else None
        worker = self._idle_worker(limit)
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            reply = worker.run((self.store_path, plan, tuple(default_graphs), tuple(named_graphs), max_rows),
                               limit, SPIN_SECONDS if alone else 0.0)
        except (BrokenPipeError, OSError):
            worker.broken = True
            reply = ("error", 500, worker.death() + "; retry the query")
        finally:
            with self._lock:
                self._in_flight -= 1
        if reply is None:
            self.replaced += 1
            self._retire(worker)  # the kill stops the work; a fresh worker takes the place
            raise QueryTimeout(f"the query took longer than the time limit of {self.time_limit_ms} ms and was "
                               f"stopped after {time.monotonic() - started:.1f} s; the limit is set by "
                               "CSTO_KG_SPARQL_TIME_LIMIT_MS. Narrow the query (LIMIT, more specific patterns)")
        if worker.alive():
            self._idle.put(worker)
        else:  # a dead worker never goes back into the pool
            with self._lock:
                self.crashed += 1
            self._retire(worker)
        if reply[0] == "ok":
            return reply[1]
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


def _serve_on_large_stack() -> None:
    """:func:`_serve` on a thread whose stack holds deeply nested queries (the main thread's is 8 MiB)."""
    threading.stack_size(QUERY_STACK_BYTES)
    thread = threading.Thread(target=_serve, name="query")
    thread.start()
    thread.join()


if __name__ == "__main__":
    _serve_on_large_stack()
