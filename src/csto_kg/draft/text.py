"""The words of a report: sentences and tokens (razdel), and the keys a word is matched by.

A word is matched to a word of a label through its keys: the word itself in lowercase and, for a
Cyrillic word, every normal form pymorphy3 gives it and its nominative singular (so "Горового",
"первым заместителем" and "Министра" key as "горовой", "первый заместитель", "министр"). A word of
a person's name is also keyed by its sound in Latin letters (:func:`name_keys`), so that
"Казаковой" meets "Valentina Kazakova" and "Sergei" meets "Sergey".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..records.match import latin, slug_form

#: Words that never tell two names apart (English articles).
STOP_WORDS = frozenset({"the", "a", "an"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offsets in the whole text
    end: int

    @property
    def is_word(self) -> bool:
        return bool(_WORD.search(self.text))


@dataclass
class Value:
    """A value of the draft and the words of the text it came from (character offsets, sentence)."""

    value: object
    quote: str = ""
    start: int = -1
    end: int = -1
    sentence: int = 0


@dataclass(frozen=True)
class Sentence:
    n: int  # 1-based
    text: str
    start: int
    end: int
    tokens: tuple[Token, ...]  # words only (hyphenated words split, articles left out), in order


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def language(text: str) -> str:
    """``ru`` when most letters are Cyrillic, else ``en``."""
    letters = [c for c in text if c.isalpha()]
    cyr = sum(1 for c in letters if is_cyrillic(c))
    return "ru" if letters and cyr * 2 > len(letters) else "en"


def words(text: str, offset: int = 0) -> list[Token]:
    """The words of ``text``: razdel's tokens without punctuation, a hyphenated word split in its parts."""
    from razdel import tokenize

    found = []
    for tok in tokenize(text):
        pos = tok.start
        for part in re.split(r"(-)", tok.text):
            if part and part != "-" and _WORD.search(part):
                found.append(Token(part, offset + pos, offset + pos + len(part)))
            pos += len(part)
    return found


def sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` (razdel), numbered from 1, with their words."""
    from razdel import sentenize

    found = []
    # a blank line always ends a sentence, and so does a full stop with no space after it
    # before a capital letter ("(Kyrgyz Republic).The meeting")
    for chunk in re.split(r"\n\s*\n|(?<=[a-zа-яё0-9)”»\"]{2}[.!?])(?=[A-ZА-ЯЁ])", text):
        base = text.find(chunk, found[-1].end if found else 0)
        for s in sentenize(chunk):
            start = base + s.start
            tokens = tuple(t for t in words(s.text, start) if t.text.lower() not in STOP_WORDS)
            found.append(Sentence(len(found) + 1, s.text, start, start + len(s.text), tokens))
    return found


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def keys(word: str) -> frozenset[str]:
    """The forms ``word`` is matched by: itself in lowercase, and for a Cyrillic word its normal
    forms and nominative singular forms."""
    low = word.lower().replace("ё", "е")
    found = {low}
    if is_cyrillic(low):
        for parse in _morph().parse(low):
            found.add(parse.normal_form.replace("ё", "е"))
            nominative = parse.inflect({"nomn", "sing"}) if {"NOUN", "ADJF"} & set(parse.tag.grammemes) else None
            if nominative is not None:
                found.add(nominative.word.replace("ё", "е"))
    return frozenset(found)


@lru_cache(maxsize=65536)
def grammemes(word: str) -> frozenset[str]:
    """pymorphy3's grammemes of the most likely parse of a Cyrillic word (empty for other words)."""
    if not is_cyrillic(word):
        return frozenset()
    return frozenset(_morph().parse(word)[0].tag.grammemes)


_SOUNDS = (("shch", "sch"), ("kh", "h"), ("x", "ks"), ("ye", "e"), ("yo", "o"), ("yu", "u"), ("ya", "a"),
           ("zh", "j"), ("iy", "i"), ("yy", "i"), ("ii", "i"), ("ai", "ay"), ("y", "i"), ("j", "i"), ("w", "v"), ("ph", "f"))


def latin_name(text: str) -> str:
    """A name in Latin letters, each word capitalized: ``Иван Петров`` -> ``Ivan Petrov``."""
    return " ".join(w[:1].upper() + w[1:] for w in latin(text).split())


def sound(text: str) -> str:
    """How a name sounds in Latin letters, roughly: ``Sergey``, ``Sergei`` and ``Сергей`` agree."""
    form = slug_form(latin(text)).replace("-", "")
    for a, b in _SOUNDS:
        form = form.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", form)


def name_keys(word: str, endings: dict[str, list[str]]) -> frozenset[str]:
    """The sounds a word of a person's name may have in the nominative: of its keys and, for a
    Cyrillic word, of the word with each case ending of ``endings`` (a surname's declension,
    ``ого`` -> ``ой``, ``ой`` -> ``а``) put back."""
    found = {sound(k) for k in keys(word)}
    low = word.lower().replace("ё", "е")
    if is_cyrillic(low):
        for ending, nominatives in endings.items():
            if low.endswith(ending) and len(low) > len(ending) + 2:
                found.update(sound(low[: len(low) - len(ending)] + n) for n in nominatives)
    return frozenset(k for k in found if k)
