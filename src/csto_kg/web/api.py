"""JSON answers to the users' question without SPARQL: ``GET /api/holders?post=SLUG[&on=YYYY-MM-DD][&acting=true]``
and ``GET /api/career?person=SLUG``.

Their queries run as the pages' do: in the endpoint's query workers, all of a request's queries
within one time limit (503 when it runs out), never in the server's own process.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from ..problems import QueryTimeout
from ..query import tenures
from ..query.workers import WorkersBusy
from ..records import SLUG
from .pages import _reader

bp = Blueprint("api", __name__)

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _problem(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _slug(name: str) -> str | None:
    value = request.args.get(name)
    if value is None or not re.fullmatch(SLUG, value):
        return None
    return value


@bp.route("/api/holders")
def holders():
    post = _slug("post")
    if post is None:
        return _problem(400, "give the post as post=SLUG (lowercase letters, digits and single hyphens), "
                             "e.g. /api/holders?post=csto-secretary-general&on=2020-06-01")
    day = request.args.get("on")
    if day is not None and not _DAY.fullmatch(day):
        return _problem(400, f"on={day!r} is not a day; expected YYYY-MM-DD, e.g. on=2020-06-01")
    acting = request.args.get("acting", "false")
    if acting not in ("true", "false"):
        return _problem(400, f"acting={acting!r}; expected true or false")
    reader = _reader()
    try:
        with reader.page():
            if not tenures.exists(reader, "post", post):
                return _problem(404, f"no post {post!r} in this graph; a post's slug is the last part of its page's address, e.g. csto-secretary-general")
            found = tenures.holders(reader, post, day, acting == "true")
    except (QueryTimeout, WorkersBusy) as err:
        return _problem(503, getattr(err, "message", None) or str(err))
    return jsonify({"post": post, "on": day, "acting": acting == "true", "holders": found})


@bp.route("/api/career")
def career():
    person = _slug("person")
    if person is None:
        return _problem(400, "give the person as person=SLUG (lowercase letters, digits and single hyphens), "
                             "e.g. /api/career?person=valery-semerikov")
    reader = _reader()
    try:
        with reader.page():
            if not tenures.exists(reader, "person", person):
                return _problem(404, f"no person {person!r} in this graph")
            found = tenures.career(reader, person)
    except (QueryTimeout, WorkersBusy) as err:
        return _problem(503, getattr(err, "message", None) or str(err))
    return jsonify(found)
