"""Read replicas: load a ``csto-kg export`` into a store, replacing what it served atomically.

A replica is an embedded store built from an export instead of from records. It is served as
it is: ``serve`` does not rebuild an imported store from a records folder (a replica usually
has none); the next ``import`` or ``build`` replaces it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..graph.formats import DATASET_FORMATS, by_name, by_suffix, names
from ..problems import UsageError


def format_of(path: Path) -> str:
    """The name of the dataset format of ``path``, from its extension (``.trig``, ``.nq``, ``.jsonld``, …)."""
    fmt = by_suffix(path.suffix.lower().lstrip("."), DATASET_FORMATS)
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path} from its extension; give --format "
                         f"({', '.join(names(DATASET_FORMATS))})")
    return fmt.name


def import_export(path: Path, store, fmt: str | None = None):
    """Replace ``store``'s content with the dataset in ``path`` (a ``csto-kg export``); returns the build.

    ``fmt`` names a format of :data:`~csto_kg.graph.formats.DATASET_FORMATS`; by default the extension says."""
    fmt = fmt or format_of(path)
    data = path.read_bytes()
    try:
        quads = list(ox.parse(data, format=by_name(fmt).oxigraph))
    except SyntaxError as err:
        raise UsageError(f"{path} is not a valid {fmt} file: {err}") from None
    if not quads:
        raise UsageError(f"{path} holds no quads; expected the output of `csto-kg export`")
    if any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        raise UsageError(f"{path} has triples outside any named graph; expected the output of `csto-kg export`, "
                         "where every record is its own named graph")
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    manifest = {"imported_from": path.name, "import_sha256": hashlib.sha256(data).hexdigest(),
                "csto_kg_version": __version__}
    return store.replace(nquads, manifest)
