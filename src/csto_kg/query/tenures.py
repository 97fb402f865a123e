"""Who held which post when, and a person's career, read from a built store.

The tenures are those the build reasoned (the ``.../graph/tenures`` named graph); meetings, ranks and
sources are the records' own. ``store`` is anything with ``query(text)`` giving pyoxigraph results:
a store, or the pages' reader, which runs each query in the endpoint's workers under its time limit.
"""

from __future__ import annotations

from ..graph.sparql_terms import iri as sparql_iri
from ..graph.vocab import GRAPH, ID
from ..tenure import Tenure

PREFIXES = """
PREFIX igo: <https://w3id.org/csto-kg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
"""

_TENURE_DETAILS = """
  OPTIONAL { ?tenure igo:earliestStart ?earliest_start } OPTIONAL { ?tenure igo:latestStart ?latest_start }
  OPTIONAL { ?tenure igo:earliestEnd ?earliest_end } OPTIONAL { ?tenure igo:latestEnd ?latest_end }
  OPTIONAL { ?tenure igo:startBasis ?start_basis } OPTIONAL { ?tenure igo:endBasis ?end_basis }
"""
#: The build's tenures graph (csto_kg.tenure.TENURES_GRAPH), where every statement about a tenure is:
#: a tenure and its details are read in it alone, not among the thousands of participations that
#: name the same post or person, nor from the union of every graph (which costs the engine a merge
#: of every graph's statements about the tenure: a career's 241 tenures took 2.6 times as long).
_TENURES = sparql_iri(GRAPH + "tenures")
_BOUNDS = ("earliest_start", "latest_start", "earliest_end", "latest_end", "start_basis", "end_basis")


def _in_tenures(pattern: str) -> str:
    """``pattern`` (about ``?tenure``) matched in the tenures graph."""
    return f"GRAPH {_TENURES} {{ {pattern} }}"


def slug(iri: str | None) -> str | None:
    """``valery-semerikov`` for ``.../id/person/valery-semerikov``."""
    if iri is None:
        return None
    return iri[len(ID):].split("/", 1)[1] if iri.startswith(ID) and "/" in iri[len(ID):] else iri


def _rows(store, query: str) -> list[dict]:
    answer = store.query(PREFIXES + query)
    names = [v.value for v in answer.variables]
    return [{n: (None if s[n] is None else s[n].value) for n in names} for s in answer]


def _grouped(rows: list[dict], key: str, many: tuple[str, ...]) -> list[dict]:
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row[key], {**{k: v for k, v in row.items() if k not in many},
                                            **{k: set() for k in many}})
        for k in many:
            if row[k] is not None:
                entry[k].add(row[k])
    return [{**entry, **{k: sorted(entry[k]) for k in many}} for entry in found.values()]


def _with_sources_and_evidence(store, rows: list[dict], tenures: str, details: bool = True) -> list[dict]:
    """``rows`` (one per tenure) with the ``source`` and ``evidence`` sets of each tenure the pattern
    ``tenures`` matches in the tenures graph (without ``details``, not asked: empty).

    Asked apart: asked with the rest, every source would be repeated for every piece of evidence
    (a minister's post held for years: fifty thousand rows for a few hundred tenures)."""
    found: dict[str, dict] = {}
    for row in rows:  # a tenure's first row, as _grouped keeps it
        found.setdefault(row["tenure"], {**row, "source": set(), "evidence": set()})
    for many, predicate in (("source", "prov:wasDerivedFrom"), ("evidence", "igo:evidence")) if found and details else ():
        for row in _rows(store, f"SELECT ?tenure ?{many} WHERE {{ {_in_tenures(f'{tenures} . ?tenure {predicate} ?{many}')} }}"):
            if row["tenure"] in found:
                found[row["tenure"]][many].add(row[many])
    return [{**entry, "source": sorted(entry["source"]), "evidence": sorted(entry["evidence"])} for entry in found.values()]


def span_text(first: str | None, last: str | None, open_end: bool = False) -> str:
    """``2019-06-20``, ``2019-06-20..2019-12-31``, an unknown side as ``..``; ``open`` (an end) or
    ``unknown`` when neither is known."""
    if first is not None and first == last:
        return first
    if first is None and last is None:
        return "open" if open_end else "unknown"
    return f"{first or ''}..{last or ''}"


def on_day(tenure: dict, day: str) -> str | None:
    """``certainly``, ``possibly`` or None for a tenure read from the store, by the build's own rule
    (:meth:`csto_kg.tenure.Tenure.on`)."""
    return Tenure("", "", False, *(tenure[b] for b in _BOUNDS[:4])).on(day)


def holders(store, post: str, on: str | None = None, acting: bool = False, details: bool = True) -> list[dict]:
    """The tenures of the post with slug ``post`` (acting ones when ``acting``), in time order; with
    ``on`` (YYYY-MM-DD), those held that day, each saying ``certainly`` or ``possibly``. Without
    ``details`` (a timeline's bars), their sources and evidence are not asked (empty lists): a
    minister's post has thousands."""
    predicate = "igo:actingPost" if acting else "igo:post"
    tenures = f"?tenure a igo:Tenure ; {predicate} {sparql_iri(ID + 'post/' + post)} ; org:member ?person"
    found = _with_sources_and_evidence(store, _rows(store, f"""
        SELECT ?tenure ?person ?label {' '.join('?' + b for b in _BOUNDS)} WHERE {{
          {_in_tenures(tenures + " . " + _TENURE_DETAILS)}
          OPTIONAL {{ ?person rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
        }}"""), tenures, details)
    result = []
    for t in found:
        how = on_day(t, on) if on else None
        if on is not None and how is None:
            continue
        result.append({"person": slug(t["person"]), "label": t["label"], "on": how, "acting": acting,
                       **{b: t[b] for b in _BOUNDS}, "sources": [slug(s) for s in t["source"]],
                       "evidence": t["evidence"], "tenure": t["tenure"]})
    return sorted(result, key=lambda r: (r["earliest_start"] or r["latest_start"] or "", r["person"]))


def career(store, person: str, details: bool = True) -> dict:
    """The person with slug ``person``: the posts held (tenures, acting ones marked), the ranks
    stated, and the meetings attended (with roles, the post and rank stated there), each in time order
    with its sources. Without ``details``, what a timeline draws: no sources and evidence of the
    tenures (empty lists) and no ranks."""
    p = sparql_iri(ID + "person/" + person)
    tenures = f"?tenure a igo:Tenure ; org:member {p}"
    held = _in_tenures(f"""{tenures} .
        {{ ?tenure igo:post ?post BIND (false AS ?acting) }} UNION {{ ?tenure igo:actingPost ?post BIND (true AS ?acting) }}
        {_TENURE_DETAILS}""")
    posts = _with_sources_and_evidence(store, _rows(store, f"""
        SELECT ?tenure ?post ?label ?acting {' '.join('?' + b for b in _BOUNDS)} WHERE {{
          {held}
          OPTIONAL {{ ?post rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
        }}"""), tenures, details)
    ranks = [] if not details else _grouped(_rows(store, f"""
        SELECT ?evidence ?rank ?label ?date ?source WHERE {{
          {{ ?evidence a igo:RankHolding ; igo:holder {p} ; igo:rank ?rank .
             OPTIONAL {{ ?evidence igo:atTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF) ?date }} }}
          UNION
          {{ ?evidence a igo:Participation ; igo:participant {p} ; igo:rank ?rank ; igo:inMeeting/schema:startDate ?date }}
          OPTIONAL {{ ?rank rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
          OPTIONAL {{ ?evidence prov:wasDerivedFrom ?source }}
        }}"""), "evidence", ("source",))
    if not details:  # a timeline's points: the meetings, their labels and dates
        meetings = [{**row, "participation": None, **{m: [] for m in ("role", "post", "acting_post", "source")},
                     "on_behalf_of": None, "rank": None} for row in _rows(store, f"""
            SELECT DISTINCT ?meeting ?label ?date WHERE {{
              ?participation igo:participant {p} ; igo:inMeeting ?meeting .
              OPTIONAL {{ ?meeting schema:startDate ?date }}
              OPTIONAL {{ ?meeting rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
            }}""")]
    else:
        meetings = _grouped(_rows(store, f"""
        SELECT ?participation ?meeting ?label ?date ?role ?on_behalf_of ?post ?acting_post ?rank ?source WHERE {{
          ?participation igo:participant {p} ; igo:inMeeting ?meeting .
          OPTIONAL {{ ?meeting schema:startDate ?date }}
          OPTIONAL {{ ?meeting rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
          OPTIONAL {{ ?participation igo:role ?role }} OPTIONAL {{ ?participation igo:onBehalfOf ?on_behalf_of }}
          OPTIONAL {{ ?participation igo:post ?post }} OPTIONAL {{ ?participation igo:actingPost ?acting_post }}
          OPTIONAL {{ ?participation igo:rank ?rank }}
          OPTIONAL {{ ?participation prov:wasDerivedFrom ?source }}
        }}"""), "participation", ("role", "post", "acting_post", "source"))
    return {
        "person": person,
        "posts": sorted(({"post": slug(t["post"]), "label": t["label"], "acting": t["acting"] == "true",
                          **{b: t[b] for b in _BOUNDS}, "sources": [slug(s) for s in t["source"]],
                          "evidence": t["evidence"], "tenure": t["tenure"]} for t in posts),
                        key=lambda r: (r["earliest_start"] or r["latest_start"] or "", r["post"])),
        "ranks": sorted(({"rank": slug(r["rank"]), "label": r["label"], "date": r["date"],
                          "sources": [slug(s) for s in r["source"]], "evidence": r["evidence"]} for r in ranks),
                        key=lambda r: (r["date"] or "", r["rank"])),
        "meetings": sorted(({"meeting": slug(m["meeting"]), "label": m["label"], "date": m["date"],
                             "roles": [slug(x) for x in m["role"]], "on_behalf_of": slug(m["on_behalf_of"]),
                             "posts": [slug(x) for x in m["post"]], "acting_posts": [slug(x) for x in m["acting_post"]],
                             "rank": slug(m["rank"]), "sources": [slug(s) for s in m["source"]],
                             "participation": m["participation"]} for m in meetings),
                           key=lambda r: (r["date"] or "", r["meeting"])),
    }


def exists(store, kind: str, name: str) -> bool:
    """Whether the store knows ``.../id/{kind}/{name}``."""
    return bool(store.query(f"ASK {{ {sparql_iri(ID + kind + '/' + name)} ?p ?o }}"))
