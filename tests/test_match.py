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


# -- names as users type them (the reconciliation service's matcher) --------------------------

from csto_kg.records.match import NameIndex, fold, lemmas, name, name_score  # noqa: E402

#: the transliterations of one name fold to one spelling
FOLDED = {
    "Gorovoy": "gorovoi", "Gorovoi": "gorovoi", "Gorovoj": "gorovoi", "Горовой": "gorovoi",
    "Khachaturov": "hachaturov", "Хачатуров": "hachaturov", "Chatschaturow": "hachaturov",
    "Yuriy": "iuri", "Yuri": "iuri", "Iurii": "iuri", "Юрий": "iuri",
    "Aleksandr": "aleksandr", "Alexandr": "aleksandr", "Александр": "aleksandr",
    "Bordyuzha": "bordiuza", "Бордюжа": "bordiuza", "Bordjuzha": "bordiuza",
}


def test_fold_unites_transliterations():
    wrong = {text: fold(text) for text, want in FOLDED.items() if fold(text) != want}
    # German Ch for Х is not folded (ch is also Ч); the rest are
    assert wrong == {"Chatschaturow": fold("Chatschaturow")} and len(FOLDED) == 17


def test_russian_words_are_matched_in_any_case():
    assert "kazakova" in lemmas("Казаковой") and "kazakov" in lemmas("Казаковой")  # the name keeps its gender
    assert "aleksandr" in lemmas("Александра") and lemmas("Gorovoy") == {"gorovoi"}
    assert (name("Казакова В.Л.").words, name("Казакова В.Л.").initials) == (("kazakova",), ("v", "l")) == \
        (name("Kazakova V. L.").words, name("Kazakova V. L.").initials)
    assert name("Gorovoy, A.").initials == ("a",) and name("Gorovoy, A.").words == ("gorovoi",)


# query, label -> the least and the most the score may be
SCORES = {
    ("Aleksandr Gorovoy", "Aleksandr Gorovoy"): (1.0, 1.0),
    ("Gorovoy, Aleksandr", "Aleksandr Gorovoy"): (1.0, 1.0),  # inverted order
    ("Gorovoi Aleksandr", "Aleksandr Gorovoy"): (1.0, 1.0),  # another transliteration
    ("Горовой Александр", "Aleksandr Gorovoy"): (1.0, 1.0),  # Cyrillic
    ("Горового Александра", "Aleksandr Gorovoy"): (0.95, 1.0),  # inflected (genitive)
    ("Gorovoy A.", "Aleksandr Gorovoy"): (0.95, 0.97),  # initials: below the full name
    ("A. Gorovoy", "Aleksandr Gorovoy"): (0.95, 0.97),
    ("Казакова В.Л.", "Valentina Kazakova"): (0.95, 0.97),  # a patronymic's initial the label lacks
    ("Казаковой В.", "Valentina Kazakova"): (0.9, 0.97),
    ("Gorovoy B.", "Aleksandr Gorovoy"): (0.4, 0.6),  # the initial disagrees
    ("Gorovoy", "Aleksandr Gorovoy"): (0.65, 0.75),  # a surname alone: a part of the name
    ("Gorovy Aleksandr", "Aleksandr Gorovoy"): (0.85, 0.99),  # a typo
    ("Kazakova", "Aleksandr Gorovoy"): (0.0, 0.5),
    ("Secretary General", "Deputy Secretary General"): (0.75, 0.9),  # a word more: another post
    ("Dmitri Peskov", "Dmitry Peskov"): (1.0, 1.0),
    ("Synthetic Person 12", "Synthetic Person 123"): (0.0, 0.85),  # a number is equal or not
    ("", "Aleksandr Gorovoy"): (0.0, 0.0),
}


@pytest.mark.parametrize("query, label", sorted(SCORES))
def test_name_score(query, label):
    least, most = SCORES[(query, label)]
    assert least <= name_score(query, label) <= most


def test_name_score_cases():
    assert len(SCORES) == 17


def test_name_index_finds_real_people_by_what_users_type():
    entities = read_records(DATA).entities
    people = [(str(e.slug), str(text)) for e in entities if e.kind == "person"
              for text in [*e.labels.pref.values(), *(t for alts in e.labels.alt.values() for t in alts)]]
    index = NameIndex(people)
    found = {q: [h.key for h in index.search(q, limit=2)] for q in
             ("Gorovoy A.", "Казакова В.Л.", "Gorovoy, Aleksandr", "Горового", "Bordjuzha", "Khachaturov Yuriy")}
    assert {q: keys[0] for q, keys in found.items()} == {
        "Gorovoy A.": "aleksandr-gorovoy", "Казакова В.Л.": "valentina-kazakova",
        "Gorovoy, Aleksandr": "aleksandr-gorovoy", "Горового": "aleksandr-gorovoy",
        "Bordjuzha": "nikolai-bordyuzha", "Khachaturov Yuriy": "yuri-khachaturov"}
    assert index.search("zzzz qqqq") == [] and index.search("") == []
    # a key is found once, by its best name; accept filters keys
    assert len({h.key for h in index.search("Aleksandr Gorovoy", limit=5)}) == len(index.search("Aleksandr Gorovoy", limit=5))
    assert all(h.key != "aleksandr-gorovoy" for h in index.search("Gorovoy", accept=lambda k: k != "aleksandr-gorovoy"))


def test_name_index_finds_one_among_many_by_a_rare_word():
    index = NameIndex((n, f"Synthetic Person {n}") for n in range(5000))
    assert [h.key for h in index.search("Synthetic Person 1234", limit=1)] == [1234]
    assert index.search("Synthetic Persn 1234", limit=1)[0].key == 1234  # a typo in a common word


def test_name_scores_are_name_score_over_many_names():
    """The batch scorer the index uses gives exactly name_score's numbers: every query of SCORES and
    every real entity's label typed the ways a spreadsheet has it, against every real label."""
    from csto_kg.records.match import name_scores  # noqa: PLC0415

    entities = read_records(DATA).entities
    labels = sorted({str(t) for e in entities for t in [*e.labels.pref.values(), *(t for a in e.labels.alt.values() for t in a)]})
    names = [name(t) for t in [*labels, "", "12", "Synthetic Person 123", "A."]]
    queries = {q for q, _ in SCORES} | {"Gorovoy A.", "Казакова В.Л.", "Горового", "A.", "12", "Person 12 S."}
    queries |= {variant for text in labels[::7] for variant in
                (text.upper(), " ".join(text.split()[1:]) + ", " + text.split()[0], text.split()[-1] + f" {text[0]}.")}
    for query in sorted(queries):
        assert name_scores(query, names) == [name_score(query, n) for n in names], query
    assert len(names) > 300 and len(queries) > 100


def _typos(text: str) -> list[str]:
    """``text`` and what a hurried hand makes of it: a letter dropped, doubled, swapped, a word left out."""
    words = text.split("-")
    found = [text, text[:-1], text[1:], text + "s", text[:3] + text[4:]]
    if len(text) > 4:
        found.append(text[:2] + text[3] + text[2] + text[4:])
    found += ["-".join(words[:-1]), "-".join(words[1:]), words[0], words[-1], "-".join(reversed(words))]
    return [t for t in dict.fromkeys(found) if t]


def test_a_slug_index_matches_as_close_matches_over_all_candidates():
    from csto_kg.records.match import SlugIndex  # noqa: PLC0415

    by_kind: dict[str, list[Candidate]] = {}
    for slug, e in INDEX.by_slug.items():
        by_kind.setdefault(e.kind, []).append(candidate(slug, e.kind, e.labels.pref.values(),
                                                        (t for texts in e.labels.alt.values() for t in texts)))
    cases = 0
    for kind, candidates in sorted(by_kind.items()):
        index = SlugIndex(candidates)
        wanted = {t for c in candidates for t in _typos(c.slug)}
        wanted |= {t for c in candidates for _, text in c.names for t in _typos(slug_form(text)) if slug_form(text)}
        for w in sorted(wanted):
            assert index.close_matches(w, n=5) == close_matches(w, candidates, n=5), (kind, w)
            cases += 1
    assert cases > 2000
