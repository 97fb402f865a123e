"""Namespaces and the identifiers of csto-kg (see the README's "Identifiers")."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

BASE = "https://w3id.org/csto-kg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
WIKIDATA_GRAPH = URIRef(GRAPH + "wikidata")

IGO = Namespace(ONTOLOGY_IRI + "#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "igo": str(IGO),
    "org": str(ORG),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "wd": str(WD),
    "sh": str(SH),
}

__all__ = ["DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "TIME", "XSD", "IGO", "ORG",
           "SCHEMA", "SH", "WD", "PREFIXES", "entity_iri", "graph_iri", "role_iri"]


def entity_iri(kind: str, slug: str) -> URIRef:
    """``https://w3id.org/csto-kg/id/{kind}/{slug}``."""
    return URIRef(f"{ID}{kind}/{slug}")


def role_iri(slug: str) -> URIRef:
    return entity_iri("role", slug)


def graph_iri(record_name: str) -> URIRef:
    """The named graph of a record file, from its path without extension."""
    return URIRef(GRAPH + record_name)
