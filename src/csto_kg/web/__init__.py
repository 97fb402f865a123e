"""The Flask application: the SPARQL endpoint and pages for people."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .. import settings
from ..problems import CstoKgError
from ..store.opening import open_store
from .errors import error_response, json_error
from .headers import SecurityHeaders
from .pages import bp as pages_bp
from .api import bp as api_bp
from .reconcile import bp as reconcile_bp
from .request_body import MAX_BODY, strict_params
from .sparql import SparqlDispatch
from .sparql import bp as sparql_bp
from .validation import bp as validation_bp
from .drafting import bp as drafting_bp

API_PATHS = ("/sparql", "/validate", "/api", "/healthz", "/reconcile")  # where every error is JSON of one shape


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app; settings come from the environment (the settings table's ``config`` keys:
    STORE, DATA, SPARQL_TIME_LIMIT_MS, ...), then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(
        settings.app_config(),
        MAX_CONTENT_LENGTH=MAX_BODY,  # werkzeug refuses a longer body (chunked too) while reading it
    )
    if test_config:
        app.config.from_mapping(test_config)
    # a store that enforces a time limit itself (a remote one) holds queries to the app's
    app.extensions["csto_kg.store"] = open_store(app.config["STORE"], time_limit_ms=app.config["SPARQL_TIME_LIMIT_MS"])

    app.register_blueprint(sparql_bp)
    # /sparql answered without Flask's per-request work; every answer gets the security headers
    app.wsgi_app = SecurityHeaders(SparqlDispatch(app, app.wsgi_app))
    app.register_blueprint(validation_bp)
    app.register_blueprint(drafting_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reconcile_bp)

    @app.before_request
    def parameters_are_utf8() -> None:
        """A query string that is not UTF-8 is refused everywhere (400), never read with U+FFFD in its place."""
        strict_params(request.environ.get("QUERY_STRING", ""), "the URL's query string")

    @app.errorhandler(CstoKgError)
    def handle_error(err: CstoKgError):
        return error_response(err)

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        """Errors of the routing layer (404, 405, 413, ...) as JSON under the API paths, as pages elsewhere."""
        if not request.path.startswith(API_PATHS):
            return err
        allow = {"Allow": ", ".join(getattr(err, "valid_methods", None) or ())} if err.code == 405 else None
        return json_error(err.code or 500, _api_message(err), allow)

    return app


def _api_message(err: HTTPException) -> str:
    if err.code == 405:
        allowed = ", ".join(sorted(m for m in (getattr(err, "valid_methods", None) or ()) if m not in ("HEAD", "OPTIONS")))
        return f"{request.method} is not supported on {request.path}; use {allowed or 'another method'}"
    if err.code == 404:
        return f"{request.path} is not an address of this server; see / for what it serves"
    if err.code == 413:
        return f"the request body is larger than {MAX_BODY:,} bytes, the most this server takes"
    return err.description or err.name
