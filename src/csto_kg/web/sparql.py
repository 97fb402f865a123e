"""``/sparql``: the SPARQL endpoint."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..sparql import BadQuery, run, serialize

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET"])
def sparql() -> Response:
    queries = request.args.getlist("query")
    if len(queries) != 1:
        raise BadQuery("give exactly one 'query' parameter")
    result = run(current_app.extensions["csto_kg.store"], queries[0])
    if result.kind == "graph":
        return Response(serialize(result, "ntriples"), mimetype="application/n-triples")
    return Response(serialize(result, "json"), mimetype="application/sparql-results+json")
