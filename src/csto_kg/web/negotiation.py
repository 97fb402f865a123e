"""Content negotiation for resource IRIs: HTML for people, RDF for programs.

A format is chosen by the path's suffix (``.html`` or a suffix of an RDF format of
:data:`csto_kg.graph.formats.FORMATS`: ``.ttl``, ``.nt``, ``.jsonld``, …) when there is one,
otherwise by the ``Accept`` header with :func:`csto_kg.graph.formats.negotiate`, the rule the
endpoint uses. No Flask request objects here: callers pass the header's value.
"""

from __future__ import annotations

from ..graph.formats import RDF_FORMATS, Choice, Format, acceptable as acceptable_types, by_suffix, negotiate

HTML = Format("html", "HTML", ("text/html", "application/xhtml+xml"), ("html",), kind="page")
#: What a resource IRI can be answered with, in the order the server prefers: a page, then RDF.
PAGE_FORMATS = (HTML, *RDF_FORMATS)


def split_suffix(path: str) -> tuple[str, Format | None | str]:
    """``person/x.ttl`` -> (``person/x``, Turtle); ``person/x`` -> (``person/x``, None).

    Slugs never hold a dot, so a dot always starts a suffix; an unknown suffix gives
    the format ``""``.
    """
    head, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        return path, None
    return head, for_suffix(suffix) or ""


def for_suffix(suffix: str) -> Format | None:
    """The format of a resource document with the suffix ``suffix`` (no dot), or None."""
    return by_suffix(suffix, PAGE_FORMATS)


def choose(accept: str | None) -> Choice:
    """The format that best fits ``accept`` (HTML when the client takes anything); raises
    :class:`~csto_kg.graph.formats.NotAcceptable` when none does."""
    return negotiate(accept, PAGE_FORMATS)


def suffixes() -> str:
    """The suffixes a resource IRI takes, for a message: ``.html, .ttl, … or .rdf``."""
    names = [f".{fmt.suffix}" for fmt in PAGE_FORMATS]
    return ", ".join(names[:-1]) + " or " + names[-1]


def alternates(path: str) -> str:
    """A ``Link`` header value naming every representation of the resource at ``path``."""
    return ", ".join(f'<{path}.{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"' for fmt in PAGE_FORMATS)


def acceptable() -> str:
    """The media types this server can send for a resource, for a 406 message."""
    return ", ".join(acceptable_types(PAGE_FORMATS))
