"""The SPARQL 1.1 Protocol's query operation: what a request asks, or why it is malformed."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request

from ..problems import CstoKgError
from ..query.sparql import BadQuery, UpdateRefused
from .request_body import MAX_BODY, read_body, strict_params

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


class MethodNotAllowed(CstoKgError):
    status = 405


class UnsupportedMediaType(CstoKgError):
    status = 415


@dataclass(frozen=True)
class QueryRequest:
    """A query and its protocol dataset; ``query`` is None when the request asks for none."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _charset_is_utf8(request: Request) -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the request body is declared as {charset}; send it as UTF-8 "
                                   f"(Content-Type: {request.mimetype}; charset=UTF-8)")


def _one_query(queries: list[str]) -> str | None:
    if len(queries) > 1:
        raise BadQuery(f"the request has {len(queries)} 'query' parameters; send exactly one")
    return queries[0] if queries else None


def parse(request: Request) -> QueryRequest:
    """The query operation ``request`` asks for; raises a 4xx error for a malformed request.

    ``update`` in any form -- a URL parameter, a form field, an update body -- is refused with 403
    whatever else the request holds; every parameter must be valid UTF-8."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise MethodNotAllowed(f"{request.method} is not supported on /sparql; query with GET or POST "
                               "(this endpoint is read-only)")
    args = strict_params(request.environ.get("QUERY_STRING", ""), "the URL's query string")
    if "update" in args:
        raise UpdateRefused()
    if request.method in ("GET", "HEAD"):
        return QueryRequest(_one_query(args.getlist("query")), tuple(args.getlist("default-graph-uri")),
                            tuple(args.getlist("named-graph-uri")))
    mimetype = request.mimetype
    if mimetype == UPDATE:
        raise UpdateRefused()
    if mimetype == FORM:
        _charset_is_utf8(request)
        form = strict_params(read_body(request, MAX_BODY, "the form"), "the form")
        if "update" in form:
            raise UpdateRefused()
        return QueryRequest(_one_query(form.getlist("query") + args.getlist("query")),
                            tuple(form.getlist("default-graph-uri") + args.getlist("default-graph-uri")),
                            tuple(form.getlist("named-graph-uri") + args.getlist("named-graph-uri")))
    if mimetype == DIRECT:
        _charset_is_utf8(request)
        if "query" in args:
            raise BadQuery("the query is both in the body and in the URL's 'query' parameter; send it once")
        try:
            text = read_body(request, MAX_BODY, "the query").decode("utf-8")
        except UnicodeDecodeError:
            raise BadQuery("the query is not valid UTF-8; send it encoded as UTF-8") from None
        return QueryRequest(text, tuple(args.getlist("default-graph-uri")), tuple(args.getlist("named-graph-uri")))
    given = f"Content-Type {mimetype}" if mimetype else "no Content-Type"
    raise UnsupportedMediaType(f"a POST to /sparql with {given} is not a query; send Content-Type {DIRECT} "
                               f"with the query as the body, or {FORM} with a 'query' field")
