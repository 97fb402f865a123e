"""Terms written into SPARQL query text: every query built from a value goes through these.

:func:`iri` writes ``<…>`` and :func:`literal` writes ``"…"`` (with a language tag), so that a
value can only ever be one term of the query: whatever it holds, it cannot end the term early
and add to the query.
"""

from __future__ import annotations

import re

#: Characters the SPARQL 1.1 grammar does not allow inside ``<…>`` (IRIREF): ``<>"{}|^`\`` and the
#: code points U+0000 to U+0020; also the other control characters and lone surrogates, which no
#: IRI holds either.
_NOT_IN_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f-\x9f\ud800-\udfff]')
#: LANGTAG without its ``@``.
_LANGTAG = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
#: What a short string literal (``"…"``) may not hold as it is, and how it is written instead.
_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_LITERAL_SPECIAL = re.compile(r'[\\"\n\r]')


def _percent_encode(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def iri(text: str) -> str:
    """``<text>`` as an IRIREF of a SPARQL query.

    A valid IRI is written as it is. A character no IRI may hold (``<>"{}|^`\\``, spaces,
    control characters, lone surrogates) is percent-encoded (its UTF-8 bytes as ``%XX``): the
    result is still one IRI, which names nothing in the store, so a lookup of it finds nothing.
    """
    return "<" + _NOT_IN_IRIREF.sub(_percent_encode, text) + ">"


def literal(text: str, lang: str | None = None) -> str:
    """``"text"`` (or ``"text"@lang``) as a string literal of a SPARQL query.

    Backslash, double quote, line feed and carriage return are escaped (ECHAR); a language tag
    that is not a LANGTAG raises :class:`ValueError`.
    """
    quoted = '"' + _LITERAL_SPECIAL.sub(lambda m: _LITERAL_ESCAPES[m.group()], text) + '"'
    if lang is None:
        return quoted
    if not _LANGTAG.fullmatch(lang):
        raise ValueError(f"{lang!r} is not a language tag")
    return f"{quoted}@{lang}"


__all__ = ["iri", "literal"]
