"""Triples as compacted JSON-LD: the vocabulary's prefixes as the context, one node per subject.

Oxigraph writes JSON-LD expanded (every IRI in full); rdflib compacts it but takes seconds for a
description of thousands of triples. This writes the compacted form directly from
``pyoxigraph`` triples: ``{"@context": {prefix: namespace}, "@graph": [nodes]}`` (a single node
merged into the top object), each node its ``@id`` and its properties keyed by compact IRIs
(``igo:inMeeting``), ``rdf:type`` as ``@type``; IRIs as ``{"@id": ...}``, plain and
``xsd:string`` literals as strings, canonical ``xsd:integer`` and ``xsd:boolean`` as JSON
numbers and booleans, tagged literals as ``{"@language", "@value"}`` and other typed ones as
``{"@type", "@value"}``. Nodes come in the order of their subjects, values in the order of
their triples; read back by any JSON-LD processor it is the same graph.
"""

from __future__ import annotations

import json
import re
from typing import Iterable

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: An IRI's local name, as a prefix may shorten it (``igo:`` + ``inMeeting``): what follows its namespace.
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
#: The lexical forms a JSON number reads back as, unchanged (at most 18 digits: a JSON-LD
#: processor turns numbers of 10^21 or more into doubles).
_INTEGER = re.compile(r"(0|-?[1-9][0-9]{0,17})\Z")


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        self.by_namespace = {namespace: prefix for prefix, namespace in prefixes.items()}
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        """``prefix:local`` when ``iri`` is a namespace of the context followed by a local name, else ``iri``."""
        found = self.cache.get(iri)
        if found is None:
            found = iri
            local = _LOCAL.search(iri)  # the longest: the leftmost start from which the rest is a name
            if local is not None:
                prefix = self.by_namespace.get(iri[:local.start()])
                if prefix is not None:
                    found = f"{prefix}:{local.group()}"
            self.cache[iri] = found
        return found


def _node_id(term, compact: _Compactor) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else "_:" + term.value


def _value(term, compact: _Compactor):
    if isinstance(term, ox.NamedNode):
        return {"@id": compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": "_:" + term.value}
    if term.language:
        return {"@language": term.language, "@value": term.value}
    datatype = term.datatype.value
    if datatype == XSD + "string":
        return term.value
    if datatype == XSD + "integer" and _INTEGER.match(term.value):
        return int(term.value)
    if datatype == XSD + "boolean" and term.value in ("true", "false"):
        return term.value == "true"
    return {"@type": compact(datatype), "@value": term.value}


def serialize(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """``triples`` as compacted JSON-LD with ``prefixes`` as the context (UTF-8, indented, keys sorted)."""
    compact = _Compactor(prefixes)
    nodes: dict = {}
    for t in triples:
        node = nodes.get(t.subject)
        if node is None:
            node = nodes[t.subject] = {"@id": _node_id(t.subject, compact)}
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            key, value = "@type", compact(t.object.value)
        else:
            key, value = compact(t.predicate.value), _value(t.object, compact)
        found = node.get(key)
        if found is None:
            node[key] = value
        elif isinstance(found, list):
            found.append(value)
        else:
            node[key] = [found, value]
    document: dict = {"@context": dict(prefixes)}
    if len(nodes) == 1:
        document.update(next(iter(nodes.values())))
    else:
        document["@graph"] = list(nodes.values())
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
