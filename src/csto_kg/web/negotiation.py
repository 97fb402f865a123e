"""Content negotiation for resource IRIs: HTML for people, RDF for programs.

A format is chosen by the path's suffix (``.html``, ``.ttl``, ``.nt``, ``.jsonld``,
``.rdf``) when there is one, otherwise by the ``Accept`` header. No Flask request objects
here: callers pass the header's value (a :class:`werkzeug.datastructures.MIMEAccept`).
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from ..query.describe import RDF_FORMATS, SUFFIXES

HTML = "html"
#: Media types a client may ask for -> format name; the first of each format is what is sent.
MEDIA_TYPES = {
    "text/html": HTML,
    "application/xhtml+xml": HTML,
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
}
SUFFIX_FORMATS = {"html": HTML, **SUFFIXES}
FORMAT_SUFFIX = {HTML: "html", **{name: suffix for name, (_, _, suffix) in RDF_FORMATS.items()}}


def media_type(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == HTML else RDF_FORMATS[fmt][1]


def split_suffix(path: str) -> tuple[str, str | None]:
    """``person/x.ttl`` -> (``person/x``, ``turtle``); ``person/x`` -> (``person/x``, None).

    Slugs never hold a dot, so a dot always starts a suffix; an unknown suffix gives
    the format ``""``.
    """
    head, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        return path, None
    return head, SUFFIX_FORMATS.get(suffix, "")


def choose(accept: MIMEAccept) -> str | None:
    """The format that best fits ``accept``; HTML when the client takes anything; None if nothing fits."""
    if not accept:
        return HTML
    best = accept.best_match(list(MEDIA_TYPES))
    return MEDIA_TYPES[best] if best else None


def alternates(path: str) -> str:
    """A ``Link`` header value naming every representation of the resource at ``path``."""
    links = [f'<{path}.{FORMAT_SUFFIX[HTML]}>; rel="alternate"; type="text/html"']
    links += [f'<{path}.{suffix}>; rel="alternate"; type="{mime}"' for _, mime, suffix in RDF_FORMATS.values()]
    return ", ".join(links)


def acceptable() -> str:
    """The media types this server can send, for a 406 message."""
    return ", ".join(MEDIA_TYPES)
