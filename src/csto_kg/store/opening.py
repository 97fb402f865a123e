"""Opening the store at a location: the one place that picks a backend."""

from __future__ import annotations

from pathlib import Path

from .embedded import EmbeddedStore
from .protocol import Store


def open_store(location: str | Path, *, time_limit_ms: int | None = None) -> Store:
    """The store at ``location``: a remote SPARQL store for an ``http(s)://`` URL, else an embedded one.

    ``time_limit_ms`` is the limit a store that enforces one holds queries to (None: the
    ``CSTO_KG_SPARQL_TIME_LIMIT_MS`` setting); an embedded store leaves that to query workers.
    """
    text = str(location)
    if is_remote(text):
        from .remote import RemoteStore  # noqa: PLC0415 - a command on the embedded store does not need it

        return RemoteStore(text, time_limit_ms=time_limit_ms)
    return EmbeddedStore(Path(location))


def is_remote(location: str | Path) -> bool:
    """True when ``location`` names a remote SPARQL store (an ``http(s)://`` URL), not a folder."""
    return str(location).startswith(("http://", "https://"))
