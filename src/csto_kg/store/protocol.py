"""What every store offers, whatever holds the graph: :class:`Store`.

The embedded store (:class:`~csto_kg.store.embedded.EmbeddedStore`, which a read replica is too)
and the remote SPARQL store (:class:`~csto_kg.store.remote.RemoteStore`) both implement it;
callers ask a store what it can do through these attributes, never by its class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Protocol

import pyoxigraph as ox


class Store(Protocol):
    """A store of record graphs that serves one published build at a time."""

    @property
    def location(self) -> str:
        """Where the store is, for messages and for query workers: a folder, or an http(s) URL
        (which never carries credentials)."""
        ...

    @property
    def enforces_time_limit(self) -> bool:
        """True when the store itself stops a query past the time limit (a remote store abandons the
        request); False when it cannot, and client queries must run where they can be stopped
        (:class:`~csto_kg.query.workers.WorkerPool`, which opens the store at :attr:`location`)."""
        ...

    @property
    def incremental(self) -> bool:
        """True when the store keeps what it knows of each record of a build (:meth:`records`, the
        entity files' digests in the manifest) and :meth:`update` publishes a change to some graphs
        without reloading the rest: what an incremental build, and checking records against the
        store's entities (:func:`~csto_kg.check.context.context_from_store`), need."""
        ...

    # -- reading

    def exists(self) -> bool:
        """Whether a build is being served."""
        ...

    def manifest(self) -> dict | None:
        """The manifest of the build being served (``id``, ``quads``, inputs, ...); None without one."""
        ...

    def build_id(self) -> str | None:
        """The id of the build being served, None without one; it changes whenever the build does."""
        ...

    def records(self) -> dict | None:
        """Per record of the build being served: digest, references, warnings; None when not kept."""
        ...

    def evidence(self) -> Path | None:
        """The file of the records' tenure evidence kept with the build being served (one JSON line per
        record: its name and its claim rows); None when not kept."""
        ...

    def statements(self) -> Path | None:
        """The file of the records' parts for the pages and reconciliation kept with the build being
        served (one JSON line per record: its name and its part's text); None when not kept."""
        ...

    def live_graphs(self) -> list[str]:
        """The named graphs of the build being served; raises StoreMissing without one."""
        ...

    def query(self, query: str, *, use_default_graph_as_union: bool = True, default_graph: Any = None,
              named_graphs: Any = None, base_iri: str | None = None) -> Any:
        """Run ``query`` as :meth:`pyoxigraph.Store.query` does: SELECT and ASK answer
        ``pyoxigraph.QuerySolutions``/``QueryBoolean``, CONSTRUCT and DESCRIBE triples. The default
        graph is the union of the build's graphs unless ``default_graph``/``named_graphs`` say otherwise."""
        ...

    def reader(self) -> ox.Store:
        """The build being served as a pyoxigraph store (for ``export``)."""
        ...

    # -- writing

    def replace(self, nquads: bytes | str | list[Path], manifest: dict,
                beside: Callable[[Path], None] | None = None) -> Path | str:
        """Publish a build holding exactly ``nquads`` (N-Quads data, or files of it) and ``manifest``;
        returns where it is (a folder, or the store's URL). A store that keeps its builds in folders
        gives ``beside`` the new build's folder before the build is served, to write the files that
        go beside it (the pages' summaries, the reconciliation index); one that does not ignores it."""
        ...

    def update(self, remove_graphs: list[str], nquads: list[Path], manifest: dict,
               beside: Callable[[Path], None] | None = None) -> Path | str:
        """Publish the build being served without ``remove_graphs`` and with ``nquads`` added
        (only when :attr:`incremental`; ``beside`` as for :meth:`replace`)."""
        ...
