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
from typing import Iterable

#: Kinds whose label is an optional description rather than a name: matched by slug only.
UNNAMED_KINDS = ("source", "post-holding", "rank-holding")
#: What a match of part of the slug counts, against a match of the whole (a label matching all of
#: ``ksbnm`` in ``csto-ksbnm`` ranks above a slug that shares ``csto-``, below an exact label).
PART_WEIGHT = 0.95
CUTOFF = 0.6

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
    parts = _parts(wanted)
    found = []
    for c in candidates:
        if c.slug == wanted:
            continue
        best = Match(c.slug, _score(wanted, parts, c.slug, cutoff))
        for what, text in c.names:
            form = slug_form(text)
            score = _score(wanted, parts, form, cutoff) if form else 0.0
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


def _score(wanted: str, parts: list[str], form: str, cutoff: float) -> float:
    """How close ``form`` (a slug, or a label's slug form) is to ``wanted`` or to one of its ``parts``."""
    score = 1.0 if form == wanted else _ratio(wanted, form, cutoff)
    for part in parts:
        if score >= PART_WEIGHT:
            break
        score = max(score, PART_WEIGHT * (1.0 if part == form else _ratio(part, form, cutoff / PART_WEIGHT)))
    return score


def _ratio(a: str, b: str, cutoff: float) -> float:
    """difflib's similarity of ``a`` and ``b``, or 0 when its cheap upper bounds are below ``cutoff``."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
        return 0.0
    return matcher.ratio()
