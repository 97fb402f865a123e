"""Near matches of an unknown slug: by slug, label and alternative labels, Cyrillic ones included."""

from __future__ import annotations

import pytest

from csto_kg.records import EntityIndex, read_records
from csto_kg.records.match import Candidate, UNNAMED_KINDS, candidate, close_matches, did_you_mean, latin, slug_form

from .conftest import DATA

INDEX = EntityIndex(read_records(DATA).entities)

# an unknown slug, the kinds it may name -> the hint the real entities give
REAL = {
    ("csto-ksbnm", ("body",)): " (did you mean 'csto-ccim' (alt label KSBNM)?)",  # the council's own acronym
    ("ksbnm", ("body",)): " (did you mean 'csto-ccim' (alt label KSBNM)?)",
    ("csto-ksbmn", ("body",)): " (did you mean 'csto-ccim' (alt label KSBNM)?)",  # a near match of the acronym
    ("csbnm", ("body",)): " (did you mean 'csto-ccim' (alt label CSBNM)?)",
    ("csto-cfm-council", ("body",)): " (did you mean 'csto-cfm'?)",  # part of the slug is the slug: no label needed
    ("russian-federation", ("state", "organization")): " (did you mean 'russia' (alt label Russian Federation)?)",
    ("rusia", ("state", "organization")): " (did you mean 'russia'?)",  # a typo of the slug names the slug
    ("aleksandr-gorovoi", ("person",)): " (did you mean 'aleksandr-gorovoy' (alt label Aleksandr Gorovoi)?)",
    ("mia-en-2019-06-21-ccim22", ("source",)): " (did you mean 'mia-en-2019-06-21-ccim-22'?)",
    ("csto-ccim-chair", ("post",)): " (did you mean 'csto-ccim-chairman'?)",
    ("zzzz", ("state", "organization")): "",  # nothing close: no hint
}


@pytest.mark.parametrize("wanted, kinds", sorted(REAL), ids=lambda v: v if isinstance(v, str) else "|".join(v))
def test_near_matches_among_the_real_entities(wanted, kinds):
    assert INDEX.suggest(wanted, kinds) == REAL[(wanted, kinds)]


def test_real_cases_count():
    assert len(REAL) == 11


def test_cyrillic_labels_are_compared_through_a_transliteration():
    council = Candidate("csto-ccim", (("alt label", "КСБНМ"), ("label", "Координационный совет")))
    other = Candidate("csto-csc", (("alt label", "CSC"),))
    assert did_you_mean(close_matches("csto-ksbnm", [other, council])) == " (did you mean 'csto-ccim' (alt label КСБНМ)?)"
    assert close_matches("koordinatsionnyy-sovet", [other, council])[0].why == "label Координационный совет"


def test_slug_form():
    assert slug_form("КСБНМ") == "ksbnm"
    assert slug_form("Российская Федерация") == "rossiyskaya-federatsiya"
    assert slug_form("Cholpon-Ata") == "cholpon-ata"
    assert slug_form("Réunion (Île)") == "reunion-ile"
    assert slug_form("Щёлково, Қазақстан") == "shchelkovo-kazakstan"
    assert slug_form("—") == ""
    # every letter of the Russian alphabet becomes ASCII (or nothing: ъ, ь)
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    assert all(latin(c).isascii() and (latin(c) or c.lower() in "ъь") for c in alphabet + alphabet.upper())


def test_ranking():
    exact_label = Candidate("a-council", (("alt label", "XYZ Council"),))
    near_slug = Candidate("xyz-counci", ())
    # an exact name beats a near slug; a tie goes to the slug, which then needs no reason
    assert [str(m) for m in close_matches("xyz-council", [near_slug, exact_label], n=2)] == \
        ["'a-council' (alt label XYZ Council)", "'xyz-counci'"]
    same = Candidate("belarus", (("label", "Belarus"),))
    assert str(close_matches("belarus-x", [same])[0]) == "'belarus'"
    # the known slug itself is never suggested; nothing under the cutoff is
    assert close_matches("belarus", [same]) == [] and close_matches("q", [same]) == []
    # ties between candidates: by slug
    assert [m.slug for m in close_matches("ab-x", [Candidate("ab-y"), Candidate("ab-z")], n=2)] == ["ab-y", "ab-z"]


def test_sources_and_holdings_are_matched_by_slug_only():
    """Their labels are optional descriptions (the graph makes one up when there is none)."""
    assert set(UNNAMED_KINDS) == {"source", "post-holding", "rank-holding"}
    for kind in UNNAMED_KINDS:
        assert candidate("x", kind, ["KSBNM report"], ["KSBNM"]).names == ()
    assert candidate("x", "body", ["B"], ["KSBNM"]).names == (("alt label", "KSBNM"), ("label", "B"))


def test_a_short_word_matches_a_name_only_exactly():
    """Short words are close to too many short names: ``mia`` is not ``MWIA``; ``ksbmn`` is near ``KSBNM``."""
    acronyms = [Candidate("x-agency", (("alt label", "MWIA"),)), Candidate("y-council", (("alt label", "KSBNM"),))]
    assert close_matches("mia-en-2019-report", acronyms) == []
    assert [m.slug for m in close_matches("mia-ksbmn", acronyms)] == ["y-council"]
    assert [m.slug for m in close_matches("csto-mwia", acronyms)] == ["x-agency"]  # exactly: fine
