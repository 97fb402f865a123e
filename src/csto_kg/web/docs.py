"""Documentation read from the ontology and the shapes themselves, never written twice."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..graph.vocab import IGO, ONTOLOGY_IRI, PREFIXES, SH

KINDS = (
    ("Classes", OWL.Class),
    ("Object properties", OWL.ObjectProperty),
    ("Datatype properties", OWL.DatatypeProperty),
    ("Annotation properties", OWL.AnnotationProperty),
)
EXTRA_PREFIXES = {"vann": "http://purl.org/vocab/vann/"}


def _text(graph: Graph, subject, *predicates) -> str:
    for predicate in predicates:
        values = list(graph.objects(subject, predicate))
        english = [v for v in values if getattr(v, "language", None) in ("en", None)]
        if english or values:
            return " ".join(str(english[0] if english else values[0]).split())
    return ""


def _namespace(iri: str) -> tuple[str, str]:
    for prefix, namespace in {**PREFIXES, **EXTRA_PREFIXES}.items():
        if iri.startswith(namespace):
            return prefix, namespace
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut], iri[:cut]


def _local(iri: str) -> str:
    return iri.split("#", 1)[1] if "#" in iri else iri.rsplit("/", 1)[-1]


def ontology_doc(graph: Graph) -> dict:
    """The ontology's header, its own terms by kind, the roles scheme and the reused vocabularies."""
    onto = URIRef(ONTOLOGY_IRI)
    header = {
        "iri": ONTOLOGY_IRI,
        "title": _text(graph, onto, DCTERMS.title, RDFS.label),
        "description": _text(graph, onto, DCTERMS.description, RDFS.comment),
        "version": _text(graph, onto, OWL.versionInfo),
        "license": str(next(graph.objects(onto, DCTERMS.license), "")),
    }
    sections = []
    reused: dict[str, dict] = {}
    for title, cls in KINDS:
        terms = []
        for term in sorted(set(graph.subjects(RDF.type, cls))):
            if not isinstance(term, URIRef):
                continue
            iri = str(term)
            entry = {
                "iri": iri,
                "anchor": _local(iri),
                "label": _text(graph, term, RDFS.label, SKOS.prefLabel) or _local(iri),
                "comment": _text(graph, term, RDFS.comment, SKOS.definition),
                "domain": sorted(str(o) for o in graph.objects(term, RDFS.domain) if isinstance(o, URIRef)),
                "range": sorted(str(o) for o in graph.objects(term, RDFS.range) if isinstance(o, URIRef)),
                "parents": sorted(str(o) for o in graph.objects(term, RDFS.subClassOf) if isinstance(o, URIRef))
                + sorted(str(o) for o in graph.objects(term, RDFS.subPropertyOf) if isinstance(o, URIRef)),
                "kind": title,
            }
            if iri.startswith(str(IGO)):
                terms.append(entry)
            else:
                prefix, namespace = _namespace(iri)
                reused.setdefault(namespace, {"prefix": prefix, "namespace": namespace, "terms": []})["terms"].append(entry)
        sections.append({"title": title, "terms": terms})
    concepts = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept))):
        concepts.append({"iri": str(concept), "label": _text(graph, concept, SKOS.prefLabel, RDFS.label),
                         "definition": _text(graph, concept, SKOS.definition, RDFS.comment),
                         "scheme": str(next(graph.objects(concept, SKOS.inScheme), ""))})
    return {"header": header, "sections": sections, "concepts": concepts,
            "reused": sorted(reused.values(), key=lambda r: r["prefix"])}


def _path_text(graph: Graph, path) -> str:
    if isinstance(path, URIRef):
        return str(path)
    inverse = next(graph.objects(path, SH.inversePath), None)
    if inverse is not None:
        return "^" + str(inverse)
    items = list(graph.items(path)) if (path, RDF.first, None) in graph else []
    return "/".join(str(i) for i in items) if items else "(complex path)"


def shapes_doc(graph: Graph, ontology: Graph) -> list[dict]:
    """Every node shape: what it applies to and, per property, what a record must say."""
    shapes = []
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = sorted(str(t) for t in graph.objects(shape, SH.targetClass))
        rules = []
        for prop in list(graph.objects(shape, SH.property)):
            path = next(graph.objects(prop, SH.path), None)
            words = []
            low = next(graph.objects(prop, SH.minCount), None) or next(graph.objects(prop, SH.qualifiedMinCount), None)
            high = next(graph.objects(prop, SH.maxCount), None)
            if low is not None and int(low) > 0:
                words.append(f"at least {int(low)}")
            if high is not None:
                words.append(f"at most {int(high)}")
            for predicate, phrase in ((SH["class"], "an instance of"), (SH.datatype, "typed"), (SH.nodeKind, "a"),
                                      (SH["in"], "one of"), (SH.pattern, "matching")):
                value = next(graph.objects(prop, predicate), None)
                if value is None:
                    continue
                if predicate == SH["in"]:
                    value = ", ".join(str(v) for v in graph.items(value))
                words.append(f"{phrase} {value}")
            rules.append({
                "name": _text(graph, prop, SH.name),
                "path": _path_text(graph, path) if path is not None else "",
                "constraints": "; ".join(words),
                "message": _text(graph, prop, SH.message),
                "expected": _text(graph, prop, SH.description),
            })
        rules.sort(key=lambda r: (r["name"], r["path"]))
        shapes.append({
            "iri": str(shape),
            "anchor": _local(str(shape)),
            "label": _text(graph, shape, RDFS.label, SH.name) or _local(str(shape)),
            "comment": _text(graph, shape, RDFS.comment, SH.description, SH.message),
            "targets": targets,
            "rules": rules,
        })
    return shapes
