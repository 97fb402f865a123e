"""Namespaces and the identifiers of csto-kg (see the README's "Identifiers") as rdflib terms.

The namespaces are written once, in :mod:`csto_kg.graph.names` (the same identifiers as light
terms, without rdflib: what the records' graphs are made of); the terms here are rdflib's
``URIRef``, for the code that works with rdflib graphs.
"""

from __future__ import annotations

from rdflib import URIRef

from . import names
from .names import BASE, GRAPH, ID, ONTOLOGY_IRI, PREFIXES


def iri(value: str) -> URIRef:
    """A URIRef for an IRI we built ourselves from checked parts (skips rdflib's re-validation)."""
    return str.__new__(URIRef, value)


class Terms(names.Terms):
    """A namespace whose terms are made once and then looked up (rdflib's are made on every access).

    Not a ``str``: a term named like a string method (``dcterms:title``, ``dcterms:format``)
    must be the term, not the method. ``str(ns)`` is the namespace IRI.
    """

    _make = staticmethod(iri)


def Namespace(base: str) -> Terms:  # noqa: N802 - reads like rdflib's
    return Terms(base)


DCTERMS = Terms(names.DCTERMS_NS)
FOAF = Terms(names.FOAF_NS)
OWL = Terms(names.OWL_NS)
PROV = Terms(names.PROV_NS)
RDF = Terms(names.RDF_NS)
RDFS = Terms(names.RDFS_NS)
SKOS = Terms(names.SKOS_NS)
TIME = Terms(names.TIME_NS)
XSD = Terms(names.XSD_NS)

ONTOLOGY_GRAPH = iri(names.ONTOLOGY_GRAPH)
WIKIDATA_GRAPH = iri(names.WIKIDATA_GRAPH)

IGO = Namespace(names.IGO_NS)
ORG = Namespace(names.ORG_NS)
SCHEMA = Namespace(names.SCHEMA_NS)
SH = Namespace(names.SH_NS)
WD = Namespace(names.WD_NS)
#: The datatype of an EDTF date (ISO 8601-2, the Library of Congress profile): a date that is not exact.
EDTF = iri(names.EDTF_IRI)

__all__ = ["iri", "Terms", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "TIME", "XSD", "IGO", "ORG",
           "SCHEMA", "SH", "WD", "EDTF", "PREFIXES", "expand", "entity_iri", "graph_iri", "BASE", "GRAPH", "ID",
           "ONTOLOGY_IRI"]


def expand(name: str) -> URIRef:
    """The IRI of a prefixed name of :data:`PREFIXES`: ``igo:State`` -> ``https://w3id.org/csto-kg/ontology#State``."""
    return iri(names.expand(name))


def entity_iri(kind: str, slug: str) -> URIRef:
    """``https://w3id.org/csto-kg/id/{kind}/{slug}``."""
    return iri(names.entity_iri(kind, slug))


def graph_iri(record_name: str) -> URIRef:
    """The named graph of a record file, from its path without extension (characters an IRI
    may not hold, such as spaces, percent-encoded)."""
    return iri(names.graph_iri(record_name))
