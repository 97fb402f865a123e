"""Pages for people: the query workbench, entity pages behind every IRI, ontology and shapes docs.

``GET /id/{kind}/{slug}`` (and the meeting-scoped IRIs below a meeting) answers with
``200`` and the representation the client asked for (a record's former name: ``301`` to its
IRI now): HTML by default, any RDF format of
:mod:`csto_kg.graph.formats` by ``Accept`` or by suffix (``.ttl``, ``.jsonld``, …, ``.html``).
There is no ``303`` hop: a negotiated answer names its document in
``Content-Location``, lists the other representations in ``Link`` and says ``Vary: Accept``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from rdflib import Graph, URIRef
from werkzeug.routing import PathConverter
from rdflib import Literal as RdfLiteral

from .. import settings
from ..query import describe
from ..query.workers import WorkersBusy
from ..problems import CstoKgError, QueryTimeout
from ..records.kinds import KINDS
from ..records import SLUG
from ..graph.resources import ontology_files, shapes_files
from ..query.sparql import BadQuery, plan
from ..graph.formats import RDF_FORMATS, RESULT_FORMATS, NotAcceptable, with_suffix
from ..graph.sparql_terms import iri as sparql_iri
from ..graph.vocab import ONTOLOGY_IRI, PREFIXES
from . import docs, negotiation
from .timeline import timeline
from .entity import Iri, Labels, Literal, PageReader, kind_of, page_data, rows

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/pages")


class AnyPath(PathConverter):
    """A path that may hold any character, a line break too, so that every address under ``/id/``
    gets the resource's answer (werkzeug's ``path`` stops at a line break)."""

    regex = "[^/](?s:.*?)"


@bp.record_once
def _add_converter(state) -> None:
    state.app.url_map.converters["anypath"] = AnyPath

QUERIES = Path(__file__).resolve().parent / "queries"
#: The formats the workbench offers as downloads (``/results.{suffix}``), for SELECT and ASK, and for graphs.
SELECT_DOWNLOADS = RESULT_FORMATS
GRAPH_DOWNLOADS = RDF_FORMATS
COUNTS = (
    ("meetings", "igo:Meeting"),
    ("participations", "igo:Participation"),
    ("people", "foaf:Person"),
    ("states", "igo:State"),
    ("organizations", "org:FormalOrganization"),
    ("bodies", "igo:Body"),
    ("posts", "org:Post"),
    ("decisions", "igo:Decision"),
    ("sources", "igo:Source"),
)


def _store():
    return current_app.extensions["csto_kg.store"]


def _reader() -> PageReader:
    """The store as pages read it: through the endpoint's query runner, under its time limit."""
    app = current_app._get_current_object()
    found = app.extensions.get("csto_kg.page_reader")
    if found is None:
        from .sparql import runner  # noqa: PLC0415 - the endpoint's own runner

        found = app.extensions.setdefault(
            "csto_kg.page_reader", PageReader(_store(), runner(app), int(app.config.get("SPARQL_TIME_LIMIT_MS") or 0)))
    return found


#: What stops a page: its queries ran past the time limit, or no query worker came free within it.
TOO_SLOW = (QueryTimeout, WorkersBusy)


def base_iri() -> str:
    base = current_app.config.get("BASE_IRI") or settings.get("CSTO_KG_BASE_IRI")
    return base if base.endswith("/") else base + "/"


#: The IRIs a page links to as they are; any other scheme (``javascript:``, ``data:``, ``file:``, …) is shown as text.
WEB_IRI = re.compile(r"https?://", re.IGNORECASE)


def href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: this server's page for our IRIs, the IRI itself for an
    ``http``/``https`` IRI, and ``None`` (no link: the IRI is shown as text) for any other.

    Kept for the request: a page links the same sources, roles and posts from row after row (a
    person's page makes 1,900 links to 550 IRIs), and building a URL costs more than the lookup."""
    found = g.setdefault("csto_kg_hrefs", {})
    if iri not in found:
        found[iri] = _href(iri)
    return found[iri]


def _href(iri: str) -> str | None:
    base = base_iri()
    if iri.startswith(base + "id/"):
        return url_for("pages.resource", rest=iri[len(base) + 3:])
    if iri == ONTOLOGY_IRI or iri == base + "ontology":
        return url_for("pages.ontology")
    if iri.startswith(ONTOLOGY_IRI + "#"):
        return url_for("pages.ontology") + "#" + iri.split("#", 1)[1]
    return iri if WEB_IRI.match(iri) else None


def short(iri: str) -> str:
    """``igo:Meeting`` for the ontology's IRI, ``id:person/x`` for a resource, else the IRI."""
    base = base_iri()
    if iri.startswith(base + "id/"):
        return iri[len(base) + 3:]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


@bp.app_template_test("iri")
def is_iri(value) -> bool:
    return isinstance(value, Iri)


@bp.app_context_processor
def helpers() -> dict:
    return {"href": href, "short": short, "base_iri": base_iri, "rdf_formats": RDF_FORMATS, "timeline": draw_timeline}


def draw_timeline(bars, points=(), title: str = "Timeline"):
    """A timeline's SVG for a page, its bars and points linking where :func:`href` says."""
    return timeline(bars, points, link=href, title=title)


# -- the workbench


@lru_cache(maxsize=1)
def examples() -> tuple[dict, ...]:
    """The competency questions packaged with the app, each with its first comment as title."""
    found = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("# ").strip() if first.startswith("#") else path.stem
        found.append({"name": path.stem, "title": title, "query": text})
    return tuple(found)


def counts() -> list[tuple[str, int]]:
    query = "SELECT " + " ".join(f"(COUNT(DISTINCT ?x{i}) AS ?n{i})" for i in range(len(COUNTS))) + " WHERE { " + \
        " UNION ".join(f"{{ ?x{i} a {cls} }}" for i, (_, cls) in enumerate(COUNTS)) + " }"
    found = rows(_reader(), query)[0]
    return [(name, int(found[f"n{i}"])) for i, (name, _) in enumerate(COUNTS)]


def _answer(text: str, media_type: str):
    """Run ``text`` as the endpoint would: same checks, time limit, row cap and SERVICE allow-list."""
    from .sparql import runner, service_allow  # noqa: PLC0415 - the endpoint's own runner

    app = current_app._get_current_object()
    plan_ = plan(text, media_type, service_allow(app))
    return plan_, runner(app).run(plan_, (), (), int(app.config.get("SPARQL_MAX_ROWS") or 0))


def _table(text: str) -> dict:
    """The answer to ``text`` as a table of :class:`Iri` / :class:`Literal` cells."""
    first, answer = _answer(text, "application/sparql-results+json, application/n-triples")
    if first.form == "graph":
        graph = Graph().parse(data=answer.body.decode("utf-8"), format="nt")
        table = sorted([_cell(t) for t in triple] for triple in graph)
        return {"kind": "graph", "variables": ["subject", "predicate", "object"], "rows": table,
                "truncated": answer.truncated}
    doc = json.loads(answer.body)
    if "boolean" in doc:
        return {"kind": "ask", "value": bool(doc["boolean"])}
    variables = doc["head"]["vars"]
    table = [[_json_cell(b.get(v)) for v in variables] for b in doc["results"]["bindings"]]
    return {"kind": "select", "variables": variables, "rows": table, "truncated": answer.truncated}


def _json_cell(binding: dict | None):
    if binding is None:
        return None
    if binding["type"] == "uri":
        return Iri(binding["value"])
    if binding["type"] == "bnode":
        return Literal("_:" + binding["value"])
    return Literal(binding["value"], binding.get("xml:lang"), binding.get("datatype"))


def _cell(term):
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, RdfLiteral):
        return Literal(str(term), term.language, str(term.datatype) if term.datatype else None)
    return Literal("_:" + str(term))


@bp.route("/")
def workbench():
    text = request.args.get("query", "")
    results, error, status, labels = None, None, 200, None
    if text.strip():
        try:
            results = _table(text)
        except CstoKgError as err:
            error, status = err.message, err.status
    reader = _reader()
    try:
        with reader.page():  # the page's own queries; the client's query above had the limit to itself
            if results and results["kind"] != "ask":
                labels = Labels(reader)
                labels.fetch(cell for row in results["rows"] for cell in row)
            found = counts()
    except TOO_SLOW as err:
        return _too_slow(None, err)
    downloads = []
    if results:
        offered = GRAPH_DOWNLOADS if results["kind"] == "graph" else SELECT_DOWNLOADS
        downloads = [(f.label, url_for("pages.download", suffix=f.suffix, query=text)) for f in offered]
    body = render_template("workbench.html", query=text, examples=examples(), counts=found, results=results,
                           error=error, downloads=downloads, labels=labels)
    return body, status


@bp.route("/results.<suffix>")
def download(suffix: str):
    """The workbench's query in one result format, as a file.

    A suffix names a format, or more than one (``json``: SPARQL JSON or JSON-LD): the query's
    form chooses among them as the endpoint would among their media types."""
    formats = with_suffix(suffix, SELECT_DOWNLOADS + GRAPH_DOWNLOADS)
    if not formats:
        abort(404)
    text = request.args.get("query", "")
    if not text.strip():
        raise BadQuery("give the query in the 'query' parameter")
    _, answer = _answer(text, ", ".join(f.media_type for f in formats))
    response = Response(answer.body, content_type=answer.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="results.{suffix}"'
    if answer.rows is not None:
        response.headers["X-SPARQL-Truncated"] = "true" if answer.truncated else "false"
    return response


# -- resources


@bp.route("/id/<anypath:rest>")
def resource(rest: str):
    path, fmt = negotiation.split_suffix(rest)
    local = url_for("pages.resource", rest=path)
    if fmt == "":
        return _not_found(path, f"'.{rest.rpartition('.')[2]}' is not a format of this server; "
                                f"use {negotiation.suffixes()}")
    iri = base_iri() + "id/" + path
    negotiated = fmt is None
    if negotiated:
        try:
            fmt = negotiation.choose(request.headers.get("Accept")).format
        except NotAcceptable:
            response = Response(f"none of the media types in Accept can be served for {iri}; "
                                f"ask for one of: {negotiation.acceptable()}\n", status=406, mimetype="text/plain")
            response.headers["Vary"] = "Accept"
            response.headers["Link"] = negotiation.alternates(local)
            return response
    if not is_resource_path(path):  # before any query: only slugs reach the store
        return _not_found(path, "every part of a resource address is a slug: lowercase ASCII letters, digits "
                                "and single hyphens, as in id/person/valentina-kazakova")
    reader = _reader()
    try:
        with reader.page():  # every query of the page, the near matches of a 404 too, within one time limit
            if not describe.exists(reader, iri):
                new = describe.renamed(reader, iri, base_iri() + "id/")
                if new is not None and new.startswith(base_iri() + "id/"):
                    # a record's former name: its IRI moves for good to the record's new one, suffix kept
                    suffix = rest[len(path):]
                    response = Response(status=301)
                    response.headers["Location"] = url_for("pages.resource", rest=new[len(base_iri()) + 3:] + suffix)
                    return response
                return _not_found(path, None)
            if fmt is negotiation.HTML:
                template, data, labels = page_data(reader, iri)
            else:
                graph = describe.description(reader, iri)
    except TOO_SLOW as err:
        return _too_slow(iri, err)
    if fmt is negotiation.HTML:
        body = render_template(f"entity/{template}.html", iri=iri, kind=kind_of(iri), local=local, labels=labels,
                               formats=RDF_FORMATS, **data)
        response = Response(body, content_type=fmt.content_type())
    else:
        response = Response(describe.serialize(graph, fmt), content_type=fmt.content_type())
    response.headers["Link"] = f'<{iri}>; rel="canonical", ' + negotiation.alternates(local)
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{local}.{fmt.suffix}"
    return response


def is_resource_path(path: str) -> bool:
    """Whether every part of ``path`` (``person/x``, ``meeting/m/participation/1``) is a slug."""
    return all(SLUG.fullmatch(part) for part in path.split("/"))


def _not_found(path: str, problem: str | None):
    iri = base_iri() + "id/" + path
    suggestions = describe.near_matches(_reader(), iri) if problem is None else []
    try:
        wants_html = negotiation.choose(request.headers.get("Accept")).format is negotiation.HTML
    except NotAcceptable:
        wants_html = True
    if not wants_html:
        lines = [problem or f"nothing is known about {iri}"]
        lines += [f"did you mean {href(s.iri) or s.iri} ({s.label}{'; ' + s.why if s.why else ''})?" for s in suggestions]
        return Response("\n".join(lines) + "\n", status=404, mimetype="text/plain")
    body = render_template("not_found.html", iri=iri, problem=problem, suggestions=suggestions,
                           kinds=[kind.name for kind in KINDS])
    return Response(body, status=404, mimetype="text/html")


def _too_slow(iri: str | None, err: CstoKgError):
    """``503``: the queries of the page for ``iri`` (None: the workbench) took longer than the time
    limit, or found every query worker busy for as long. A page for browsers, text for programs."""
    limit = int(current_app.config.get("SPARQL_TIME_LIMIT_MS") or 0)
    busy = isinstance(err, WorkersBusy)
    what = f"the page for {iri}" if iri else "the query workbench"
    if busy:
        message = (f"{what} could not be gathered: every query worker stayed busy for the time limit of {limit} ms; "
                   "retry shortly")
    else:
        message = (f"{what} took longer than the time limit of {limit} ms to gather and was stopped; "
                   "the limit is set by CSTO_KG_SPARQL_TIME_LIMIT_MS")
    try:
        wants_html = negotiation.choose(request.headers.get("Accept")).format is negotiation.HTML
    except NotAcceptable:
        wants_html = True
    if wants_html:
        narrower = f"SELECT ?p ?o WHERE {{ {sparql_iri(iri)} ?p ?o }} LIMIT 100" if iri else ""
        body = render_template("too_slow.html", iri=iri, limit=limit, busy=busy, narrower=narrower)
        response = Response(body, status=503, mimetype="text/html")
    else:
        response = Response(message + "\n", status=503, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


# -- ontology and shapes


@lru_cache(maxsize=1)
def _ontology_graph() -> Graph:
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


@bp.route("/ontology")
@bp.route("/ontology.<suffix>")
def ontology(suffix: str | None = None):
    """The ontology's documentation, or the ontology itself as RDF (its IRI dereferences here)."""
    if suffix:
        fmt = negotiation.for_suffix(suffix)
        if fmt is None:
            abort(404)
    else:
        try:
            fmt = negotiation.choose(request.headers.get("Accept")).format
        except NotAcceptable:
            return Response(f"ask for one of: {negotiation.acceptable()}\n", status=406, mimetype="text/plain")
    if fmt is negotiation.HTML:
        response = Response(render_template("ontology.html", doc=docs.ontology_doc(_ontology_graph())),
                            content_type=fmt.content_type())
    else:
        response = Response(describe.serialize(_ontology_graph(), fmt), content_type=fmt.content_type())
    local = url_for("pages.ontology")
    response.headers["Link"] = f'<{ONTOLOGY_IRI}>; rel="canonical", ' + negotiation.alternates(local)
    if suffix is None:
        response.headers["Vary"] = "Accept"
    return response


@bp.route("/shapes")
def shapes():
    """The SHACL shapes, in words."""
    graph = Graph()
    for path in shapes_files():
        graph.parse(path, format="turtle")
    return render_template("shapes.html", shapes=docs.shapes_doc(graph, _ontology_graph()))


@bp.app_template_filter("quote")
def quote_filter(text: str) -> str:
    return quote(text, safe="")


__all__ = ["bp", "Literal", "examples", "href", "short"]
