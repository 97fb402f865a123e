"""Near matches of a mistyped or guessed slug: the one matcher behind every "did you mean".

An unknown reference in a record, a slug given to ``csto-kg new meeting`` and an IRI that names
nothing (the pages' 404) are compared with each known entity's slug, label and alternative labels
in every language. A label is compared in its slug form: Cyrillic transliterated to Latin, accents
dropped, lowercase, every run of other characters one hyphen (``КСБНМ`` -> ``ksbnm``,
``Cholpon-Ata`` -> ``cholpon-ata``). A label also matches part of the slug, a run of its
hyphen-separated words: ``csto-ksbnm`` names the council whose acronym is ``KSBNM``.

Sources and holdings are matched by slug only: their labels are optional descriptions, and the
graph makes one up when a record gives none, which would make the store's answer differ from the
files'.

Imports only the standard library.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

#: Kinds whose label is an optional description rather than a name: matched by slug only.
UNNAMED_KINDS = ("source", "post-holding", "rank-holding")
#: What a match of part of the slug counts, against a match of the whole (a label matching all of
#: ``ksbnm`` in ``csto-ksbnm`` ranks above a slug that shares ``csto-``, below an exact label).
PART_WEIGHT = 0.95
#: A word of the slug nearly matches a name (``ksbmn`` for ``KSBNM``) when it has at least
#: NEAR_LENGTH letters and is this close; a shorter word only when it is the name.
PART_NEAR = 0.8
NEAR_LENGTH = 5
CUTOFF = 0.6  # as difflib.get_close_matches

# Russian, and the letters Belarusian, Ukrainian, Kazakh, Kyrgyz and Tajik add; close to the
# spellings the records' slugs use (aleksandr-gorovoy, valentina-kazakova).
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўәғқңөұүһҳҷӣӯ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u",
     "a", "g", "k", "n", "o", "u", "u", "h", "h", "j", "i", "u"]))


def latin(text: str) -> str:
    """``text`` with Cyrillic letters transliterated to Latin ones (lowercase)."""
    return "".join(_CYRILLIC.get(c, c) if "\u0400" <= c <= "\u04ff" else c for c in text.lower())


@lru_cache(maxsize=65536)
def slug_form(text: str) -> str:
    """``text`` as a slug would spell it: ``Коллективная безопасность`` -> ``kollektivnaya-bezopasnost``."""
    plain = unicodedata.normalize("NFKD", latin(text))
    out, gap = [], False
    for char in plain:
        if unicodedata.combining(char):
            continue
        if char.isascii() and char.isalnum():
            if gap and out:
                out.append("-")
            out.append(char.lower())
            gap = False
        else:
            gap = True
    return "".join(out)


@dataclass(frozen=True)
class Candidate:
    """A known entity: its slug and its names, each ``(what, text)`` with ``what`` "label" or "alt label"."""

    slug: str
    names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Match:
    slug: str
    score: float
    why: str = ""  # "" when the slug itself is close; else the name that is, e.g. "alt label KSBNM"

    def __str__(self) -> str:
        return repr(self.slug) + (f" ({self.why})" if self.why else "")


def candidate(slug: str, kind: str, labels: Iterable[str] = (), alt_labels: Iterable[str] = ()) -> Candidate:
    """The candidate for an entity of ``kind`` with these labels and alternative labels (any language)."""
    if kind in UNNAMED_KINDS:
        return Candidate(slug)
    names = {("label", str(text)) for text in labels} | {("alt label", str(text)) for text in alt_labels}
    return Candidate(slug, tuple(sorted(names)))


def close_matches(wanted: str, candidates: Iterable[Candidate], n: int = 1, cutoff: float = CUTOFF) -> list[Match]:
    """The ``n`` candidates closest to the slug ``wanted``, best first (ties: by slug)."""
    scorer = _Scorer(wanted, cutoff)
    found = []
    for c in candidates:
        if c.slug == wanted:
            continue
        best = Match(c.slug, scorer.score(c.slug))
        for what, text in c.names:
            form = slug_form(text)
            score = scorer.score(form, best.score) if form else 0.0
            if score > best.score:  # on a tie the slug is the reason
                best = Match(c.slug, score, f"{what} {text}")
        if best.score >= cutoff:
            found.append(best)
    found.sort(key=lambda m: (-m.score, m.slug))
    return found[:n]


def did_you_mean(matches: list[Match]) -> str:
    """`` (did you mean 'csto-ccim' (alt label KSBNM)?)``, or "" when nothing is close."""
    return f" (did you mean {' or '.join(str(m) for m in matches)}?)" if matches else ""


def _parts(slug: str) -> list[str]:
    """The runs of hyphen-separated words of ``slug`` shorter than the whole, that could be a name
    (three characters or more, not only digits)."""
    words = slug.split("-")
    runs = ("-".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1) if j - i < len(words))
    return [r for r in dict.fromkeys(runs) if len(r) >= 3 and not r.replace("-", "").isdigit()]


class _Scorer:
    """How close a slug or a label's slug form is to ``wanted``: to the whole, or to a run of its
    words, which counts :data:`PART_WEIGHT` of the whole. A run matches when it is the form; a word
    of :data:`NEAR_LENGTH` letters or more also when it nearly is (:data:`PART_NEAR`), which short
    words, close to too many short names, do not. One matcher per target, reused for every form."""

    def __init__(self, wanted: str, cutoff: float):
        self.wanted = wanted
        self.cutoff = cutoff
        self.parts = set(_parts(wanted))
        words = [w for w in dict.fromkeys(wanted.split("-")) if w in self.parts and len(w) >= NEAR_LENGTH]
        self.targets = [(target, weight, least, difflib.SequenceMatcher(None, "", target, autojunk=False))
                        for target, weight, least in [(wanted, 1.0, cutoff), *((w, PART_WEIGHT, PART_NEAR) for w in words)]]

    def score(self, form: str, floor: float = 0.0) -> float:
        """The score of ``form`` when it is above ``floor`` (and close enough at all); else ``floor``."""
        if form == self.wanted:
            return max(floor, 1.0)
        best = max(floor, PART_WEIGHT) if form in self.parts else floor
        for target, weight, least, matcher in self.targets:
            if weight <= best:
                break  # the weights only go down
            need = max(best / weight, least)
            if 2 * min(len(form), len(target)) / (len(form) + len(target)) < need:
                continue  # difflib's cheapest bound, without a call
            matcher.set_seq1(form)
            if matcher.quick_ratio() < need:
                continue
            ratio = matcher.ratio()
            if ratio >= need and ratio * weight > best:
                best = ratio * weight
        return best
