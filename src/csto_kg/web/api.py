"""JSON answers to the users' question without SPARQL: ``GET /api/holders?post=SLUG[&on=YYYY-MM-DD][&acting=true]``
and ``GET /api/career?person=SLUG``.

Their queries run as the pages' do: in the endpoint's query workers, all of a request's queries
within one time limit (503 when it runs out), never in the server's own process.
"""

from __future__ import annotations

import re
from typing import Callable

from flask import Blueprint, Response, jsonify, request

from ..problems import QueryTimeout
from ..query import tenures
from ..query.workers import WorkersBusy
from ..records import SLUG
from .entity import PageReader
from .errors import error_response, json_error
from .pages import _reader

bp = Blueprint("api", __name__)

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EXAMPLES = {"post": "csto-secretary-general", "person": "valery-semerikov"}


def _slug(name: str) -> str | None:
    value = request.args.get(name)
    if value is None or not re.fullmatch(SLUG, value):
        return None
    return value


def _answer(kind: str, slug: str, read: Callable[[PageReader], object]) -> Response:
    """``read``'s answer as JSON, its queries run as a page's (in the workers, under one time limit);
    the one error shape for an unknown ``kind`` ``slug`` (404) or a time limit run out (503)."""
    reader = _reader()
    try:
        with reader.page():
            if not tenures.exists(reader, kind, slug):
                return json_error(404, f"no {kind} {slug!r} in this graph; its slug is the last part of its page's "
                                       f"address, e.g. /id/{kind}/{EXAMPLES[kind]}")
            return jsonify(read(reader))
    except (QueryTimeout, WorkersBusy) as err:
        return error_response(err)


@bp.route("/api/holders")
def holders():
    post = _slug("post")
    if post is None:
        return json_error(400, "give the post as post=SLUG (lowercase letters, digits and single hyphens), "
                               "e.g. /api/holders?post=csto-secretary-general&on=2020-06-01")
    day = request.args.get("on")
    if day is not None and not _DAY.fullmatch(day):
        return json_error(400, f"on={day!r} is not a day; expected YYYY-MM-DD, e.g. on=2020-06-01")
    acting = request.args.get("acting", "false")
    if acting not in ("true", "false"):
        return json_error(400, f"acting={acting!r}; expected true or false")
    return _answer("post", post, lambda reader: {"post": post, "on": day, "acting": acting == "true",
                                                 "holders": tenures.holders(reader, post, day, acting == "true")})


@bp.route("/api/career")
def career():
    person = _slug("person")
    if person is None:
        return json_error(400, "give the person as person=SLUG (lowercase letters, digits and single hyphens), "
                               "e.g. /api/career?person=valery-semerikov")
    return _answer("person", person, lambda reader: tenures.career(reader, person))
