"""``/reconcile``: the W3C Reconciliation Service API v0.2, as OpenRefine uses it.

``GET /reconcile`` without parameters is the service manifest; ``queries=`` (GET or a POST form)
a batch of reconciliation queries; ``extend=`` a data extension. ``/reconcile/suggest/{entity,type,property}?prefix=``
answer OpenRefine's autocomplete, ``/reconcile/preview?id=`` a small HTML card, and
``/reconcile/properties?type=`` the properties data extension proposes. The answers are worked out
by :mod:`csto_kg.query.reconcile` from an index loaded once per build from the file the build
wrote beside the store (:mod:`csto_kg.store.reconciliation`), or, for a build without one, read
from the store, each query under the endpoint's time limit; every request is bounded: its body like a SPARQL
query's (:data:`~csto_kg.web.request_body.MAX_BODY`), its queries in number and size, its time by
the SPARQL time limit.
"""

from __future__ import annotations

import json
import threading
import time

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..problems import CstoKgError
from ..query import reconcile as rc
from .entity import PageReader
from .request_body import MAX_BODY, read_body, strict_params

bp = Blueprint("reconcile", __name__, template_folder="templates")
_lock = threading.Lock()

FORM = "application/x-www-form-urlencoded"
PREVIEW_SIZE = (400, 160)  # width, height of OpenRefine's preview frame


class NotFoundHere(CstoKgError):
    status = 404


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json",
                    headers={"Access-Control-Allow-Origin": "*"})


def index() -> rc.ReconcileIndex:
    """The index of the store's current build, once per build: loaded from the file the build wrote
    beside it (no query), else read from the store (each query under the time limit)."""
    app = current_app._get_current_object()
    store = app.extensions["csto_kg.store"]
    build = store.build_id()
    found = app.extensions.get("csto_kg.reconcile")
    if found is not None and found[0] == build:
        return found[1]
    with _lock:
        found = app.extensions.get("csto_kg.reconcile")
        if found is None or found[0] != build:
            current = store.current_dir() if hasattr(store, "current_dir") else None
            loaded = rc.ReconcileIndex.load(current) if current is not None else None
            if loaded is None:
                from .sparql import runner  # noqa: PLC0415 - the endpoint's own runner

                reader = PageReader(store, runner(app), 0)  # each query under the endpoint's limit
                loaded = rc.ReconcileIndex.read(reader.query)
            found = (build, loaded)
            app.extensions["csto_kg.reconcile"] = found
    return found[1]


def _params():
    """The parameters of the URL and, for a POST, of its form body (read within the body limit, UTF-8 strictly)."""
    params = strict_params(request.environ.get("QUERY_STRING", ""), "the URL's query string")
    if request.method == "POST":
        body = read_body(request, MAX_BODY)
        if body and (request.mimetype or FORM) == FORM:
            params.update(strict_params(body, "the form body"))
        elif body:
            raise rc.BadReconcileRequest(f"the body is {request.mimetype}; send a form ({FORM}) with queries= or extend=")
    return params


def _json_param(params, name: str):
    try:
        return json.loads(params[name])
    except ValueError as err:
        raise rc.BadReconcileRequest(f"{name}: not JSON ({err})") from None


def _deadline() -> float | None:
    limit = int(current_app.config.get("SPARQL_TIME_LIMIT_MS") or 0)
    return time.monotonic() + limit / 1000 if limit else None


def manifest() -> dict:
    root = request.url_root.rstrip("/")
    base = url_for("reconcile.service")
    return {
        "versions": ["0.2"],
        "name": "csto-kg: people, posts, bodies and meetings of intergovernmental organizations",
        "identifierSpace": rc.ID,
        "schemaSpace": rc.PREFIXES["igo"],
        "documentation": root + "/",
        "defaultTypes": [{"id": kind, "name": label} for kind, label in rc.TYPES],
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": root + base + "/preview?id={{id}}", "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
        "suggest": {kind: {"service_url": root, "service_path": f"{base}/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {
            "propose_properties": {"service_url": root, "service_path": base + "/properties"},
            "property_settings": [
                {"name": "date", "label": "On date", "type": "text", "default": "",
                 "help_text": "Posts: only those held on this date (YYYY, YYYY-MM or YYYY-MM-DD)"},
                {"name": "limit", "label": "Limit", "type": "number", "default": 0,
                 "help_text": f"At most this many values per cell (0: up to {rc.MAX_VALUES})"},
            ],
        },
    }


@bp.route("/reconcile", methods=["GET", "POST"])
def service():
    params = _params()
    if "queries" in params:
        return _json(index().reconcile(_json_param(params, "queries"), _deadline()))
    if "extend" in params:
        return _json(index().extend(_json_param(params, "extend"), _deadline()))
    return _json(manifest())


def _limit(params, default: int = 10) -> int:
    try:
        return max(1, min(int(params.get("limit", default)), rc.MAX_LIMIT))
    except ValueError:
        raise rc.BadReconcileRequest("limit: expected a number") from None


@bp.route("/reconcile/suggest/entity")
def suggest_entity():
    params = _params()
    kinds = index()._types(params.get("type") or None, "type")
    return _json({"result": index().suggest_entities(params.get("prefix", ""), kinds, _limit(params))})


@bp.route("/reconcile/suggest/type")
def suggest_type():
    return _json({"result": rc.suggest_types(_params().get("prefix", ""))})


@bp.route("/reconcile/suggest/property")
def suggest_property():
    return _json({"result": rc.suggest_properties(_params().get("prefix", ""))})


@bp.route("/reconcile/properties")
def propose_properties():
    params = _params()
    limit = params.get("limit")
    return _json(rc.propose_properties(params.get("type"), int(limit) if limit and limit.isdigit() else None))


@bp.route("/reconcile/preview")
def preview():
    wanted = _params().get("id", "")
    found = index().preview(wanted)
    if found is None:
        raise NotFoundHere(f"id: no entity {wanted!r}; expected an id such as person/aleksandr-gorovoy")
    page = url_for("pages.resource", rest=found["id"])
    return Response(render_template("reconcile/preview.html", e=found, page=page), content_type="text/html; charset=utf-8")
