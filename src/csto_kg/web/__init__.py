"""The Flask application: the SPARQL endpoint and pages for people."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, jsonify

from .. import settings
from ..problems import CstoKgError
from ..store import open_store


def error_body(status: int, message: str, **extra: Any) -> dict:
    """The one shape of every JSON error the app returns."""
    return {"ok": False, "status": status, "error": message, **extra}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app; settings come from the environment, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(
        STORE=settings.get("CSTO_KG_STORE"),
        DATA=settings.get("CSTO_KG_DATA"),
        SPARQL_TIME_LIMIT_MS=settings.get_int("CSTO_KG_SPARQL_TIME_LIMIT_MS"),
        SPARQL_MAX_ROWS=settings.get_int("CSTO_KG_SPARQL_MAX_ROWS"),
        SPARQL_WORKERS=settings.get_int("CSTO_KG_SPARQL_WORKERS"),
        SERVICE_ALLOW=settings.get("CSTO_KG_SERVICE_ALLOW"),
        BASE_IRI=settings.get("CSTO_KG_BASE_IRI"),
    )
    if test_config:
        app.config.from_mapping(test_config)
    store = app.extensions["csto_kg.store"] = open_store(app.config["STORE"])
    if hasattr(store, "time_limit_ms"):  # a remote store enforces the app's limit on its side too
        store.time_limit_ms = app.config["SPARQL_TIME_LIMIT_MS"]

    from .headers import SecurityHeaders
    from .sparql import SparqlDispatch
    from .sparql import bp as sparql_bp

    app.register_blueprint(sparql_bp)
    # /sparql answered without Flask's per-request work; every answer gets the security headers
    app.wsgi_app = SecurityHeaders(SparqlDispatch(app, app.wsgi_app))

    from .pages import bp as pages_bp
    from .validation import bp as validation_bp

    app.register_blueprint(validation_bp)

    app.register_blueprint(pages_bp)

    @app.errorhandler(CstoKgError)
    def handle_error(err: CstoKgError):
        return jsonify(error_body(err.status, err.message)), err.status

    return app
