"""Queries run in worker processes, so that a query past the time limit can be stopped.

pyoxigraph cannot cancel a running query, so every client query runs in one of a few worker
processes (``python -m csto_kg.query.workers``), each with the store open read-only -- never in
the server's own process. When a query overruns ``CSTO_KG_SPARQL_TIME_LIMIT_MS`` its worker is
killed -- the work stops, its CPU is freed, a SERVICE call it waits on is dropped -- and a fresh
worker takes its place; the other workers keep serving.

A worker runs queries on a thread with a large stack (:data:`QUERY_STACK_BYTES`), so that a
query within the endpoint's size and nesting caps (:mod:`csto_kg.query.guard`) cannot overflow
it; should a worker die anyway (a signal, the memory killer), it is always retired and the
client is told what happened.

A worker cannot reach the network: before it reads a query it installs a kernel filter that
refuses Internet sockets (:mod:`csto_kg.query.network_guard`), so a query that the SERVICE check read as
calling no endpoint cannot call one, should the check have been fooled. A query that does call
SERVICE (every target allow-listed, or :func:`~csto_kg.query.sparql.plan` would have refused it) runs in
a separate, smaller pool of *federating* workers started without the filter on the first such
query (``python -m csto_kg.query.workers --network``); both pools share the time limit, the
replacement of an overrunning worker and the retirement of a dead one. Where the filter cannot be
installed (another system than Linux on x86_64 or aarch64, an old kernel) the pool warns once on
stderr and carries on, the SERVICE check still in force.

An answer may be kept for the query asked again (:class:`AnswerCache`, ``CSTO_KG_SPARQL_CACHE_MB``):
the same checked query, dataset and row cap on the same build, the answer a worker wrote within the
time limit. A query that calls SERVICE or reads the clock or chance (``RAND``, ``NOW``, ``UUID``,
``STRUUID``, ``BNODE``) is never answered from it, and a new build is never answered with the old
one's answers: the key holds the build.

Parent and worker speak length-prefixed pickled tuples over the worker's stdin/stdout. Only the parent
writes requests, and only trusted code runs on either side.

While a query is the only one in flight and a core is idle, the waiting thread polls the worker's
pipe for up to :data:`SPIN_SECONDS` before it sleeps: most queries answer within that, and
catching the answer without a sleep and a wake-up saves a few tenths of a millisecond each. Under
load nobody spins, so the cores stay with the workers: on a 2-core machine busy with other work, a
thread spinning beside the worker made the median answer 10-15% slower, not faster.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from typing import Sequence

import pyoxigraph as ox

from . import network_guard
from ..problems import CstoKgError, QueryTimeout
from ..store.embedded import EmbeddedStore
from .guard import CACHE_MAX_CHARS, inspect
from .sparql import Answer, Plan, QueryFailed, execute

READY = "ready"
NETWORK_FLAG = "--network"  # a worker started with it may open Internet sockets (SERVICE calls)
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


_idle_core = [0.0, False]  # when last looked at, and whether a core was idle then


def _a_core_is_idle() -> bool:
    """Whether the machine has had a core to spare lately (the 1-minute load average, read at most once a second)."""
    now = time.monotonic()
    if now - _idle_core[0] > 1.0:
        try:
            idle = os.getloadavg()[0] < (os.cpu_count() or 1) - 1
        except (AttributeError, OSError):  # no load average on this system: never spin
            idle = False
        _idle_core[:] = [now, idle]
    return _idle_core[1]


class WorkersBusy(CstoKgError):
    status = 503


class TimeBudget:
    """Seconds of query time that several queries share (those of one page): each may take what the
    ones before it left, and spends what it took -- waiting for a free worker included, waiting for
    a fresh worker to start not. Used by one thread at a time."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def spend(self, seconds: float) -> None:
        self.left -= seconds


class _Worker:
    def __init__(self, network: bool) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "csto_kg.query.workers", *([NETWORK_FLAG] if network else [])]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
        self.ready = False
        self.guard_problem: str | None = None  # why the worker could not shut itself off the network
        self.broken = False  # it stopped answering: never handed another query
        self.waited_to_start = 0.0  # seconds the last run waited for the worker to start
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
        self.waited_to_start = 0.0
        if not self.ready:
            waiting = time.monotonic()
            hello = self._receive()
            self.waited_to_start = time.monotonic() - waiting
            if not (isinstance(hello, tuple) and hello[:1] == (READY,)):
                self.broken = True
                return ("error", 500, "a query worker failed to start; see the server's log")
            self.ready, self.guard_problem = True, hello[1]
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


class _Workers:
    """``size`` worker processes of one kind (``network``: may open Internet sockets) on the store at ``store_path``."""

    def __init__(self, store_path: str, size: int, time_limit_ms: int, network: bool, name: str) -> None:
        self.store_path = store_path
        self.size = size
        self.time_limit_ms = time_limit_ms
        self.network = network
        self.name = name  # "query workers", "federating query workers": for messages
        # last in, first out: the worker that answered last answers next, its caches still warm
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.replaced = 0  # workers killed for overrunning
        self.crashed = 0  # workers that died under a query and were retired
        self.guard_problem: str | None = None  # the first reason a worker gave for running without the guard
        self._in_flight = 0
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self.network)
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
                raise WorkersBusy(f"all {self.size} {self.name} stayed busy for the time limit of "
                                  f"{self.time_limit_ms} ms; retry shortly") from None
            if worker.alive():
                return worker
            with self._lock:
                self.crashed += 1
            self._retire(worker)

    def run(self, request: tuple, budget: TimeBudget | None = None) -> tuple:
        """The reply of a worker to ``request``, within the time limit and, when given, within what is
        left of ``budget``, which it spends (a budget that has run out sends nothing)."""
        limit = self.time_limit_ms / 1000 if self.time_limit_ms else None
        if budget is not None:
            if budget.left <= 0:
                raise QueryTimeout(f"the time limit of {self.time_limit_ms} ms ran out before the query was sent; "
                                   "the limit is set by CSTO_KG_SPARQL_TIME_LIMIT_MS")
            limit = budget.left if limit is None else min(limit, budget.left)
        asked = time.monotonic()
        worker = self._idle_worker(limit)
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            reply = worker.run(request, limit, SPIN_SECONDS if alone and _a_core_is_idle() else 0.0)
        except (BrokenPipeError, OSError):
            worker.broken = True
            reply = ("error", 500, worker.death() + "; retry the query")
        finally:
            with self._lock:
                self._in_flight -= 1
            if budget is not None:
                budget.spend(time.monotonic() - asked - worker.waited_to_start)
        if worker.guard_problem and self.guard_problem is None:
            with self._lock:
                first, self.guard_problem = self.guard_problem is None, self.guard_problem or worker.guard_problem
            if first:
                _warn_unguarded(worker.guard_problem)
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
        return reply

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


def _warn_unguarded(problem: str) -> None:
    print(f"csto-kg: warning: query workers can open network connections, the socket guard is not installed: "
          f"{problem}. SERVICE calls are held back only by the query check (CSTO_KG_SERVICE_ALLOW)",
          file=sys.stderr, flush=True)


#: Functions whose value changes from one evaluation to the next: a query using one is always run.
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\b", re.IGNORECASE)


class AnswerCache:
    """Answers of the store's current build, kept for the same query asked again, at most
    ``max_bytes`` of them (the least recently asked go first); answers over ``max_bytes`` / 16 are
    not kept. Thread-safe."""

    def __init__(self, store_path: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._link = os.path.join(store_path, "current")
        self._entries: dict[tuple, Answer] = {}  # in the order last asked
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    def key(self, plan: Plan, default_graphs: Sequence[str], named_graphs: Sequence[str], max_rows: int) -> tuple | None:
        """The key of a query's answer on the current build; None for a query that must run every time."""
        if not self.max_bytes or len(plan.query) > CACHE_MAX_CHARS or _VOLATILE.search(plan.query) \
                or inspect(plan.query).services:
            return None
        try:
            build = os.readlink(self._link)
        except OSError:
            return None
        return build, plan, tuple(default_graphs), tuple(named_graphs), max_rows

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            found = self._entries.pop(key, None)
            if found is not None:
                self._entries[key] = found  # the most recently asked
                self.hits += 1
            return found

    def put(self, key: tuple, answer: Answer) -> None:
        size = len(answer.body) + len(key[1].query)
        if size > self.max_bytes // 16:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                old_key = next(iter(self._entries))
                old = self._entries.pop(old_key)
                self._bytes -= len(old.body) + len(old_key[1].query)


class WorkerPool:
    """``size`` worker processes answering queries on the embedded store at ``store_path``.

    They cannot open Internet sockets. A query that calls SERVICE goes instead to one of
    ``federating_size`` workers that can, started on the first such query."""

    def __init__(self, store_path: str, size: int, time_limit_ms: int, federating_size: int = 1,
                 cache_bytes: int = 0) -> None:
        self.store_path = str(store_path)
        self.cache = AnswerCache(self.store_path, cache_bytes)
        self.size = size
        self.time_limit_ms = time_limit_ms
        self.federating_size = federating_size
        self._regular = _Workers(self.store_path, size, time_limit_ms, network=False, name="query workers")
        self._federating: _Workers | None = None
        self._lock = threading.Lock()
        predicted = network_guard.unavailable_reason()  # known before any worker answers: warned at once
        if predicted:
            self._regular.guard_problem = predicted
            _warn_unguarded(predicted)
        atexit.register(self.close)

    def _groups(self) -> list[_Workers]:
        return [self._regular] + ([self._federating] if self._federating else [])

    @property
    def replaced(self) -> int:
        """Workers killed for overrunning the time limit (for tests and /healthz)."""
        return sum(group.replaced for group in self._groups())

    @property
    def crashed(self) -> int:
        """Workers that died under a query and were retired (for tests and /healthz)."""
        return sum(group.crashed for group in self._groups())

    @property
    def network_guard(self) -> bool:
        """Whether the workers that run queries without SERVICE cannot open Internet sockets."""
        return self._regular.guard_problem is None

    @property
    def federating(self) -> int:
        """How many federating workers run (0 until the first query with SERVICE)."""
        return self._federating.size if self._federating else 0

    def pids(self) -> list[int]:
        """The process ids of every worker, regular and federating."""
        return [pid for group in self._groups() for pid in group.pids()]

    def _workers_for(self, plan: Plan) -> _Workers:
        if not inspect(plan.query).services:
            return self._regular
        if self._federating is None:
            with self._lock:
                if self._federating is None:
                    self._federating = _Workers(self.store_path, self.federating_size, self.time_limit_ms,
                                                network=True, name="federating query workers (for SERVICE)")
        return self._federating

    def run(self, plan: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
        """The answer of a worker, within the time limit (or the answer one gave to the same query on this build)."""
        key = self.cache.key(plan, default_graphs, named_graphs, max_rows)
        if key is not None:
            found = self.cache.get(key)
            if found is not None:
                return found
        reply = self._workers_for(plan).run(
            (self.store_path, plan, tuple(default_graphs), tuple(named_graphs), max_rows))
        if reply[0] == "ok":
            if key is not None:
                self.cache.put(key, reply[1])
            return reply[1]
        raise QueryFailed(reply[2], reply[1])

    def query(self, query: str, budget: TimeBudget | None = None):
        """The answer to a SELECT or ASK query the server wrote itself (a page's), as a store's ``query``
        gives it -- ``pyoxigraph.QuerySolutions`` or ``QueryBoolean`` -- run in a worker within the time
        limit and, when a ``budget`` is given, within what is left of it.

        No checks, no row cap, and always a worker that cannot open Internet sockets: these queries
        are the server's own and call no SERVICE. The worker writes TSV, which reads back exactly and
        costs the least to write and parse."""
        reply = self._regular.run((self.store_path, _server_plan(query), (), (), 0), budget)
        if reply[0] != "ok":
            raise QueryFailed(reply[2], reply[1])
        return ox.parse_query_results(reply[1].body, ox.QueryResultsFormat.TSV)

    def close(self) -> None:
        with self._lock:
            groups = self._groups()
        for group in groups:
            group.close()


def _server_plan(query: str) -> Plan:
    """A query of the server's own, answered in TSV (a SELECT's solutions or an ASK's boolean)."""
    return Plan(query, "select", "tsv", "text/tab-separated-values")


class InlineRunner:
    """Runs queries in the calling thread: for stores that enforce their own time limit (remote ones)."""

    def __init__(self, store) -> None:
        self.store = store

    def run(self, plan: Plan, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            max_rows: int = 0) -> Answer:
        return execute(self.store, plan, default_graphs, named_graphs, max_rows)

    def query(self, query: str, budget: TimeBudget | None = None):
        """:meth:`WorkerPool.query` on a store that stops each query at the time limit itself; once
        ``budget`` has run out, nothing more is sent."""
        if budget is not None and budget.left <= 0:
            raise QueryTimeout("the time limit ran out before the query was sent; the limit is set by "
                               "CSTO_KG_SPARQL_TIME_LIMIT_MS")
        started = time.monotonic()
        try:
            return self.store.query(query)
        finally:
            if budget is not None:
                budget.spend(time.monotonic() - started)

    def close(self) -> None:
        pass


def _serve(guard_problem: str | None) -> None:
    """The worker's loop: say it is ready, then read a request and answer it, until the parent closes stdin."""
    stdin, stdout = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nothing but replies may reach the parent's pipe
    stores: dict[str, EmbeddedStore] = {}
    _write(stdout, (READY, guard_problem))
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
        except Exception:  # noqa: BLE001 - logged here; the client is told only that it failed, the worker stays up
            print(f"csto-kg: query worker {os.getpid()}: a query failed in the store:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            reply = ("error", 500, "the query failed in the store; see the server's log")
        _write(stdout, reply)


def _serve_on_large_stack(network: bool) -> None:
    """:func:`_serve` on a thread whose stack holds deeply nested queries (the main thread's is 8 MiB).

    Unless ``network``, Internet sockets are forbidden first, before the store is opened or any
    query read; the reason it could not be done goes to the parent with the ready message."""
    guard_problem = None
    if not network and not network_guard.install_no_network():
        guard_problem = network_guard.reason() or "unknown reason"
    threading.stack_size(QUERY_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(guard_problem,), name="query")
    thread.start()
    thread.join()


if __name__ == "__main__":
    _serve_on_large_stack(NETWORK_FLAG in sys.argv[1:])
