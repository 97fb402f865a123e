"""The patterns of meeting reports, read from ``rules.yaml`` beside this module: data, not code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .text import Sentence, Token, Value, grammemes, is_cyrillic, keys

#: The rules file of the package.
RULES_FILE = "rules.yaml"


@dataclass(frozen=True)
class RoleRule:
    role: str
    delegation: bool
    patterns: dict[str, tuple[tuple[re.Pattern, str], ...]]  # lang -> (pattern, "after" | "before")


def _compile(items) -> tuple[tuple[re.Pattern, str], ...]:
    found = []
    for item in items or ():
        text, who = (item["re"], item.get("who", "after")) if isinstance(item, dict) else (item, "after")
        found.append((re.compile(text, re.IGNORECASE), who))
    return tuple(found)


class Rules:
    def __init__(self, data: dict):
        self.data = data
        self.simple = {name: {lang: _compile(v) for lang, v in data[name].items()}
                       for name in ("meeting", "videoconference", "session", "delegations", "effective_from",
                                    "next_meeting", "proposal", "acting", "relative_day")}
        self.roles = [RoleRule(r["role"], bool(r.get("delegation")), {lang: _compile(r.get(lang)) for lang in ("en", "ru")})
                      for r in data["roles"]]
        self.decisions = {kind: {lang: _compile(v) for lang, v in langs.items()} for kind, langs in data["decisions"].items()}
        self.document_words = {}  # word key -> kind
        for kind, word_list in data["document_kinds"].items():
            for word in word_list:
                for key in keys(word):
                    self.document_words.setdefault(key, kind)
        self.needs_title = set(data.get("needs_title", ()))
        self.document_joins = {lang: _compile(v) for lang, v in data.get("document_joins", {}).items()}
        self.demonyms = data["demonyms"]
        self.surname_endings = {k: [str(x) for x in v] for k, v in data["surname_endings"].items()}
        self.months = {lang: [m.lower() for m in names] for lang, names in data["months"].items()}
        self._date_res = {lang: self._date_patterns(lang) for lang in self.months}

    # -- plain patterns ------------------------------------------------------------------------

    def search(self, name: str, lang: str, text: str) -> re.Match | None:
        for pattern, _who in self.simple[name].get(lang, ()):
            m = pattern.search(text)
            if m:
                return m
        return None

    def search_decision(self, kind: str, lang: str, text: str) -> re.Match | None:
        for pattern, _who in self.decisions[kind].get(lang, ()):
            m = pattern.search(text)
            if m:
                return m
        return None

    def acting_before(self, s: Sentence, mention) -> bool:
        before = s.text[max(0, mention.start - s.start - 40):mention.start - s.start]
        lang = "ru" if is_cyrillic(before + mention.text) else "en"
        return self.search("acting", lang, before) is not None

    # -- dates -----------------------------------------------------------------------------------

    def _date_patterns(self, lang: str) -> list[re.Pattern]:
        month = "|".join(self.months[lang])
        day = r"(?P<d1>\d{1,2})(?:\s*[-–—]\s*(?P<d2>\d{1,2}))?"
        year = r"(?:\s*,?\s*(?P<y>\d{4}))?"
        patterns = [rf"\b{day}\s+(?P<m>{month})\b{year}"]
        if lang == "en":
            patterns.append(rf"\b(?P<m>{month})\s+{day}\b(?:\s*,\s*(?P<y>\d{{4}}))?")
        return [re.compile(p, re.IGNORECASE) for p in patterns]

    def dates(self, s: Sentence, lang: str, with_prefix: bool = False):
        """The dates of a sentence, in order: (date, end date or None, the text before it), each
        date a Value with an EDTF string (``XXXX-06-20`` when the text gives no year)."""
        found = []
        for pattern in self._date_res.get(lang, []):
            for m in pattern.finditer(s.text):
                month = _month(m.group("m"), lang)
                if month is None:
                    continue
                year = m.group("y")
                day1, day2 = int(m.group("d1")), m.group("d2")
                start_v = _edtf(year, month, day1, lang)
                if start_v is None:
                    continue
                end_v = _edtf(year, month, int(day2), lang) if day2 else None
                span = (s.start + m.start(), s.start + m.end())
                found.append((m.start(), Value(start_v, m.group(0), *span, s.n),
                              Value(end_v, m.group(0), *span, s.n) if end_v else None, s.text[:m.start()]))
        found.sort(key=lambda f: f[0])
        return [(a, b, c) for _pos, a, b, c in found]

    def years(self, s: Sentence, lang: str):
        """A year alone ("in 2020", "в 2020 году"), as a date."""
        pattern = r"\bin\s+(\d{4})\b" if lang == "en" else r"\bв\s+(\d{4})\s+г"
        m = re.search(pattern, s.text, re.IGNORECASE)
        if not m:
            return []
        return [(Value(m.group(1), m.group(0), s.start + m.start(), s.start + m.end(), s.n), None, s.text[:m.start()])]

    # -- documents -------------------------------------------------------------------------------

    def documents(self, s: Sentence, lang: str, offset: int):
        """(kind, the match of its word, title Value or None) for each kind of document named
        after ``offset`` of the sentence."""
        found = []
        for m in re.finditer(r"\w+", s.text[offset:]):
            kind = next((self.document_words[k] for k in keys(m.group(0)) if k in self.document_words), None)
            if kind is None:
                continue
            absolute = offset + m.start()
            word_m = re.compile(re.escape(m.group(0))).search(s.text, absolute)
            rest = s.text[word_m.end():]
            title = None
            q = re.match(r"\s*(?:[\w-]+\s+){0,3}?[«\"“„]([^»\"”“]{3,300})[»\"”“]", rest)
            if q:
                a = word_m.end() + q.start(1)
                title = Value(q.group(1).strip(), q.group(1), s.start + a, s.start + a + len(q.group(1)), s.n)
            if kind in self.needs_title and title is None:
                continue
            if found:
                previous_kind, previous_m, previous_title = found[-1]
                since = previous_title.end - s.start if previous_title is not None else previous_m.end()
                between = s.text[since:word_m.start()]
                if not any(p.search(between) for p, _who in self.document_joins.get(lang, ())):
                    continue
            if title is not None and any(f[2] is not None and f[2].value == title.value for f in found):
                continue
            found.append((kind, word_m, title))
        return found

    # -- people not in the data ------------------------------------------------------------------

    def unknown_people(self, s: Sentence, mentions) -> list[tuple[int, int, list[Token]]]:
        """Names of people the entity files do not hold: in Russian, a first name (pymorphy3's Name)
        beside a surname (Surn) or after initials; in English, two or three capitalized words
        right after a rank or post."""
        taken = set()
        for m in mentions:
            taken.update(range(m.first, m.last))
        tokens = s.tokens
        found = []
        i = 0
        while i < len(tokens):
            if i in taken:
                i += 1
                continue
            t = tokens[i]
            if is_cyrillic(t.text):
                run = []
                j = i
                while j < len(tokens) and j not in taken and tokens[j].text[:1].isupper() and \
                        ({"Name", "Surn", "Patr"} & grammemes(tokens[j].text) or len(tokens[j].text) == 1):
                    run.append(tokens[j])
                    j += 1
                tags = [grammemes(x.text) for x in run]
                has_name = any("Name" in g for g in tags) or any(len(x.text) == 1 for x in run)
                has_surname = any("Surn" in g for g in tags)
                if len(run) >= 2 and has_name and has_surname:
                    found.append((i, j, run))
                    i = j
                    continue
            else:
                after_title = any(m.last == i and m.kind in ("rank", "post") for m in mentions)
                if after_title:
                    run = []
                    j = i
                    while j < len(tokens) and j not in taken and len(run) < 3 and tokens[j].text[:1].isupper() \
                            and tokens[j].text[1:].islower() and tokens[j].text.isalpha():
                        run.append(tokens[j])
                        j += 1
                    if len(run) >= 2:
                        found.append((i, j, run))
                        i = j
                        continue
            i += 1
        return found


@lru_cache(maxsize=256)
def _month(word: str, lang: str) -> int | None:
    """The month a month's name stands for, as dateparser reads it."""
    import dateparser

    parsed = dateparser.parse(f"1 {word.lower()} 2000", languages=[lang], settings={"STRICT_PARSING": True})
    return parsed.month if parsed else None


def _edtf(year: str | None, month: int, day: int, lang: str) -> str | None:
    """``2019-06-20``, or ``XXXX-06-20`` without a year; None for a day the month does not have."""
    import datetime

    try:
        datetime.date(int(year) if year else 2000, month, day)
    except ValueError:
        return None
    return f"{year or 'XXXX'}-{month:02d}-{day:02d}"


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    text = resources.files(__package__).joinpath(RULES_FILE).read_text(encoding="utf-8")
    return Rules(yaml.safe_load(text))
