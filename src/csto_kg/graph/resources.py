"""Where the ontology and shapes are: inside the installed package, or the source checkout."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # csto_kg/


@lru_cache(maxsize=None)
def resource_dir(name: str) -> Path:
    """``ontology`` or ``shapes``: packaged copy first (a wheel), then the checkout (editable)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder of csto-kg; reinstall the package")


def ontology_files() -> list[Path]:
    return sorted(resource_dir("ontology").glob("*.ttl"))


def shapes_files() -> list[Path]:
    return sorted(resource_dir("shapes").glob("*.ttl"))


def read_turtle(paths: list[Path]):
    """Turtle files as one rdflib graph, parsed by Oxigraph (rdflib's own parser is far slower)."""
    import pyoxigraph as ox
    from rdflib import Graph

    graph = Graph()
    for path in paths:
        graph.addN((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object), graph)
                   for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return graph


def rdflib_term(node):
    """The rdflib term for a pyoxigraph term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    return Literal(node.value, datatype=URIRef(node.datatype.value))
