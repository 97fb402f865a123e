"""Tenures as RDF, in their own named graph (``.../graph/tenures``), told apart from what curators wrote."""

from __future__ import annotations

from typing import Iterator

from ..graph.rdfize import nquads_string
from ..graph.vocab import GRAPH, ID, IGO, ORG, PROV, RDF, RDFS, XSD, entity_iri, iri

TENURES_GRAPH = iri(GRAPH + "tenures")


def tenure_iri(person: str, post: str, acting: bool = False, spell: int = 1):
    """``.../id/tenure/{person}/{post}``, with ``/acting`` for an acting tenure and ``/{spell}`` for a
    person's second and later spell in the post."""
    return entity_iri("tenure", f"{person}/{post}" + ("/acting" if acting else "") + (f"/{spell}" if spell > 1 else ""))


def tenure_nquads(tenures, conflicts=()) -> str:
    """The tenures as N-Quads (:func:`tenure_lines`), as one text."""
    return "".join(tenure_lines(tenures, conflicts))


def tenure_lines(tenures, conflicts=()) -> Iterator[str]:
    """The tenures as N-Quads: each an igo:Tenure (and org:Membership) with org:member, igo:post
    (igo:actingPost when acting), its xsd:date bounds, how each bound is known, the evidence
    (igo:evidence) and prov:wasDerivedFrom the evidence's sources; each conflict an
    igo:TenureConflict with its message (rdfs:comment) and where the evidence involved is written
    (igo:evidenceAt, "meetings/x.yaml:12").

    Written as text, term by term (every IRI is made of slugs; every literal is escaped), since a
    build at scale has millions of these quads: they are given a tenure at a time, for a build to
    write them out without holding them all."""
    g = f" <{TENURES_GRAPH}> .\n"
    a, member, post_p, acting_p = f"<{RDF.type}>", f"<{ORG.member}>", f"<{IGO.post}>", f"<{IGO.actingPost}>"
    label, comment, tenure_c = f"<{RDFS.label}>", f"<{RDFS.comment}>", f"<{IGO.Tenure}>"
    bounds = [f"<{IGO.earliestStart}>", f"<{IGO.latestStart}>", f"<{IGO.earliestEnd}>", f"<{IGO.latestEnd}>"]
    start_basis, end_basis, evidence = f"<{IGO.startBasis}>", f"<{IGO.endBasis}>", f"<{IGO.evidence}>"
    derived, date = f"<{PROV.wasDerivedFrom}>", f"^^<{XSD.date}>"
    for t in tenures:
        s = f"<{tenure_iri(t.person, t.post, t.acting, t.spell)}>"
        lines = [f"{s} {a} {tenure_c}{g}", f"{s} {member} <{ID}person/{t.person}>{g}",
                 f"{s} {acting_p if t.acting else post_p} <{ID}post/{t.post}>{g}",
                 f"{s} {label} {nquads_string(t.person + ' as ' + ('acting ' if t.acting else '') + t.post)}@en{g}"]
        for prop, value in zip(bounds, (t.earliest_start, t.latest_start, t.earliest_end, t.latest_end)):
            if value is not None:
                lines.append(f'{s} {prop} "{value}"{date}{g}')
        if t.start_basis:
            lines.append(f'{s} {start_basis} "{t.start_basis}"{g}')
        if t.end_basis:
            lines.append(f'{s} {end_basis} "{t.end_basis}"{g}')
        lines += [f"{s} {evidence} <{node}>{g}" for node in dict.fromkeys(e.node for e in t.evidence if e.node)]
        lines += [f"{s} {derived} <{ID}source/{source}>{g}" for source in t.sources]
        yield "".join(lines)
    for n, c in enumerate(conflicts, 1):
        s = f"<{ID}tenure-conflict/{n}>"
        yield f"{s} {a} <{IGO.TenureConflict}>{g}{s} {comment} {nquads_string(c.message)}@en{g}"
        yield "".join(f"{s} <{IGO.evidenceAt}> {nquads_string(place)}{g}" for place in c.places)
