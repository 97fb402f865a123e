"""The data-quality report: SPARQL over a built store, findings a curator should look at.

The sections, each a list of rows (dicts of plain strings and numbers):

* ``counts``: resources per class, over the record graphs (not the ontology);
* ``without_qid``: states, organizations, bodies, places and people with no Wikidata link (and not
  marked ``wikidata: not-stated``, which says Wikidata has no item for them);
* ``single_source``: meetings, participations, decisions, post- and rank-holdings that cite one source;
* ``inferred_dates``: anything whose date carries a ``date_certainty`` note;
* ``rank_decreases``: a person whose rank (by the ranks' ``seniority``) is lower at a later date;
* ``overlapping_holdings``: two people holding the same post at the same time;
* ``tenure_conflicts``: evidence about who held a post that cannot all be true, as the build's tenure
  reasoning found it (two holders of a single-holder post at once, a holder shown in it after a
  successor took it, a person attested in a post before being appointed to it), with where each
  piece of evidence is written (``meetings/x.yaml:12``).
* ``excerpt_only``: facts that rest on one source, of which only an excerpt was read
  (``excerpt_only: true``);
* ``disagreements``: what sources state otherwise about a fact (``alternatives``: each statement
  with its sources), and two meetings of one body given the same session number;
* ``qid_candidates``: Wikidata QIDs found only in secondary sources (``wikidata_candidate``), to verify.

Partial dates (``2019``, ``2019-06``) and EDTF dates (``2018?``, ``[2017-04-26, 2018-04-26]``)
are compared by the days they can mean (``igo:earliestDate``, ``igo:latestDate``): a finding is
reported only when it holds for every reading of the dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..graph.vocab import ONTOLOGY_GRAPH

PREFIXES = """
PREFIX igo: <https://w3id.org/csto-kg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
DATE = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|igo:inEDTF)"

COUNTS = PREFIXES + f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?count) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER (?g != <{ONTOLOGY_GRAPH}>)
}}
GROUP BY ?class ORDER BY ?class
"""
WITHOUT_QID = PREFIXES + """
SELECT DISTINCT ?entity ?class ?label WHERE {
  VALUES ?class { igo:State igo:IntergovernmentalOrganization igo:GovernmentAgency org:FormalOrganization
                  igo:Body igo:Place foaf:Person }
  ?entity a ?class .
  FILTER NOT EXISTS { ?entity skos:exactMatch ?item }
  FILTER NOT EXISTS { ?entity igo:notStated skos:exactMatch }
  OPTIONAL { ?entity rdfs:label ?label FILTER (LANG(?label) = "en") }
}
ORDER BY ?class ?entity
"""
SINGLE_SOURCE = PREFIXES + """
SELECT ?fact ?class ?label (SAMPLE(?s) AS ?source) WHERE {
  VALUES ?class { igo:Meeting igo:Participation igo:Decision org:Membership igo:RankHolding }
  ?fact a ?class ;
        prov:wasDerivedFrom ?s .
  OPTIONAL { ?fact rdfs:label ?label FILTER (LANG(?label) = "en") }
}
GROUP BY ?fact ?class ?label
HAVING (COUNT(DISTINCT ?s) = 1)
ORDER BY ?class ?fact
"""
INFERRED_DATES = PREFIXES + """
SELECT ?fact ?class ?label ?certainty WHERE {
  ?fact igo:dateCertainty ?certainty ;
        a ?class .
  FILTER (?class IN (igo:Meeting, igo:Source, org:Membership, igo:RankHolding))
  OPTIONAL { ?fact rdfs:label ?label FILTER (LANG(?label) = "en") }
}
ORDER BY ?class ?fact
"""
RANK_OBSERVATIONS = PREFIXES + f"""
SELECT ?person ?rank ?seniority ?date ?date_earliest ?date_latest ?evidence WHERE {{
  {{
    ?evidence a igo:Participation ;
              igo:participant ?person ;
              igo:rank ?rank ;
              igo:inMeeting ?when .
    ?when schema:startDate ?date .
  }} UNION {{
    ?evidence a igo:RankHolding ;
              igo:holder ?person ;
              igo:rank ?rank .
    {{ ?evidence igo:atTime ?when }} UNION {{ ?evidence igo:during/time:hasBeginning ?when }}
    ?when {DATE} ?date .
  }}
  OPTIONAL {{ ?when igo:earliestDate ?date_earliest }}
  OPTIONAL {{ ?when igo:latestDate ?date_latest }}
  ?rank igo:seniority ?seniority .
}}
"""
HOLDINGS = PREFIXES + f"""
SELECT ?holding ?post ?person ?start ?start_earliest ?start_latest ?end ?end_earliest ?end_latest WHERE {{
  ?holding a org:Membership ;
           igo:post ?post ;
           org:member ?person .
  OPTIONAL {{ ?holding org:memberDuring/time:hasBeginning ?begins . ?begins {DATE} ?start
             OPTIONAL {{ ?begins igo:earliestDate ?start_earliest }} OPTIONAL {{ ?begins igo:latestDate ?start_latest }} }}
  OPTIONAL {{ ?holding org:memberDuring/time:hasEnd ?ends . ?ends {DATE} ?end
             OPTIONAL {{ ?ends igo:earliestDate ?end_earliest }} OPTIONAL {{ ?ends igo:latestDate ?end_latest }} }}
}}
"""

TENURE_CONFLICTS = PREFIXES + """
SELECT ?conflict ?message (GROUP_CONCAT(?at; SEPARATOR=" ") AS ?evidence_at) WHERE {
  GRAPH <https://w3id.org/csto-kg/graph/tenures> {
    ?conflict a igo:TenureConflict ;
              rdfs:comment ?message .
    OPTIONAL { ?conflict igo:evidenceAt ?at }
  }
}
GROUP BY ?conflict ?message
ORDER BY ?message
"""

EXCERPT_ONLY = PREFIXES + """
SELECT ?fact ?class ?label (SAMPLE(?s) AS ?source) WHERE {
  VALUES ?class { igo:Meeting igo:Participation igo:Decision igo:AgendaItem igo:Absence org:Membership igo:RankHolding }
  ?fact a ?class ;
        prov:wasDerivedFrom ?s .
  OPTIONAL { ?fact rdfs:label ?label FILTER (LANG(?label) = "en") }
}
GROUP BY ?fact ?class ?label
HAVING (COUNT(DISTINCT ?s) = 1 && SAMPLE(?s) IN (?excerpts))
ORDER BY ?class ?fact
"""
STATED_OTHERWISE = PREFIXES + """
SELECT ?fact ?label ?sources ?other ?other_label ?other_sources WHERE {
  { SELECT ?fact ?other (GROUP_CONCAT(DISTINCT STR(?s); SEPARATOR=" ") AS ?sources) WHERE {
      ?fact igo:statedOtherwise ?other ; prov:wasDerivedFrom ?s } GROUP BY ?fact ?other }
  { SELECT ?other (GROUP_CONCAT(DISTINCT STR(?t); SEPARATOR=" ") AS ?other_sources) WHERE {
      ?other a igo:AlternativeStatement ; prov:wasDerivedFrom ?t } GROUP BY ?other }
  OPTIONAL { ?fact rdfs:label ?label FILTER (LANG(?label) = "en") }
  OPTIONAL { ?other rdfs:label ?other_label FILTER (LANG(?other_label) = "en") }
}
ORDER BY ?fact ?other
"""
SESSION_CLASHES = PREFIXES + """
SELECT ?meeting ?other ?body ?number WHERE {
  ?meeting a igo:Meeting ; igo:body ?body ; igo:sessionNumber ?number .
  ?other a igo:Meeting ; igo:body ?body ; igo:sessionNumber ?number .
  FILTER (STR(?meeting) < STR(?other))
}
ORDER BY ?body ?number ?meeting
"""
QID_CANDIDATES = PREFIXES + """
SELECT ?entity ?label ?candidate ?linked ?evidence WHERE {
  ?entity igo:wikidataCandidate ?candidate .
  OPTIONAL { ?entity skos:exactMatch ?linked }
  OPTIONAL { ?entity igo:wikidataEvidence ?evidence }
  OPTIONAL { ?entity rdfs:label ?label FILTER (LANG(?label) = "en") }
}
ORDER BY ?entity
"""

SECTIONS = ("counts", "without_qid", "single_source", "inferred_dates", "rank_decreases", "overlapping_holdings",
            "tenure_conflicts", "excerpt_only", "disagreements", "qid_candidates")
TITLES = {
    "counts": "Resources by class",
    "without_qid": "Entities without a Wikidata QID",
    "single_source": "Facts resting on a single source",
    "inferred_dates": "Facts with inferred or uncertain dates (date_certainty)",
    "rank_decreases": "Persons whose rank goes down over time (likely curation errors)",
    "overlapping_holdings": "Posts with overlapping holders",
    "tenure_conflicts": "Conflicting evidence of who held a post (tenure reasoning)",
    "excerpt_only": "Facts resting on one source read only in excerpt",
    "disagreements": "Disagreements between sources (kept, not resolved)",
    "qid_candidates": "Wikidata QIDs to verify (found only in secondary sources)",
}


@dataclass
class Report:
    """The findings, section by section (see :data:`SECTIONS`)."""

    sections: dict[str, list[dict]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {name: self.sections.get(name, []) for name in SECTIONS}


def _value(term) -> str | int | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#integer"):
        return int(term.value)
    return term.value


def _select(store, query: str) -> list[dict]:
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return [{name: _value(solution[name]) for name in names} for solution in solutions]


_EXACT = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?\Z")


def _earliest(row: dict, key: str, missing: str = "0000-01-01") -> str:
    """The first day the date ``row[key]`` can mean: its bound ``row[key + '_earliest']`` from the
    graph, else worked out from an exact date; ``missing`` when there is no date or no bound."""
    bound, date = row.get(f"{key}_earliest"), row.get(key)
    if bound is not None:
        return bound
    return missing if date is None or not _EXACT.match(date) else (date + "-01-01")[:10]


def _latest(row: dict, key: str, missing: str = "9999-12-31") -> str:
    """An upper bound of the last day the date ``row[key]`` can mean (as :func:`_earliest`)."""
    bound, date = row.get(f"{key}_latest"), row.get(key)
    if bound is not None:
        return bound
    if date is None or not _EXACT.match(date):
        return missing
    if len(date) == 4:
        return date + "-12-31"
    if len(date) == 7:
        return date + "-31"  # an upper bound is enough for comparisons
    return date


def rank_decreases(observations: list[dict]) -> list[dict]:
    """Pairs (earlier, later) where the later rank is less senior, certain for every reading of the dates."""
    found = []
    by_person: dict[str, list[dict]] = {}
    for row in observations:
        by_person.setdefault(row["person"], []).append(row)
    for person, rows in sorted(by_person.items()):
        rows.sort(key=lambda r: (_earliest(r, "date"), r["evidence"]))
        for i, earlier in enumerate(rows):
            for later in rows[i + 1:]:
                if _latest(earlier, "date") < _earliest(later, "date") and later["seniority"] < earlier["seniority"]:
                    found.append({"person": person, "rank": earlier["rank"], "date": earlier["date"],
                                  "later_rank": later["rank"], "later_date": later["date"],
                                  "evidence": earlier["evidence"], "later_evidence": later["evidence"]})
    return found


def overlapping_holdings(holdings: list[dict]) -> list[dict]:
    """Pairs of holdings of one post by different people that certainly share a day.

    A holding without an end is taken to last; one without a start, to have always been.
    """
    found = []
    by_post: dict[str, list[dict]] = {}
    for row in holdings:
        by_post.setdefault(row["post"], []).append(row)
    for post, rows in sorted(by_post.items()):
        rows.sort(key=lambda r: (_earliest(r, "start"), str(r["holding"])))
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if a["person"] == b["person"]:
                    continue
                if _latest(a, "start", "0000-01-01") < _earliest(b, "end", "9999-12-31") and \
                        _latest(b, "start", "0000-01-01") < _earliest(a, "end", "9999-12-31"):
                    found.append({"post": post, "holding": a["holding"], "person": a["person"],
                                  "start": a["start"], "end": a["end"],
                                  "other_holding": b["holding"], "other_person": b["person"],
                                  "other_start": b["start"], "other_end": b["end"],
                                  "open_ended": a["end"] is None or b["end"] is None})
    return found


def excerpt_only(store) -> list[dict]:
    """Facts credited to a single source that is excerpt-only."""
    excerpts = [row["source"] for row in _select(store, PREFIXES + "SELECT ?source WHERE { ?source igo:excerptOnly true }")]
    if not excerpts:
        return []
    listed = ", ".join(f"<{iri}>" for iri in excerpts)
    return _select(store, EXCERPT_ONLY.replace("?excerpts", listed))


def disagreements(store) -> list[dict]:
    """Each statement another source makes otherwise about a fact, beside the fact and its sources;
    and each pair of meetings of one body given the same session number."""
    rows = [{"what": "stated otherwise", "fact": r["fact"], "statement": r["label"], "sources": r["sources"],
             "other": r["other"], "other_statement": r["other_label"], "other_sources": r["other_sources"]}
            for r in _select(store, STATED_OTHERWISE)]
    rows += [{"what": "same session number", "fact": r["meeting"], "statement": f"session {r['number']} of {_short(r['body'])}",
              "sources": "", "other": r["other"], "other_statement": f"session {r['number']} of {_short(r['body'])}",
              "other_sources": ""}
             for r in _select(store, SESSION_CLASHES)]
    return rows


def build_report(store) -> Report:
    """Run every check on ``store`` (anything with ``query(text)`` over the union of the record graphs)."""
    return Report({
        "counts": _select(store, COUNTS),
        "without_qid": _select(store, WITHOUT_QID),
        "single_source": _select(store, SINGLE_SOURCE),
        "inferred_dates": _select(store, INFERRED_DATES),
        "rank_decreases": rank_decreases(_select(store, RANK_OBSERVATIONS)),
        "overlapping_holdings": overlapping_holdings(_select(store, HOLDINGS)),
        "tenure_conflicts": [{"message": row["message"], "evidence_at": sorted(row["evidence_at"].split())}
                             for row in _select(store, TENURE_CONFLICTS)],
        "excerpt_only": excerpt_only(store),
        "disagreements": disagreements(store),
        "qid_candidates": _select(store, QID_CANDIDATES),
    })


def _short(value) -> str:
    """IRIs shortened to their last two segments (``person/valery-semerikov``) for reading."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value)
    text = str(value)
    if text.startswith(("https://", "http://")):
        for base in ("https://w3id.org/csto-kg/id/", "https://w3id.org/csto-kg/ontology#"):
            if text.startswith(base):
                return text[len(base):]
        for sep in ("#", "/"):
            if sep in text:
                return text.rsplit(sep, 1)[1]
    return " ".join(text.split())


def as_table(report: Report, width: int = 60) -> str:
    """The report as plain text: one titled table per section."""
    out = []
    for name in SECTIONS:
        rows = report.sections.get(name, [])
        out.append(f"== {TITLES[name]} ({len(rows)})")
        if rows:
            columns = list(rows[0])
            cells = [[_short(row[c]) for c in columns] for row in rows]
            cells = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in cells]
            widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
            out.append("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
            out.append("  ".join("-" * w for w in widths))
            out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)
        out.append("")
    return "\n".join(out)
