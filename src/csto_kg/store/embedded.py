"""The store behind the endpoint: an embedded Oxigraph store that is replaced atomically.

Layout of the store folder (``CSTO_KG_STORE``)::

    current -> builds/<id>        symlink to the store being served
    builds/<id>/                  an Oxigraph (RocksDB) store, never written after it is published
    builds/<id>.json              its manifest: when it was built, from which inputs, how many quads
    builds/<id>.records.json      per record: content digest, references, warnings (for incremental builds)
    builds/<id>.evidence.jsonl    per record: its tenure evidence, one JSON line each (for incremental builds)
    builds/<id>.statements.jsonl  per record: its part for the pages and reconciliation (store/statements.py), likewise
    builds/<id>.partial/          a build in progress (removed if the build fails)
    lock                          held while a build runs

A build writes a complete new store beside the old one and then swaps ``current``
with one atomic ``rename``: readers see the old store or the new one, never a mix,
and a failed or killed build leaves ``current`` untouched. Readers notice the swap
and reopen.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from ..graph.sparql_terms import iri as sparql_iri
from ..problems import BuildInProgress, StoreMissing


class EmbeddedStore:
    """A folder of published Oxigraph builds, one of which is current (a :class:`~csto_kg.store.Store`)."""

    keep = 2  # published builds kept: the current one and the one before it
    enforces_time_limit = False  # pyoxigraph cannot stop a query: client queries run in query workers
    incremental = True  # per-record digests kept beside each build; update() publishes a checkpointed copy

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._open: tuple[str, ox.Store, str] | None = None  # folder, store, the ``current`` link's target
        self._link = str(self.path / "current")
        self._graphs: tuple[str, list[str]] | None = None

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    @property
    def location(self) -> str:
        return str(self.path)

    # -- reading

    @property
    def builds(self) -> Path:
        return self.path / "builds"

    def current_dir(self) -> Path | None:
        try:
            target = os.readlink(self.path / "current")
        except OSError:
            return None
        return self.path / target

    def manifest(self) -> dict | None:
        current = self.current_dir()
        if current is None:
            return None
        try:
            return json.loads(current.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def exists(self) -> bool:
        current = self.current_dir()
        return current is not None and current.is_dir()

    def build_id(self) -> str | None:
        """The current build's id (the name of its folder, and the ``id`` of its manifest)."""
        current = self.current_dir()
        return None if current is None else current.name

    def reader(self) -> ox.Store:
        """The current store, opened read-only; reopened when a build has replaced it.

        Asked on every query: while ``current`` still points where it did, one ``readlink`` is all it costs."""
        opened = self._open
        if opened is not None:
            try:
                if os.readlink(self._link) == opened[2]:
                    return opened[1]
            except OSError:
                pass
        current = self.current_dir()
        if current is None or not current.is_dir():
            raise StoreMissing(self.path)
        key = str(current)
        with self._lock:
            if self._open is None or self._open[0] != key:
                self._open = (key, ox.Store.read_only(key), os.path.relpath(key, self.path))
            return self._open[1]

    def open_in_background(self) -> threading.Thread:
        """Start opening the current build in a thread, so that the first query finds it open.

        Opening RocksDB takes tens of milliseconds, during which pyoxigraph lets other Python
        threads run: a short command (``csto-kg validate``) imports what it needs meanwhile. A
        store that is missing or cannot be opened is left for :meth:`reader` to report."""
        def open_quietly() -> None:
            with contextlib.suppress(Exception):
                self.reader()

        thread = threading.Thread(target=open_quietly, name="csto-kg-open-store")
        thread.start()
        return thread

    def query(self, query: str, **options):
        """Run ``query``; the default graph is the union of all graphs unless ``options`` say otherwise."""
        options.setdefault("use_default_graph_as_union", "default_graph" not in options)
        return self.reader().query(query, **options)

    def live_graphs(self) -> list[str]:
        """The named graphs of the current build, listed once per build."""
        build = str(self.current_dir())  # before reading: a swap meanwhile only makes the next call list again
        cached = self._graphs
        if cached is None or cached[0] != build:
            graphs = sorted(g.value for g in self.reader().named_graphs() if isinstance(g, ox.NamedNode))
            cached = self._graphs = (build, graphs)
        return cached[1]

    # -- writing

    @contextlib.contextmanager
    def _build_lock(self) -> Iterator[None]:
        self.builds.mkdir(parents=True, exist_ok=True)
        with open(self.path / "lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildInProgress(self.path) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def replace(self, nquads: bytes | str | list[Path], manifest: dict,
                beside: Callable[[Path], None] | None = None) -> Path:
        """Publish a new store holding exactly ``nquads`` (data, or N-Quads files); the old one stays until the swap.
        ``beside`` is given the new build's folder, before it is served, to write the files that go beside it."""
        return self._publish(None, [], nquads, manifest, beside)

    def update(self, remove_graphs: list[str], nquads: list[Path], manifest: dict,
               beside: Callable[[Path], None] | None = None) -> Path:
        """Publish a copy of the current store without ``remove_graphs`` and with ``nquads`` added
        (``beside``: as for :meth:`replace`).

        The copy is a RocksDB checkpoint (hard links), so its cost follows the change, not the store.
        """
        current = self.current_dir()
        if current is None:
            raise StoreMissing(self.path)
        return self._publish(current, remove_graphs, nquads, manifest, beside)

    @contextlib.contextmanager
    def loading(self) -> Iterator["Loading"]:
        """A new store to fill while the build is still checking records (a full build): each N-Quads
        file given to :meth:`Loading.add` is bulk-loaded in a thread of this process as soon as it is
        written, and :meth:`Loading.publish` swaps the store in once every file is in. Leaving the
        block without publishing (an error, invalid records) removes the new store: ``current`` and
        the store it points to are never touched. The build lock is held for the whole block."""
        with self._build_lock():
            build_id, partial = self._new_partial()
            loading = Loading(self, build_id, partial)
            try:
                yield loading
            finally:
                loading.stop()
                if not loading.published:
                    shutil.rmtree(partial, ignore_errors=True)
                    _remove_beside(self.builds / build_id)
        if loading.published:
            self._collect_garbage()

    def _new_partial(self) -> tuple[str, Path]:
        for stale in self.builds.glob("*.partial"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        now = time.time_ns()
        build_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + f"{now % 10**9:09d}-{os.getpid()}"
        return build_id, self.builds / f"{build_id}.partial"

    def _publish(self, base: Path | None, remove_graphs: list[str], nquads: bytes | str | list[Path],
                 manifest: dict, beside: Callable[[Path], None] | None) -> Path:
        with self._build_lock():
            build_id, partial = self._new_partial()
            store = None
            try:
                if base is not None:
                    ox.Store.read_only(str(base)).backup(str(partial))
                store = ox.Store(str(partial))
                count = (self.manifest() or {}).get("quads") if base is not None else None
                for graph in remove_graphs:
                    if count is not None:
                        count -= _graph_size(store, graph)
                    store.remove_graph(ox.NamedNode(graph))
                if isinstance(nquads, list) and base is not None:
                    for path in nquads:  # a few changed graphs: transactional loads into the copy
                        if path.stat().st_size:
                            store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
                elif isinstance(nquads, list):
                    # Files the build wrote from checked records: IRIs are made of checked slugs and
                    # literals are escaped, so Oxigraph's lenient parser (about 25% faster) is safe.
                    for path in nquads:  # by path: Oxigraph streams the file (a Python stream is read whole)
                        if path.stat().st_size:
                            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
                else:
                    store.bulk_load(nquads.encode("utf-8") if isinstance(nquads, str) else nquads,
                                    format=ox.RdfFormat.N_QUADS)
                store.flush()
                if count is None or not isinstance(nquads, list):
                    count = len(store)
                else:
                    count += sum(_graph_size(store, g) for g in _graphs_in(nquads))
                store = None  # closes the database
                if beside is not None:
                    beside(self.builds / build_id)
                final = self._seal(build_id, partial, count, manifest)
            except BaseException:
                store = None  # closed before its folder is removed: an open database may write into it again
                shutil.rmtree(partial, ignore_errors=True)
                _remove_beside(self.builds / build_id)
                raise
            self._collect_garbage()
            return final

    def _seal(self, build_id: str, partial: Path, count: int, manifest: dict, records_text: str | None = None) -> Path:
        """Publish the closed store ``partial``: its final name, its manifest, then ``current``
        (``records_text``: the manifest's records as JSON, when written already)."""
        final = self.builds / build_id
        os.rename(partial, final)
        manifest = {**manifest, "id": build_id, "quads": count}
        records = manifest.pop("records", None)
        evidence = manifest.pop("evidence_file", None)
        if evidence is not None:  # the records' tenure evidence, written by the build as one file
            shutil.move(evidence, _evidence_file(final))
        parts = manifest.pop("statements_file", None)
        if parts is not None:  # the records' parts (store/statements.py), likewise
            shutil.move(parts, _statements_file(final))
        if records is not None:  # the bulky per-record part lives beside, read only by builds
            manifest["record_count"] = len(records)
            manifest["entities"] = {n: r["digest"] for n, r in records.items() if n.startswith("entities/")}
            _records_file(final).write_text(records_text if records_text is not None else records_json(records),
                                            encoding="utf-8")
        final.with_suffix(".json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        self._point_current_to(final)
        return final

    def _point_current_to(self, build: Path) -> None:
        link = self.path / f".current-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.symlink(build.relative_to(self.path), link)
        os.replace(link, self.path / "current")  # atomic on POSIX
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _collect_garbage(self) -> None:
        current = self.current_dir()
        published = sorted(p for p in self.builds.iterdir() if p.is_dir() and p.suffix != ".partial")
        keep = set(published[-self.keep:]) | ({current} if current else set())
        for build in published:
            if build not in keep:
                shutil.rmtree(build, ignore_errors=True)
                _remove_beside(build)

    def records(self) -> dict | None:
        """What the current build knows of each record (digest, references, warnings)."""
        current = self.current_dir()
        if current is None:
            return None
        try:
            return json.loads(_records_file(current).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def evidence(self) -> Path | None:
        """The current build's file of tenure evidence (one JSON line per record: its name and its
        claim rows), or None when it has none (a build from before the evidence was kept apart)."""
        current = self.current_dir()
        if current is None or not _evidence_file(current).is_file():
            return None
        return _evidence_file(current)

    def statements(self) -> Path | None:
        """The current build's file of the records' parts (:mod:`~csto_kg.store.statements`; one JSON
        line per record: its name and its part's text), or None when it has none (a build from before
        the parts were kept apart kept them in :meth:`records`)."""
        current = self.current_dir()
        if current is None or not _statements_file(current).is_file():
            return None
        return _statements_file(current)


class Loading:
    """A new store being bulk-loaded by one thread, one file after the other in the order they are
    added (Oxigraph releases the GIL while it loads, so the build's own work goes on meanwhile); see
    :meth:`EmbeddedStore.loading`. One load per file: loading the files written while a load ran
    in one larger load was tried, and saved no CPU time measurably while its memory grew with it."""

    def __init__(self, owner: EmbeddedStore, build_id: str, partial: Path):
        self.owner, self.build_id, self.partial = owner, build_id, partial
        self.published = False
        self._queue: queue.Queue[tuple[Path, bool] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._stopping = False
        self._store: ox.Store | None = None

    def add(self, path: Path, remove: bool = False) -> None:
        """Load the N-Quads file ``path`` (written by the build from checked records: Oxigraph's lenient
        parser is safe on it, as in :meth:`EmbeddedStore.replace`) once the files before it are in.
        ``remove``: delete the file once it is loaded (a build's own file, written only to be loaded:
        at 100,000 meetings they hold some 10 GB). A file the store refused is kept, for the error.

        The store is opened, and the thread started, at the first file: after the build's worker
        processes were forked, so none of them inherits an open database."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="csto-kg-bulk-load", daemon=True)
            self._thread.start()
        self._queue.put((path, remove))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._stopping or self._error is not None:
                continue
            path, remove = item
            try:
                if self._store is None:
                    self._store = ox.Store(str(self.partial))
                if path.stat().st_size:  # by path: Oxigraph streams the file
                    self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
                if remove:
                    path.unlink()
            except BaseException as err:  # noqa: BLE001 - raised again by publish()
                self._error = err

    def _wait(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def stop(self) -> None:
        """Load nothing more and close the new store (it is removed unless it was published)."""
        self._stopping = True
        self._wait()
        self._store = None

    def publish(self, manifest: dict, beside: Callable[[Path], None] | None = None) -> Path:
        """Wait for every file added, then make the new store current (as ``replace`` does, ``beside`` too)."""
        # the records' JSON (tens of MB at scale) and the files beside the build are written while the
        # last files load
        records_text = records_json(manifest["records"]) if manifest.get("records") is not None else None
        if beside is not None:
            beside(self.owner.builds / self.build_id)
        self._wait()
        if self._error is not None:
            raise self._error
        store = self._store if self._store is not None else ox.Store(str(self.partial))
        store.flush()
        count = len(store)
        self._store = None
        del store  # closes the database
        final = self.owner._seal(self.build_id, self.partial, count, manifest, records_text)
        self.published = True
        return final


def _graph_size(store: ox.Store, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)


def _graphs_in(files: list[Path]) -> set[str]:
    """The graph names of N-Quads files (each line ends with its graph IRI)."""
    graphs = set()
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                graphs.add(line[line.rstrip(" .\n").rfind(" <") + 2:].rstrip(" .\n").rstrip(">"))
    return graphs


#: The files beside a build folder ``<id>``, each ``<id><suffix>``: its manifest, its records'
#: information, tenure evidence and parts, then the pages' summaries (store/summaries.py) and the
#: reconciliation index (store/reconciliation.py).
BESIDE_SUFFIXES = (".json", ".records.json", ".evidence.jsonl", ".statements.jsonl", ".summaries.json",
                   ".reconcile.json")


def _remove_beside(build: Path) -> None:
    """Remove the files beside the build folder ``build`` (that of a build let go, or never published)."""
    for suffix in BESIDE_SUFFIXES:
        build.with_name(build.name + suffix).unlink(missing_ok=True)


def records_json(records: dict) -> str:
    """The per-record part of a manifest as the file beside the build holds it."""
    return json.dumps(records, sort_keys=True)


def _records_file(build: Path) -> Path:
    return build.with_name(build.name + ".records.json")


def _evidence_file(build: Path) -> Path:
    return build.with_name(build.name + ".evidence.jsonl")


def _statements_file(build: Path) -> Path:
    return build.with_name(build.name + ".statements.jsonl")
