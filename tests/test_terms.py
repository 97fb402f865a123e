"""The light RDF terms (csto_kg.graph.terms) and names (csto_kg.graph.names) against rdflib's."""

from __future__ import annotations

import pickle
import warnings

import pytest
import rdflib
from hypothesis import given, settings, strategies as st
from rdflib import Literal as RdflibLiteral, URIRef
from rdflib import namespace as rdflib_namespaces

from csto_kg.graph import names, vocab
from csto_kg.graph.terms import IRI, BlankNode, Literal, from_rdflib, ill_typed, python_value, to_rdflib

XSD = rdflib_namespaces.XSD
#: The datatypes the records make and the shapes name, with those rdflib checks (and the EDTF one).
DATATYPES = [XSD.date, XSD.gYear, XSD.gYearMonth, XSD.integer, XSD.boolean, XSD.string, URIRef(names.EDTF_IRI)]
EXAMPLES = ["2019-02-28", "2019-02-30", "2019-02-29", "2020-02-29", "1900-02-29", "2019-13-01", "2019-00-10",
            "2019-1-01", "2019-01-1", "0000-01-01", "0001-01-01", "-0001-01-01", "+2019-01-01", "12019-01-01",
            "2019-01-01Z", "2019-01-01z", "2019-01-01+03:00", "2019-01-01-05:00", "2019-01-01+3:00", "2019-01-01T10:00",
            " 2019-01-01", "2019-01-01 ", "2019-01-01\n", "2019", "2019-06", "-2019", "0050", "50", "", "1", "0",
            "true", "false", "True", "FALSE", " true", "01", "+5", "-5", "-0", "5 ", " 5", "5\n", "1_000", "٣", "١٢",
            "1e3", "1.0", "2019-W01-1", "2019-001", "20190101", "2019/01/01", "2019-02-28T", "[2017, 2018]", "2018?"]


@pytest.fixture(autouse=True, scope="module")
def _rdflib_as_it_comes():
    """rdflib's own conversions, as a process that checks records has them: OWL-RL (which pySHACL
    imports) replaces some (xsd:gYear, xsd:gYearMonth, ...) and pySHACL xsd:boolean's, for the
    whole process, once they have run."""
    import rdflib.term as rdflib_term

    mapping = rdflib_term._toPythonMapping
    saved = dict(mapping)
    mapping.clear()
    mapping.update(rdflib_term.XSDToPython)
    yield
    mapping.clear()
    mapping.update(saved)


def _verdict(lexical: str, datatype) -> bool | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RdflibLiteral(lexical, datatype=datatype).ill_typed


@pytest.mark.parametrize("datatype", DATATYPES, ids=lambda d: d.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_ill_typed_as_rdflib_on_chosen_forms(datatype):
    for lexical in EXAMPLES:
        assert ill_typed(lexical, str(datatype)) == _verdict(lexical, datatype), lexical
    assert len(EXAMPLES) == 55


_PIECES = st.sampled_from(["0", "1", "2", "9", "00", "12", "29", "30", "31", "2019", "1999", "0000", "-", "+", ":",
                           "Z", "z", "T", " ", "\n", "\t", "true", "false", "٣", ".", "e", "x", "02", "13"])
FORMS = st.one_of(st.lists(_PIECES, max_size=8).map("".join), st.text(max_size=12),
                  st.dates().map(str), st.integers().map(str))


@settings(max_examples=1500, deadline=None)
@given(FORMS, st.sampled_from(DATATYPES))
def test_ill_typed_and_value_as_rdflib_on_generated_forms(lexical, datatype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        literal = RdflibLiteral(lexical, datatype=datatype)
    assert ill_typed(lexical, str(datatype)) == literal.ill_typed
    if datatype in (XSD.date, XSD.integer, XSD.boolean):
        assert python_value(lexical, str(datatype)) == literal.value


def test_terms_convert_both_ways_and_never_meet_rdflib_s():
    cases = [IRI("https://w3id.org/csto-kg/id/person/x"), Literal("x"), Literal("x", language="ru"),
             Literal("5", str(XSD.integer)), Literal("2019", names.XSD.gYear), BlankNode("b0")]
    for term in cases:
        back = to_rdflib(term)
        assert from_rdflib(back) == term and type(from_rdflib(back)) is type(term)
        assert term not in {back} and back != term  # a light term finds nothing among rdflib's terms
        assert pickle.loads(pickle.dumps(term)) == term
    assert Literal("x", language="EN") == Literal("x", language="en")  # tags compare without case
    assert Literal("x") != Literal("x", names.XSD.string) and Literal("x") != IRI("x")
    with pytest.raises(TypeError):
        Literal(5)  # a Python value has no lexical form here
    with pytest.raises(AttributeError):
        Literal("x").lexical = "y"


def test_names_and_vocab_are_the_same_iris_as_rdflib_s_namespaces():
    for prefix in ("DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "TIME", "XSD"):
        assert str(getattr(names, prefix)) == str(getattr(rdflib_namespaces, prefix)) == str(getattr(vocab, prefix))
    assert vocab.PREFIXES is names.PREFIXES
    assert type(names.IGO.Meeting) is IRI and type(vocab.IGO.Meeting) is URIRef and names.IGO.Meeting == str(vocab.IGO.Meeting)
    assert str(vocab.graph_iri("entities/a b")) == names.graph_iri("entities/a b") == "https://w3id.org/csto-kg/graph/entities/a%20b"
    assert type(vocab.graph_iri("x")) is URIRef and type(vocab.expand("igo:State")) is URIRef
    assert rdflib.__version__.startswith("7.")  # the verdicts above are rdflib 7's
