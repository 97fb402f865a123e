"""The namespaces and identifiers of csto-kg (see the README's "Identifiers") as light IRIs
(:class:`~csto_kg.graph.terms.IRI`), without rdflib: what the records' graphs and the compiled
checker are made of. Each namespace is written once, here; :mod:`csto_kg.graph.vocab` makes rdflib
terms of the same strings for the code that works with rdflib graphs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .terms import IRI


def iri(value: str) -> IRI:
    """An IRI we built ourselves from checked parts."""
    return IRI(value)


class Terms:
    """A namespace whose terms are made once and then looked up.

    Not a ``str``: a term named like a string method (``dcterms:title``, ``dcterms:format``)
    must be the term, not the method. ``str(ns)`` is the namespace IRI.
    """

    _make = staticmethod(iri)  # the kind of term it makes

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        term = self._make(self._base + name)
        self.__dict__[name] = term
        return term

    def __getitem__(self, name: str):
        return getattr(self, name)

    def term(self, name: str):
        return getattr(self, name)

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._base!r})"

    def __add__(self, other: str) -> str:
        return self._base + other

    def __contains__(self, value: object) -> bool:
        return str(value).startswith(self._base)


#: The namespaces, by prefix: the one place each is written.
DCTERMS_NS = "http://purl.org/dc/terms/"
FOAF_NS = "http://xmlns.com/foaf/0.1/"
OWL_NS = "http://www.w3.org/2002/07/owl#"
PROV_NS = "http://www.w3.org/ns/prov#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
TIME_NS = "http://www.w3.org/2006/time#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
ORG_NS = "http://www.w3.org/ns/org#"
SCHEMA_NS = "http://schema.org/"
SH_NS = "http://www.w3.org/ns/shacl#"
WD_NS = "http://www.wikidata.org/entity/"

BASE = "https://w3id.org/csto-kg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY_IRI = BASE + "ontology"
IGO_NS = ONTOLOGY_IRI + "#"
#: The datatype of an EDTF date (ISO 8601-2, the Library of Congress profile): a date that is not exact.
EDTF_IRI = "http://id.loc.gov/datatypes/edtf/EDTF"

PREFIXES = {
    "igo": IGO_NS,
    "org": ORG_NS,
    "prov": PROV_NS,
    "schema": SCHEMA_NS,
    "time": TIME_NS,
    "skos": SKOS_NS,
    "foaf": FOAF_NS,
    "dcterms": DCTERMS_NS,
    "rdf": RDF_NS,
    "rdfs": RDFS_NS,
    "owl": OWL_NS,
    "xsd": XSD_NS,
    "wd": WD_NS,
    "sh": SH_NS,
}

DCTERMS = Terms(DCTERMS_NS)
FOAF = Terms(FOAF_NS)
OWL = Terms(OWL_NS)
PROV = Terms(PROV_NS)
RDF = Terms(RDF_NS)
RDFS = Terms(RDFS_NS)
SKOS = Terms(SKOS_NS)
TIME = Terms(TIME_NS)
XSD = Terms(XSD_NS)
IGO = Terms(IGO_NS)
ORG = Terms(ORG_NS)
SCHEMA = Terms(SCHEMA_NS)
SH = Terms(SH_NS)
WD = Terms(WD_NS)
EDTF = iri(EDTF_IRI)
ONTOLOGY_GRAPH = iri(GRAPH + "ontology")
WIKIDATA_GRAPH = iri(GRAPH + "wikidata")


def expand(name: str) -> IRI:
    """The IRI of a prefixed name of :data:`PREFIXES`: ``igo:State`` -> ``https://w3id.org/csto-kg/ontology#State``."""
    prefix, colon, local = name.partition(":")
    if not colon or prefix not in PREFIXES:
        raise ValueError(f"{name!r} is not a prefixed name of one of {', '.join(PREFIXES)}")
    return iri(PREFIXES[prefix] + local)


def entity_iri(kind: str, slug: str) -> IRI:
    """``https://w3id.org/csto-kg/id/{kind}/{slug}``."""
    return iri(f"{ID}{kind}/{slug}")


def role_iri(slug: str) -> IRI:
    return entity_iri("role", slug)


def document_kind_iri(slug: str) -> IRI:
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


def graph_iri(record_name: str) -> IRI:
    """The named graph of a record file, from its path without extension (characters an IRI
    may not hold, such as spaces, percent-encoded)."""
    if _NOT_IN_ASCII_IRI_PATH.search(record_name) is None:
        return iri(GRAPH + record_name)  # nothing to encode: every character is allowed ASCII
    return iri(GRAPH + _not_in_iri_path().sub(_percent_encode, record_name))
