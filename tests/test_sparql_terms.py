"""IRIs and literals written into SPARQL query text: one term, whatever the value holds."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csto_kg.graph.sparql_terms import iri, literal

#: IRIREF of the SPARQL 1.1 grammar.
IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
FORBIDDEN = '<>"{}|^`\\ \t\n\r\x00\x7f\x85'
BASE = "http://example.org/"
STORE = ox.Store()


def one_value(term: str):
    """The value ``term`` has in a query, which must be one term: one row, one value."""
    solutions = list(STORE.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {term} }} }}"))
    assert len(solutions) == 1
    return solutions[0]["x"]


@given(st.text())
def test_any_text_makes_one_iriref(text):
    written = iri(text)
    assert IRIREF.fullmatch(written)
    written.encode("utf-8")  # lone surrogates are encoded too


@given(st.text(alphabet=st.characters(blacklist_characters=FORBIDDEN, blacklist_categories=("Cs", "Cc"))))
def test_a_valid_iri_is_written_as_it_is(text):
    assert iri(BASE + text) == f"<{BASE}{text}>"


# characters an IRI path may hold (RFC 3987) and characters no IRI may hold
PATH = st.text(alphabet=st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@/é") + list(FORBIDDEN) + ["\u2028"]))


@given(PATH)
def test_the_store_reads_one_iri_with_the_forbidden_characters_percent_encoded(text):
    value = one_value(iri(BASE + text))
    assert isinstance(value, ox.NamedNode)
    expected = "".join(c if c not in FORBIDDEN else "".join(f"%{b:02X}" for b in c.encode()) for c in text)
    assert value.value == BASE + expected


@pytest.mark.parametrize("attack", [
    "x> ?p ?o } UNION { ?s ?p ?o",
    'x" } UNION { ?s ?p ?o . FILTER("',
    "x\\u003E ?p ?o",
    "x>\n} ; DROP ALL ; SELECT * WHERE { <y",
    "\x00",
])
def test_an_attack_stays_inside_the_iri(attack):
    written = iri(BASE + attack)
    assert written.count("<") == 1 and written.count(">") == 1
    value = one_value(written)
    assert value.value.startswith(BASE) and " " not in value.value


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_a_literal_reads_back_as_the_same_text(text):
    value = one_value(literal(text))
    assert isinstance(value, ox.Literal) and value.value == text and value.language is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
       st.from_regex(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2}|-[0-9]{3})?", fullmatch=True))
def test_a_literal_with_a_language_reads_back(text, lang):
    value = one_value(literal(text, lang))
    assert value.value == text and value.language == lang.lower()  # the store writes tags in lower case


@pytest.mark.parametrize("lang", ["", "en fr", "en\n", "en@x", "en'", '"', "en-", "-en", "én"])
def test_a_bad_language_tag_is_refused(lang):
    with pytest.raises(ValueError):
        literal("x", lang)
