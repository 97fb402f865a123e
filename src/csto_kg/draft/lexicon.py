"""What a report's words name: entities of the data folder found in a sentence by their labels.

Every label and alternative label, in every language, is a sequence of words; a run of words of
a sentence names the entity when each word meets the label's word through its keys
(:func:`~csto_kg.draft.text.keys`: inflected Russian words meet their normal form). The longest
run wins; a run that names two entities is ambiguous and kept with both. People are found by
their surname (its sound in Latin letters, any case ending) and confirmed by a first name or an
initial beside it; a surname alone is only a likely match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..records import Entity, read_file, record_files
from ..records.match import latin
from .text import STOP_WORDS, Sentence, Token, is_cyrillic, keys, name_keys, sound

#: The kinds a report's words may name, in the order a tie between equally long runs is settled.
KINDS = ("post", "rank", "body", "organization", "state", "place", "person")


@dataclass(frozen=True)
class Mention:
    kind: str
    slugs: tuple[str, ...]      # one when certain; the choices when not
    first: int                  # index of the first and after the last word in the sentence's words
    last: int
    start: int                  # character offsets in the text
    end: int
    text: str                   # the words, as the text writes them
    certain: bool = True
    why: str = ""               # why it is not certain

    @property
    def slug(self) -> str:
        return self.slugs[0]


@dataclass
class Lexicon:
    entities: dict[str, Entity]
    names: list[tuple[str, str, tuple[frozenset[str], ...]]] = field(default_factory=list)  # kind, slug, word keys
    people: list[tuple[str, frozenset[str], frozenset[str], str]] = field(default_factory=list)  # slug, surname, first names, initials
    demonyms: dict[str, str] = field(default_factory=dict)  # word key -> state slug

    def label(self, slug: str, lang: str = "en") -> str:
        entity = self.entities.get(slug)
        if entity is None:
            return slug
        return str(entity.labels.pref.get(lang) or entity.labels.pref.get("en") or next(iter(entity.labels.pref.values())))

    def kind(self, slug: str) -> str | None:
        entity = self.entities.get(slug)
        return entity.kind if entity else None

    def parent(self, slug: str) -> str | None:
        """The entity ``slug`` belongs to: a post's body or organization, a body's organization, an
        organization's state."""
        entity = self.entities.get(slug)
        if entity is None:
            return None
        for key in ("post_in", "unit_of", "part_of"):
            value = entity.fields.get(key)
            if value is not None:
                return str(getattr(value, "slug", value))
        return None

    def represented(self, post: str) -> str | None:
        """The state or intergovernmental organization a post's holder speaks for."""
        seen, slug = set(), self.parent(post)
        while slug and slug not in seen:
            seen.add(slug)
            entity = self.entities.get(slug)
            if entity is None:
                return None
            if entity.kind == "state" or (entity.kind == "organization" and str(entity.fields.get("type")) == "intergovernmental"):
                return slug
            slug = self.parent(slug)
        return None


def _word_keys(text: str) -> tuple[frozenset[str], ...]:
    from .text import words

    return tuple(keys(t.text) for t in words(text) if t.text.lower() not in STOP_WORDS)


def _all_names(entity: Entity) -> list[str]:
    found = [str(t) for t in entity.labels.pref.values()]
    for texts in entity.labels.alt.values():
        found += [str(t) for t in texts]
    return found


def load(data_dir: Path, demonyms: dict[str, list[str]], endings: dict[str, list[str]]) -> Lexicon:
    """The lexicon of the entity files of ``data_dir``."""
    entities: dict[str, Entity] = {}
    for path, name in record_files(data_dir, ("entities",)):
        for entity in read_file(path, name).entities:
            entities.setdefault(str(entity.slug), entity)
    lex = Lexicon(entities)
    for slug, entity in entities.items():
        if entity.kind not in KINDS:
            continue
        if entity.kind == "person":
            surnames, firsts, initials = set(), set(), set()
            for text in _all_names(entity):
                parts = [w for w in text.replace("-", " ").split() if w]
                if not parts:
                    continue
                surnames.add(sound(parts[-1]))
                for part in parts[:-1]:
                    firsts.add(sound(part))
                    initials.add(latin(part[0])[:1].lower())
            lex.people.append((slug, frozenset(surnames), frozenset(firsts), "".join(sorted(initials))))
            continue
        for text in _all_names(entity):
            word_keys = _word_keys(text)
            if word_keys:
                lex.names.append((entity.kind, slug, word_keys))
    for state, words_ in demonyms.items():
        for word in words_:
            for key in keys(word):
                lex.demonyms[key] = state
    lex.endings = endings  # type: ignore[attr-defined]
    return lex


def _meets(token: Token, word_keys: frozenset[str]) -> bool:
    return bool(keys(token.text) & word_keys)


def find(lex: Lexicon, sentence: Sentence) -> list[Mention]:
    """The entities ``sentence`` names, without overlaps (the longest run first), in order."""
    tokens = [t for t in sentence.tokens if t.text.lower() not in STOP_WORDS]
    found: list[tuple[int, int, str, str]] = []  # first, last, kind, slug
    for kind, slug, word_keys in lex.names:
        n = len(word_keys)
        for i in range(len(tokens) - n + 1):
            if all(_meets(tokens[i + j], word_keys[j]) for j in range(n)):
                found.append((i, i + n, kind, slug))
    found += _people(lex, tokens)
    for i, token in enumerate(tokens):
        state = next((lex.demonyms[k] for k in keys(token.text) if k in lex.demonyms), None)
        if state:
            found.append((i, i + 1, "demonym", state))
    # longest first; a run naming several entities of the same length is one ambiguous mention
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0], KINDS.index(f[2]) if f[2] in KINDS else 99, f[3]))
    taken = [False] * len(tokens)
    mentions: list[Mention] = []
    by_span: dict[tuple[int, int], Mention] = {}
    for first, last, kind, slug in found:
        span = (first, last)
        if span in by_span:
            m = by_span[span]
            if slug not in m.slugs and (m.kind == kind or {m.kind, kind} <= {"organization", "body"}):
                by_span[span] = Mention(m.kind, (*m.slugs, slug), m.first, m.last, m.start, m.end, m.text, False,
                                        m.why or "the words name more than one entity")
            continue
        if any(taken[first:last]):
            continue
        for i in range(first, last):
            taken[i] = True
        start, end = tokens[first].start, tokens[last - 1].end
        text = sentence.text[start - sentence.start:end - sentence.start]
        certain, why = True, ""
        if kind.startswith("person?"):
            kind, certain, why = "person", False, "by surname only"
        by_span[span] = Mention(kind, (slug,), first, last, start, end, text, certain, why)
    mentions = sorted(by_span.values(), key=lambda m: m.first)
    return [m for m in mentions]


def _is_initial(token: Token, text_after: str = "") -> bool:
    return len(token.text) == 1 and token.text.isalpha() and token.text.isupper()


def _people(lex: Lexicon, tokens: list[Token]) -> list[tuple[int, int, str, str]]:
    """(first, last, "person" or "person?", slug) for each surname of a known person in ``tokens``."""
    endings = getattr(lex, "endings", {})
    found = []
    for i, token in enumerate(tokens):
        if not token.text[:1].isupper() or len(token.text) < 2:
            continue
        sounds = name_keys(token.text, endings)
        hits = [p for p in lex.people if p[1] & sounds]
        for slug, _surnames, firsts, initials in hits:
            first, last, certain, contradicted = i, i + 1, False, False
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            j = i - 1  # initials before: "А. В. Горовой", "A. Gorovoy"
            while j >= 0 and _is_initial(tokens[j]) and tokens[j].end >= tokens[j + 1].start - 3:
                j -= 1
            if j < i - 1:
                letters = latin(tokens[j + 1].text[0])[:1]
                certain, first = letters in initials, j + 1
                contradicted = not certain
            elif before is not None and before.text[:1].isupper() and before.text.isalpha():
                if _first_name_meets(name_keys(before.text, endings), firsts):
                    certain, first = True, i - 1
                elif is_cyrillic(before.text) and {"Name"} <= _grammemes(before.text):
                    contradicted = True
                elif not is_cyrillic(before.text) and before.end >= token.start - 1 and _looks_like_first_name(before.text):
                    contradicted = True
            if not certain and not contradicted and after is not None and after.text[:1].isupper() \
                    and _first_name_meets(name_keys(after.text, endings), firsts):  # "Горовой Александр"
                certain, last = True, i + 2
            if contradicted:
                continue
            found.append((first, last, "person" if certain else "person?", slug))
    return found


def _first_name_meets(sounds: frozenset[str], firsts: frozenset[str]) -> bool:
    """Whether a first name sounds like one of a person's: the same, or nearly (Aleksandr, Alexander)."""
    import difflib

    return bool(sounds & firsts) or any(difflib.SequenceMatcher(None, a, b).ratio() >= 0.85
                                        for a in sounds for b in firsts if min(len(a), len(b)) >= 4)


def _grammemes(word: str) -> frozenset[str]:
    from .text import grammemes

    return grammemes(word)


_NOT_NAMES = frozenset({"general", "colonel", "major", "lieutenant", "police", "minister", "deputy", "chairman",
                        "secretary", "chief", "head", "director", "president", "commander", "council", "first",
                        "state", "federation", "republic", "mr", "mrs", "ms", "the", "of", "and"})


def _looks_like_first_name(word: str) -> bool:
    return word.isalpha() and word[:1].isupper() and word.lower() not in _NOT_NAMES
