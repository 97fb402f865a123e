"""``/sparql`` (the SPARQL 1.1 Protocol, query side) and ``/healthz``."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ..problems import CstoKgError, StoreMissing
from ..query.workers import InlineRunner, WorkerPool
from ..graph.formats import FORMATS, RDF_FORMATS, negotiate
from ..query.sparql import Answer, BadQuery, plan
from ..store import Store
from .errors import error_response
from .protocol import MethodNotAllowed, parse

bp = Blueprint("sparql", __name__)
ALLOW = "GET, HEAD, POST, OPTIONS"
EXPOSED = "X-SPARQL-Rows, X-SPARQL-Max-Rows, X-SPARQL-Truncated"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_runner_lock = threading.Lock()


def store_of(app: Flask) -> Store:
    return app.extensions["csto_kg.store"]


def runner(app: Flask) -> WorkerPool | InlineRunner:
    """The app's query runner: inline for a store that stops a query past the time limit itself (a
    remote one), else worker processes that open the store and are killed when a query overruns."""
    found = app.extensions.get("csto_kg.sparql_runner")
    if found is None:
        with _runner_lock:
            found = app.extensions.get("csto_kg.sparql_runner")
            if found is None:
                store = store_of(app)
                if store.enforces_time_limit:
                    found = InlineRunner(store)
                else:
                    size = app.config.get("SPARQL_WORKERS") or max(2, min(8, os.cpu_count() or 2))
                    found = WorkerPool(store.location, size, app.config["SPARQL_TIME_LIMIT_MS"],
                                       cache_bytes=int(app.config.get("SPARQL_CACHE_MB") or 0) << 20)
                app.extensions["csto_kg.sparql_runner"] = found
    return found


def service_allow(app: Flask) -> frozenset[str]:
    return _allow_list(str(app.config.get("SERVICE_ALLOW") or ""))


@lru_cache(maxsize=16)
def _allow_list(setting: str) -> frozenset[str]:
    return frozenset(s.strip() for s in setting.split(",") if s.strip())


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    response.vary.add("Accept")
    return response


@bp.after_request
def cors(response: Response) -> Response:
    return _cors(response)


def _error(err: CstoKgError) -> Response:
    return error_response(err, {"Allow": ALLOW} if isinstance(err, MethodNotAllowed) else None)


@bp.errorhandler(CstoKgError)
def error(err: CstoKgError):
    return _error(err)


def respond(app: Flask, req: Request) -> Response:
    """The answer to a request to ``/sparql``, errors included, with CORS headers.

    Plain werkzeug, no Flask request context: :class:`SparqlDispatch` calls it ahead of Flask.
    """
    found = _answer_or_response(app, req)
    return _response(*found) if isinstance(found, tuple) else found


def _answer_or_response(app: Flask, req: Request) -> tuple[Answer, int] | Response:
    """A query's answer and the row cap it was run with, or the whole response (errors, OPTIONS, the
    service description), with CORS headers."""
    try:
        response = _answer(app, req)
        if isinstance(response, tuple):
            return response
    except CstoKgError as err:
        response = _error(err)
    except HTTPException as err:  # werkzeug's own refusals, e.g. a form too large to parse
        failure = CstoKgError(err.description or err.name)
        failure.status = err.code or 400
        response = _error(failure)
    except Exception:  # noqa: BLE001 - logged; the client gets the one JSON error shape
        app.logger.exception("unexpected error answering %s %s", req.method, req.full_path)
        response = _error(CstoKgError("the server failed to answer; see its log"))
    return _cors(response)


def _answer(app: Flask, req: Request) -> Response | tuple[Answer, int]:
    if req.method == "OPTIONS":
        return Response(status=204, headers={
            "Allow": ALLOW, "Access-Control-Allow-Methods": ALLOW,
            "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"})
    asked = parse(req)
    if asked.query is None:
        if req.method == "POST":
            raise BadQuery("the request has no 'query'; send one as a form field or as an "
                           "application/sparql-query body (GET /sparql without a query describes the service)")
        return service_description(app, req)
    plan_ = plan(asked.query, req.headers.get("Accept"), service_allow(app))
    max_rows = app.config["SPARQL_MAX_ROWS"]
    return runner(app).run(plan_, asked.default_graphs, asked.named_graphs, max_rows), max_rows


def _answer_headers(answer: Answer, max_rows: int) -> list[tuple[str, str]]:
    """The headers of a query's answer, CORS included, as a WSGI header list."""
    headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body))),
               ("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED), ("Vary", "Accept")]
    if answer.rows is not None:
        headers += [("X-SPARQL-Rows", str(answer.rows)), ("X-SPARQL-Max-Rows", str(max_rows)),
                    ("X-SPARQL-Truncated", "true" if answer.truncated else "false")]
    return headers


def _response(answer: Answer, max_rows: int) -> Response:
    return Response(answer.body, headers=_answer_headers(answer, max_rows))


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    """Reached when the app runs without :class:`SparqlDispatch` in front (it names the route for ``url_for``)."""
    return respond(current_app._get_current_object(), request)


class SparqlDispatch:
    """WSGI middleware that answers ``/sparql`` itself and hands every other path to the Flask app.

    The query path is the hot one; werkzeug alone costs a fraction of Flask's per-request
    machinery (contexts, routing, hooks), a few tenths of a millisecond on every query.
    """

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/sparql":
            return self.wsgi_app(environ, start_response)
        found = _answer_or_response(self.app, Request(environ))
        if not isinstance(found, tuple):
            return found(environ, start_response)
        # a query's answer goes out as it is, without a werkzeug Response around it (a tenth of a millisecond)
        start_response("200 OK", _answer_headers(*found))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [found[0].body]


def service_description(app: Flask, req: Request) -> Response:
    """The ``sd:Service`` of this endpoint, in the negotiated RDF format."""
    choice = negotiate(req.headers.get("Accept"), RDF_FORMATS)
    me = ox.NamedNode(req.base_url)
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    triples = [ox.Triple(me, RDF_TYPE, sd("Service")), ox.Triple(me, sd("endpoint"), me),
               ox.Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(me, sd("feature"), sd("UnionDefaultGraph"))]
    if service_allow(app):
        triples.append(ox.Triple(me, sd("feature"), sd("BasicFederatedQuery")))
    for fmt in FORMATS:
        triples.append(ox.Triple(me, sd("resultFormat"), ox.NamedNode(fmt.iri)))
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    triples += [ox.Triple(me, sd("defaultDataset"), dataset), ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
                ox.Triple(dataset, sd("defaultGraph"), default), ox.Triple(default, RDF_TYPE, sd("Graph"))]
    for i, name in enumerate(named_graphs(app)):
        node = ox.BlankNode(f"g{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(name))]
    body = ox.serialize(triples, format=choice.format.oxigraph, prefixes={"sd": SD})
    return Response(body, content_type=choice.content_type)


def named_graphs(app: Flask) -> list[str]:
    """The store's named graphs (each store lists them once per build, not on every service description)."""
    return sorted(store_of(app).live_graphs())


@bp.route("/healthz", methods=["GET"])
def healthz():
    store = store_of(current_app)
    if not store.exists():
        return _error(StoreMissing(store.location))
    manifest = store.manifest() or {}
    body = {"ok": True, "status": 200, "build": manifest.get("id"), "quads": manifest.get("quads")}
    pool = current_app.extensions.get("csto_kg.sparql_runner")
    if isinstance(pool, WorkerPool):  # how many query workers there are, and how many overran and were replaced
        body["query_workers"] = {"size": pool.size, "replaced": pool.replaced, "crashed": pool.crashed,
                                "network_guard": pool.network_guard}
    return jsonify(body)
