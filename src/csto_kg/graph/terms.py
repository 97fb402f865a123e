"""Light RDF terms: the IRIs, literals and blank nodes the records' graphs and the compiled checker
hold, without rdflib (importing rdflib costs a command like ``csto-kg validate`` most of its time).

:class:`IRI` is a ``str`` (it compares and hashes as its text); :class:`Literal` holds a lexical form
and a datatype IRI or a language tag. Neither is an rdflib term, and rdflib's terms compare equal
only with their own kind: a light term looked up in an rdflib graph finds nothing. Code that makes
an rdflib graph converts explicitly (:func:`to_rdflib`, :func:`from_rdflib`).
"""

from __future__ import annotations

import datetime as dt
import re

#: Changes when the terms change in a way a pickle of them (the validator's cache) would notice.
VERSION = 1

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"


class _Text(str):
    """A term that is its text, as a ``str``; shown and pickled as its own kind."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"

    def __reduce__(self):
        return type(self), (str(self),)


class IRI(_Text):
    """An IRI: its text, as a ``str``."""

    __slots__ = ()


class BlankNode(_Text):
    """A blank node, by its label (the records make none; a shapes graph has them)."""

    __slots__ = ()


class Literal:
    """A literal: its lexical form, and a datatype IRI (None for a plain literal) or a language tag.

    Immutable and hashable; equal to a literal of the same form, datatype and language (the tag
    compared without case, as RDF does). ``str()`` of it is its lexical form."""

    __slots__ = ("lexical", "datatype", "language", "_hash")

    def __init__(self, lexical: str, datatype: str | None = None, language: str | None = None, *,
                 lang: str | None = None):
        language = language or lang  # ``lang=``, as rdflib's Literal is called
        if language is not None and datatype is not None:
            raise TypeError("a literal has a datatype or a language, not both")
        if not isinstance(lexical, str):  # a Python value has no lexical form here: make one (as rdfize does)
            raise TypeError(f"a Literal's lexical form is a str, not {type(lexical).__name__}")
        setter = object.__setattr__
        setter(self, "lexical", str(lexical))
        setter(self, "datatype", None if datatype is None else IRI(datatype))
        setter(self, "language", language or None)
        setter(self, "_hash", None)

    def __setattr__(self, name, value):
        raise AttributeError("a Literal is immutable")

    def _key(self) -> tuple:
        return (self.lexical, self.datatype, None if self.language is None else self.language.lower())

    def __eq__(self, other: object) -> bool:
        if type(other) is not Literal:
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        found = self._hash
        if found is None:
            found = hash(("Literal",) + self._key())
            object.__setattr__(self, "_hash", found)
        return found

    def __str__(self) -> str:
        return self.lexical

    def __repr__(self) -> str:
        extra = f", language={self.language!r}" if self.language else f", datatype={self.datatype!r}" if self.datatype else ""
        return f"Literal({self.lexical!r}{extra})"

    def __reduce__(self):
        return Literal, (self.lexical, self.datatype, self.language)

    @property
    def ill_typed(self) -> bool | None:
        """As rdflib's ``Literal.ill_typed`` (:func:`ill_typed`)."""
        return ill_typed(self.lexical, self.datatype)

    def to_python(self):
        """As rdflib's ``Literal.toPython()`` for the datatypes :func:`python_value` knows; the literal
        itself otherwise."""
        value = python_value(self.lexical, self.datatype)
        return self if value is None else value


Term = IRI | BlankNode | Literal


# -- what rdflib 7 makes of a lexical form of the datatypes the records and the shapes use

_DATE_OFFSET = re.compile(r"[-+]\d{2}:\d{2}$")


def _xsd_date(text: str) -> dt.date:
    """An xsd:date's value as rdflib reads it: a time zone and a time part dropped, ISO 8601's
    calendar date (``date.fromisoformat``) for the rest; ValueError if there is none."""
    if text.endswith(("Z", "z")):
        text = text[:-1]
    minus = text.startswith("-")
    if minus:
        text = text[1:]
    if "T" in text:
        text = text.split("T")[0]
    else:
        plus = text.rfind("+")
        if plus > 0:
            text = text[:plus]
        else:
            parts = text.rsplit("-", 1)
            if len(parts) > 1 and ":" in parts[-1]:
                text = parts[0]
    if "-" not in text:
        raise ValueError("an xsd:date has dashes")
    return dt.date.fromisoformat("-" + text if minus else text)


def _boolean(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in ("1", "true") else False if lowered in ("0", "false") else None


def python_value(lexical: str, datatype: str | None):
    """The value rdflib gives a literal of these datatypes (``Literal.value``): an int for
    xsd:integer, a date for xsd:date, a bool for xsd:boolean; None for a form it cannot read
    and for every other datatype (xsd:gYear and xsd:gYearMonth included: rdflib gives them no value)."""
    try:
        if datatype == _XSD + "integer":
            return int(lexical)
        if datatype == _XSD + "date":
            return _xsd_date(lexical)
    except ValueError:
        return None
    if datatype == _XSD + "boolean":
        value = _boolean(lexical)
        return False if value is None else value  # rdflib reads a form it does not know as false
    return None


def ill_typed(lexical: str, datatype: str | None) -> bool | None:
    """rdflib 7's verdict on a literal (``Literal.ill_typed``) for the datatypes the records and the
    shapes use: True when its lexical form is not one of the datatype's, False when it is, None for
    a datatype rdflib does not check (a plain or language-tagged literal, xsd:gYear, xsd:gYearMonth,
    the EDTF datatype)."""
    if datatype == _XSD + "boolean":
        return lexical not in ("true", "false", "1", "0")
    if datatype in (_XSD + "integer", _XSD + "date"):
        return python_value(lexical, datatype) is None
    if datatype == _XSD_STRING:
        return False
    return None


# -- conversions, where an rdflib graph is really made

def to_rdflib(term):
    """The rdflib term of a light term (an rdflib term is returned as it is)."""
    from rdflib import BNode, Literal as RdflibLiteral, URIRef  # noqa: PLC0415 - only where rdflib is used anyway

    kind = type(term)
    if kind is IRI:
        return str.__new__(URIRef, term)  # built from checked parts: no re-validation (as vocab.iri)
    if kind is Literal:
        if term.language is not None:
            return RdflibLiteral(term.lexical, lang=term.language)
        return RdflibLiteral(term.lexical, datatype=None if term.datatype is None else URIRef(term.datatype))
    if kind is BlankNode:
        return BNode(term)
    if term is None or isinstance(term, (URIRef, RdflibLiteral, BNode)):
        return term
    if isinstance(term, str):
        return URIRef(term)
    raise TypeError(f"no rdflib term for {term!r}")


def from_rdflib(node):
    """The light term of an rdflib term (None stays None)."""
    from rdflib import BNode, Literal as RdflibLiteral, URIRef  # noqa: PLC0415

    if node is None:
        return None
    if isinstance(node, URIRef):
        return IRI(node)
    if isinstance(node, RdflibLiteral):
        return Literal(str(node), node.datatype, node.language)
    if isinstance(node, BNode):
        return BlankNode(node)
    if isinstance(node, (IRI, Literal, BlankNode)):
        return node
    raise TypeError(f"no light term for {node!r}")


def to_rdflib_triple(triple: tuple) -> tuple:
    return (to_rdflib(triple[0]), to_rdflib(triple[1]), to_rdflib(triple[2]))


def from_rdflib_triple(triple: tuple) -> tuple:
    return (from_rdflib(triple[0]), from_rdflib(triple[1]), from_rdflib(triple[2]))
