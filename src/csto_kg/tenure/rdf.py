"""Tenures as RDF, in their own named graph (``.../graph/tenures``), told apart from what curators wrote."""

from __future__ import annotations

import pyoxigraph as ox

from ..graph.vocab import GRAPH, IGO, ORG, PROV, RDF, RDFS, XSD, entity_iri, iri

TENURES_GRAPH = iri(GRAPH + "tenures")


def tenure_iri(person: str, post: str, acting: bool = False):
    """``.../id/tenure/{person}/{post}``, with ``/acting`` for an acting tenure."""
    return entity_iri("tenure", f"{person}/{post}" + ("/acting" if acting else ""))


def tenure_nquads(tenures, conflicts=()) -> str:
    """The tenures as N-Quads: each an igo:Tenure (and org:Membership) with org:member, igo:post
    (igo:actingPost when acting), its xsd:date bounds, how each bound is known, the evidence
    (igo:evidence) and prov:wasDerivedFrom the evidence's sources; each conflict an
    igo:TenureConflict with its message (rdfs:comment) and where the evidence involved is written
    (igo:evidenceAt, "meetings/x.yaml:12")."""
    g = ox.NamedNode(str(TENURES_GRAPH))
    quads = []

    def add(s, p, o):
        quads.append(ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), o, g))

    for t in tenures:
        s = tenure_iri(t.person, t.post, t.acting)
        add(s, RDF.type, ox.NamedNode(str(IGO.Tenure)))
        add(s, ORG.member, ox.NamedNode(str(entity_iri("person", t.person))))
        add(s, IGO.actingPost if t.acting else IGO.post, ox.NamedNode(str(entity_iri("post", t.post))))
        label = f"{t.person} as {'acting ' if t.acting else ''}{t.post}"
        add(s, RDFS.label, ox.Literal(label, language="en"))
        for prop, value in ((IGO.earliestStart, t.earliest_start), (IGO.latestStart, t.latest_start),
                            (IGO.earliestEnd, t.earliest_end), (IGO.latestEnd, t.latest_end)):
            if value is not None:
                add(s, prop, ox.Literal(value, datatype=ox.NamedNode(str(XSD.date))))
        if t.start_basis:
            add(s, IGO.startBasis, ox.Literal(t.start_basis))
        if t.end_basis:
            add(s, IGO.endBasis, ox.Literal(t.end_basis))
        for e in t.evidence:
            if e.node:
                add(s, IGO.evidence, ox.NamedNode(e.node))
        for source in t.sources:
            add(s, PROV.wasDerivedFrom, ox.NamedNode(str(entity_iri("source", source))))
    for n, c in enumerate(conflicts, 1):
        s = entity_iri("tenure-conflict", str(n))
        add(s, RDF.type, ox.NamedNode(str(IGO.TenureConflict)))
        add(s, RDFS.comment, ox.Literal(c.message, language="en"))
        for place in c.places:
            add(s, IGO.evidenceAt, ox.Literal(place))
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
