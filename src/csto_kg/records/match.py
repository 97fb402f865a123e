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

Names of people and things as a user types them (a spreadsheet's "Gorovoy A.", "Казакова В.Л.",
"Gorovoy, Aleksandr") are matched by :func:`name_score` and looked up in a :class:`NameIndex`:
words are compared in a folded spelling in which the usual transliterations of one Cyrillic name
agree (Gorovoy, Gorovoi, Gorovoj, Горовой -> ``gorovoi``), Russian words also by their dictionary
forms (pymorphy3: Горового, Казаковой), in any order, single letters as initials of the other
words; word similarity is rapidfuzz's normalized Indel similarity (as difflib's ratio).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Hashable, Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

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
_EPSILON = 1e-9  # rapidfuzz's 1 - distance/length may be 0.7999... where difflib's 2*matches/length is 0.8

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


class SlugIndex:
    """Many candidates prepared once for :func:`close_matches` (per build of the graph: a kind's
    thousands of entities): every slug and label's slug form in one list, so that rapidfuzz (in C)
    picks the candidates with a form close enough to score, and only those are scored. The matches
    are those :func:`close_matches` finds among all of them. Read-only once built."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates = list(candidates)
        self.forms: list[str] = []
        self.owners: list[int] = []
        self.by_form: dict[str, list[int]] = {}
        for i, c in enumerate(self.candidates):
            for form in dict.fromkeys((c.slug, *(slug_form(text) for _, text in c.names))):
                if form:
                    self.forms.append(form)
                    self.owners.append(i)
                    self.by_form.setdefault(form, []).append(i)

    def close_matches(self, wanted: str, n: int = 1, cutoff: float = CUTOFF) -> list[Match]:
        scorer = _Scorer(wanted, cutoff)
        chosen: set[int] = set()
        for form in (wanted, *scorer.parts):  # what scores without being near: the whole, a run of its words
            chosen.update(self.by_form.get(form, ()))
        for target, _weight, least in scorer.targets:  # a form scores only when this near one of them
            near = process.extract(target, self.forms, scorer=Indel.normalized_similarity,
                                   score_cutoff=max(0.0, least - 0.01), limit=None)
            chosen.update(self.owners[i] for _form, _score, i in near)
        return close_matches(wanted, [self.candidates[i] for i in sorted(chosen)], n, cutoff)


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
        self.targets = [(target, weight, least)
                        for target, weight, least in [(wanted, 1.0, cutoff), *((w, PART_WEIGHT, PART_NEAR) for w in words)]]

    def score(self, form: str, floor: float = 0.0) -> float:
        """The score of ``form`` when it is above ``floor`` (and close enough at all); else ``floor``."""
        if form == self.wanted:
            return max(floor, 1.0)
        best = max(floor, PART_WEIGHT) if form in self.parts else floor
        for target, weight, least in self.targets:
            if weight <= best:
                break  # the weights only go down
            need = max(best / weight, least)
            ratio = Indel.normalized_similarity(form, target)  # a score_cutoff of exactly the ratio can miss it
            if ratio >= need - _EPSILON and ratio * weight > best:
                best = ratio * weight
        return best


# -- Names as users type them ------------------------------------------------------------------

#: Spellings that the usual transliterations of one Cyrillic letter or pair give (BGN/PCGN, ISO 9
#: and scholarly without their diacritics, the passport systems, French and German habits), folded
#: to one: Горовой, Gorovoy, Gorovoi, Gorovoj -> gorovoi; Щ shch/sch/sc; Х kh/h; Ц ts/tz/c; Ж zh/z.
_FOLDS = (("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("zh", "z"), ("tz", "c"), ("ts", "c"),
          ("x", "ks"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("ye", "e"), ("yo", "e"), ("j", "i"), ("y", "i"))
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]")
#: A query word and a name's word are the same word from this similarity on.
WORD_NEAR = 0.75
#: What a name counts when only some of its words were given (a surname alone), at the least.
PART_NAME = 0.4
#: What a name counts when the query's initials disagree with its given names.
INITIALS_DISAGREE = 0.6
#: What a name given with initials counts at the most (below the full name written out).
WITH_INITIALS = 0.97


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """One spelling for the transliterations of a word: ``Gorovoy``, ``Gorovoi``, ``Горовой`` -> ``gorovoi``."""
    plain = slug_form(word).replace("-", "")
    for old, new in _FOLDS:
        plain = plain.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", plain)  # doubled letters: Aleksandr/Aleksanndr, Yurii/Yuri


_MORPH = None
_MORPH_LOCK = threading.Lock()


def _morph():
    global _MORPH
    with _MORPH_LOCK:
        if _MORPH is None:
            import pymorphy3  # noqa: PLC0415 - its dictionaries take a while to load; only names need it

            _MORPH = pymorphy3.MorphAnalyzer(lang="ru")
    return _MORPH


@lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """The folded dictionary forms a Russian word may be of (``Казаковой`` -> ``kazakov``;
    ``Горового`` -> ``gorovii``), the word's own among them; a word in other letters: itself, folded."""
    own = fold(word)
    if not _CYRILLIC_WORD.search(word) or len(word) < 3:
        return frozenset((own,)) if own else frozenset()
    forms = {own}
    for parse in _morph().parse(word.lower())[:4]:
        forms.add(fold(parse.normal_form))
        nominative = parse.inflect({"nomn"})  # a name keeps its gender: Казаковой -> Казакова
        if nominative is not None:
            forms.add(fold(nominative.word))
    return frozenset(f for f in forms if f)


@dataclass(frozen=True)
class Name:
    """A name taken apart: its words (folded, two letters or more) with their dictionary forms, and
    its initials (single letters: ``A.`` of ``Gorovoy A.``, ``В`` and ``Л`` of ``Казакова В.Л.``)."""

    words: tuple[str, ...]
    forms: tuple[frozenset[str], ...]
    initials: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@lru_cache(maxsize=65536)
def name(text: str) -> Name:
    """``text`` taken apart as a name (any order, any script, with or without initials)."""
    words, forms, initials = [], [], []
    for token in _WORD.findall(text):
        folded = fold(token)
        if not folded:
            continue
        if len(token) == 1 and token.isalpha():
            initials.append(folded[0])
        else:
            words.append(folded)
            forms.append(lemmas(token))
    return Name(tuple(words), tuple(forms), tuple(initials))


def _word_similarity(q: str, q_forms: frozenset[str], n: str, n_forms: frozenset[str]) -> float:
    if q == n:
        return 1.0
    if q.isdigit() or n.isdigit():
        return 0.0  # numbers are equal or not: Person 12 is not Person 123
    best = Indel.normalized_similarity(q, n)
    if q_forms & n_forms:
        best = max(best, 0.98)  # another form of the same word: Казаковой, Kazakova
    return best


def _given(q: Name, n: Name, paired: float, free: list[int]) -> float:
    """The score of the name ``n`` whose words at ``free`` no word of the query ``q`` paired, the
    paired ones scoring ``paired``: less when only part of the name was given, and as the query's
    initials agree with the unpaired words or not."""
    covered = len(n.words) - len(free)
    factor = 1.0
    if q.initials:
        agree = [n.words[j][0] == letter for j, letter in zip(free, q.initials)]
        if not all(agree):
            factor = INITIALS_DISAGREE
        else:
            covered += len(agree)
            factor = WITH_INITIALS
    return paired * (PART_NAME + (1 - PART_NAME) * covered / len(n.words)) * factor


def name_score(query: str | Name, text: str | Name) -> float:
    """How well ``query`` (as a user types a name) names ``text`` (a label), from 0 to 1.

    Every word of the query is paired with the most similar word of the name not yet paired (in
    any order: "Gorovoy, Aleksandr"); a name whose words were all given scores their similarity, one
    of whose words were only partly given (a surname alone) less (:data:`PART_NAME` at the least).
    The query's initials stand for the name's unpaired words in order (``Gorovoy A.``): when they
    agree they count as given, when one disagrees the name counts :data:`INITIALS_DISAGREE`. A
    name with the words in another order or split differently still gets rapidfuzz's
    ``token_sort_ratio`` of the two, unless a number of the query is not in the name.
    """
    q = query if isinstance(query, Name) else name(query)
    n = text if isinstance(text, Name) else name(text)
    if not q.words or not n.words:
        return 1.0 if q.initials and q.initials == n.initials and not q.words and not n.words else 0.0
    free = list(range(len(n.words)))
    weight = total = 0.0
    for i in sorted(range(len(q.words)), key=lambda k: -len(q.words[k])):
        best, where = 0.0, None
        for j in free:
            sim = _word_similarity(q.words[i], q.forms[i], n.words[j], n.forms[j])
            if sim > best:
                best, where = sim, j
        if where is not None and best >= WORD_NEAR:
            free.remove(where)
        else:
            best = 0.0
        total += best * len(q.words[i])
        weight += len(q.words[i])
    score = _given(q, n, total / weight, free)
    numbers = {w for w in q.words if w.isdigit()}
    if not q.initials and numbers <= set(n.words):  # a number given is the name's, or no name at all
        score = max(score, fuzz.token_sort_ratio(q.text, n.text) / 100 * (0.95 if score < 1 else 1))
    return min(score, 1.0)


def name_scores(query: str | Name, names: list[Name]) -> list[float]:
    """:func:`name_score` of ``query`` against each of ``names``, the same numbers worked out
    together: each word of the query is compared with each distinct word of the names once
    (rapidfuzz's ``process.extract`` over them), the pairing reads those, and a word's search for
    its pair stops at a word it equals; ``token_sort_ratio`` is taken over the names that need it
    in one ``process.extract``."""
    q = query if isinstance(query, Name) else name(query)
    if not q.words:
        return [name_score(q, n) for n in names]
    order = sorted(range(len(q.words)), key=lambda k: -len(q.words[k]))  # as name_score pairs them
    words = sorted({w for n in names for w in n.words})
    indel = [{words[i]: sim for _w, sim, i in process.extract(q.words[k], words, scorer=Indel.normalized_similarity,
                                                               limit=None)} for k in order]
    columns: dict[tuple[str, frozenset[str]], tuple[float, ...]] = {}

    def column(word: str, forms: frozenset[str]) -> tuple[float, ...]:
        """The similarity of the name's word to each word of the query (in pairing order), as _word_similarity."""
        found = columns.get((word, forms))
        if found is None:
            found = []
            for at, k in enumerate(order):
                qw = q.words[k]
                if qw == word:
                    sim = 1.0
                elif qw.isdigit() or word.isdigit():
                    sim = 0.0
                else:
                    sim = indel[at][word]
                    if q.forms[k] & forms:
                        sim = max(sim, 0.98)
                found.append(sim)
            found = columns[(word, forms)] = tuple(found)
        return found

    lengths = [len(q.words[k]) for k in order]
    numbers = {w for w in q.words if w.isdigit()}
    scores: list[float] = []
    ratios: dict[int, str] = {}  # names whose token_sort_ratio counts -> their text
    for at, n in enumerate(names):
        if not n.words:
            scores.append(0.0)
            continue
        cols = [column(w, f) for w, f in zip(n.words, n.forms)]
        free = list(range(len(cols)))
        weight = total = 0.0
        for k, length in enumerate(lengths):
            best, where = 0.0, None
            for j in free:
                sim = cols[j][k]
                if sim > best:
                    best, where = sim, j
                    if sim >= 1.0:
                        break  # nothing after it is more similar
            if where is not None and best >= WORD_NEAR:
                free.remove(where)
            else:
                best = 0.0
            total += best * length
            weight += length
        scores.append(_given(q, n, total / weight, free))
        if not q.initials and numbers <= set(n.words):
            ratios[at] = n.text
    if ratios:
        at = list(ratios)
        for _text, ratio, i in process.extract(q.text, [ratios[a] for a in at], scorer=fuzz.token_sort_ratio, limit=None):
            score = scores[at[i]]
            scores[at[i]] = max(score, ratio / 100 * (0.95 if score < 1 else 1))
    return [min(score, 1.0) for score in scores]


@dataclass(frozen=True)
class Hit:
    key: Hashable
    score: float
    text: str  # the name of the key that matched best


class NameIndex:
    """Names of many keys (entities), for finding the keys a typed name means without comparing it
    with every name: the names sharing the query's rarest words, or words close to them (rapidfuzz
    over the vocabulary, not over the names), are the candidates scored by :func:`name_score`.

    Built once (per build of the graph); :meth:`search` is read-only and may be called from many threads.
    """

    #: Postings longer than this are a word too common to find candidates by (``synthetic``, ``of``).
    COMMON = 400
    #: Candidates scored per query, at the most, for each result wanted.
    POOL = 40

    def __init__(self, names: Iterable[tuple[Hashable, str]]) -> None:
        self.keys: list[Hashable] = []
        self.texts: list[str] = []
        self.names: list[Name] = []
        postings: dict[str, set[int]] = {}
        for key, text in names:
            parsed = name(text)
            if not parsed.words:
                continue
            index = len(self.keys)
            self.keys.append(key)
            self.texts.append(text)
            self.names.append(parsed)
            for word, forms in zip(parsed.words, parsed.forms):
                for form in forms | {word}:
                    postings.setdefault(form, set()).add(index)
        self.postings = {word: tuple(sorted(found)) for word, found in postings.items()}
        self.vocabulary = [w for w in self.postings if not w.isdigit() and len(w) >= 4]
        self.size = len(self.keys)

    def _similar_words(self, word: str) -> list[str]:
        if word in self.postings or word.isdigit() or len(word) < 4:
            return [word] if word in self.postings else []
        return [w for w, _score, _i in process.extract(word, self.vocabulary, scorer=Indel.normalized_similarity,
                                                        score_cutoff=WORD_NEAR, limit=5)]

    def search(self, query: str, limit: int = 5, accept=None) -> list[Hit]:
        """The keys whose names best match ``query``, best first, each once (ties: by name);
        ``accept(key)`` (when given) says which keys may be found."""
        q = name(query)
        if not q.words:
            return []
        weights: dict[int, float] = {}
        for word, forms in zip(q.words, q.forms):
            found: set[int] = set()
            for form in forms | set(self._similar_words(word)):
                posting = self.postings.get(form, ())
                if len(posting) <= self.COMMON:
                    found.update(posting)
            if not found:  # only common words: their postings still find the name, if small enough
                posting = min((self.postings.get(f, ()) for f in forms), key=len)
                found.update(posting[: self.COMMON * 4])
            idf = math.log(1 + self.size / (1 + len(found)))
            for index in found:
                weights[index] = weights.get(index, 0.0) + idf
        pool = sorted(weights, key=weights.__getitem__, reverse=True)  # stable: ties keep their order
        wanted = max(limit, 1) * self.POOL
        chosen: list[int] = []
        for index in pool:
            if accept is not None and not accept(self.keys[index]):
                continue
            if len(chosen) == wanted:
                break
            chosen.append(index)
        best: dict[Hashable, Hit] = {}
        for index, score in zip(chosen, name_scores(q, [self.names[i] for i in chosen])):
            key = self.keys[index]
            if score > 0 and (key not in best or score > best[key].score):
                best[key] = Hit(key, score, self.texts[index])
        return sorted(best.values(), key=lambda h: (-h.score, h.text, str(h.key)))[:limit]
