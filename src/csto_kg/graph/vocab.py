"""Namespaces and the identifiers of csto-kg (see the README's "Identifiers")."""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import URIRef
from rdflib import namespace as _ns


def iri(value: str) -> URIRef:
    """A URIRef for an IRI we built ourselves from checked parts (skips rdflib's re-validation)."""
    return str.__new__(URIRef, value)


class Terms:
    """A namespace whose terms are made once and then looked up (rdflib's are made on every access).

    Not a ``str``: a term named like a string method (``dcterms:title``, ``dcterms:format``)
    must be the term, not the method. ``str(ns)`` is the namespace IRI.
    """

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = iri(self._base + name)
        self.__dict__[name] = term
        return term

    def __getitem__(self, name: str) -> URIRef:
        return getattr(self, name)

    def term(self, name: str) -> URIRef:
        return getattr(self, name)

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"Terms({self._base!r})"

    def __add__(self, other: str) -> str:
        return self._base + other

    def __contains__(self, value: object) -> bool:
        return str(value).startswith(self._base)


def Namespace(base: str) -> Terms:  # noqa: N802 - reads like rdflib's
    return Terms(base)


DCTERMS = Terms(str(_ns.DCTERMS))
FOAF = Terms(str(_ns.FOAF))
OWL = Terms(str(_ns.OWL))
PROV = Terms(str(_ns.PROV))
RDF = Terms(str(_ns.RDF))
RDFS = Terms(str(_ns.RDFS))
SKOS = Terms(str(_ns.SKOS))
TIME = Terms(str(_ns.TIME))
XSD = Terms(str(_ns.XSD))

BASE = "https://w3id.org/csto-kg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_GRAPH = iri(GRAPH + "ontology")
WIKIDATA_GRAPH = iri(GRAPH + "wikidata")

IGO = Namespace(ONTOLOGY_IRI + "#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
#: The datatype of an EDTF date (ISO 8601-2, the Library of Congress profile): a date that is not exact.
EDTF = iri("http://id.loc.gov/datatypes/edtf/EDTF")

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

__all__ = ["iri", "Terms", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "TIME", "XSD", "IGO", "ORG",
           "SCHEMA", "SH", "WD", "EDTF", "PREFIXES", "expand", "entity_iri", "graph_iri", "role_iri",
           "document_kind_iri"]


def expand(name: str) -> URIRef:
    """The IRI of a prefixed name of :data:`PREFIXES`: ``igo:State`` -> ``https://w3id.org/csto-kg/ontology#State``."""
    prefix, colon, local = name.partition(":")
    if not colon or prefix not in PREFIXES:
        raise ValueError(f"{name!r} is not a prefixed name of one of {', '.join(PREFIXES)}")
    return iri(PREFIXES[prefix] + local)


def entity_iri(kind: str, slug: str) -> URIRef:
    """``https://w3id.org/csto-kg/id/{kind}/{slug}``."""
    return iri(f"{ID}{kind}/{slug}")


def role_iri(slug: str) -> URIRef:
    return entity_iri("role", slug)


def document_kind_iri(slug: str) -> URIRef:
    return entity_iri("document-kind", slug)


# What an IRI path may hold as it is (RFC 3987 ipath: iunreserved, sub-delims, ':', '@', '/');
# anything else in a file name, '%' included, is percent-encoded, and so are the line and
# paragraph separators, which some readers take for line ends.
_UCSCHAR = [(0xA0, 0x2027), (0x202A, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
            *((plane << 16, (plane << 16) + 0xFFFD) for plane in range(1, 14)), (0xE1000, 0xEFFFD)]
_IRI_PATH_ASCII = "A-Za-z0-9._~!$&'()*+,;=:@/\\-"
_NOT_IN_ASCII_IRI_PATH = re.compile(f"[^{_IRI_PATH_ASCII}]")


@lru_cache(maxsize=1)
def _not_in_iri_path() -> re.Pattern:
    """The characters an IRI path may not hold as they are; compiled when first needed (it takes
    milliseconds, and the usual file name, all ASCII, never needs it)."""
    return re.compile(f"[^{_IRI_PATH_ASCII}" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _UCSCHAR) + "]")


def _percent_encode(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogateescape"))


def graph_iri(record_name: str) -> URIRef:
    """The named graph of a record file, from its path without extension (characters an IRI
    may not hold, such as spaces, percent-encoded)."""
    if _NOT_IN_ASCII_IRI_PATH.search(record_name) is None:
        return iri(GRAPH + record_name)  # nothing to encode: every character is allowed ASCII
    return iri(GRAPH + _not_in_iri_path().sub(_percent_encode, record_name))
