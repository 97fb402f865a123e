"""Where the graph lives: the embedded Oxigraph store, a remote SPARQL 1.1 store, replicas.

Every store implements :class:`Store` (``protocol.py``); :func:`~csto_kg.store.opening.open_store`
picks one from a location. Importing this package loads neither backend: a query worker, which
only ever opens the embedded store, does not load the remote one (nor rdflib with it).

Imports csto_kg.graph and below.
"""

from __future__ import annotations

from .protocol import Store

__all__ = ["Store"]
