"""From a report's sentences to the values of a draft record, each with the words it came from.

The rules of :mod:`csto_kg.draft.rules` (``rules.yaml``) say which sentence gives what: the one
that says the meeting was held gives its place, date and body; a sentence whose words say who
headed a delegation gives a participation with that role, and so on. Inside a sentence, the posts
and ranks named before a person (or after, as an apposition) are that person's. What the rules
cannot place is kept as a ``TODO`` with its sentence; a match that is not certain is kept as a
choice, never as a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon, Mention, find
from .rules import Rules
from .text import Sentence, Value, is_cyrillic, latin_name, sentences as split_sentences


@dataclass
class Choice:
    field: str
    options: tuple[str, ...]
    quote: str
    start: int
    end: int
    why: str


@dataclass
class Participation:
    roles: list[Value] = field(default_factory=list)
    person: Value | None = None
    posts: list[Value] = field(default_factory=list)
    acting: list[Value] = field(default_factory=list)
    rank: Value | None = None
    on_behalf_of: Value | None = None
    choices: list[Choice] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)

    def key(self) -> tuple:
        if self.person:
            return ("person", self.person.value)
        if self.posts or self.acting:
            return ("post", tuple(v.value for v in self.posts + self.acting),
                    self.on_behalf_of.value if self.on_behalf_of else None)
        return ("for", self.on_behalf_of.value if self.on_behalf_of else None)


@dataclass
class Decision:
    type: Value
    appointee: Value | None = None
    post: Value | None = None
    effective_from: Value | None = None
    kind: Value | None = None
    title: Value | None = None
    language: str | None = None


@dataclass
class Stub:
    kind: str
    slug: str
    label_en: str
    label_ru: str | None
    quote: str
    start: int
    end: int


@dataclass
class Draft:
    language: str
    source: str
    body: Value | None = None
    joint_with: list[Value] = field(default_factory=list)
    session: Value | None = None
    date: Value | None = None
    end_date: Value | None = None
    place: Value | None = None
    host_state: Value | None = None
    format: Value | None = None
    delegations: list[Value] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)
    agenda: list[tuple[Value | None, Sentence]] = field(default_factory=list)   # proposer, sentence
    decisions: list[Decision] = field(default_factory=list)
    next_meeting: dict[str, Value] = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)
    todos: list[tuple[str, Sentence]] = field(default_factory=list)
    stubs: list[Stub] = field(default_factory=list)
    mentions: list[tuple[Sentence, Mention]] = field(default_factory=list)


def _value(mention: Mention, sentence: Sentence, slug: str | None = None) -> Value:
    return Value(slug or mention.slug, mention.text, mention.start, mention.end, sentence.n)


def _span(sentence: Sentence, match: re.Match) -> Value:
    return Value(match.group(0), match.group(0), sentence.start + match.start(), sentence.start + match.end(), sentence.n)


def _word_index(sentence: Sentence, offset: int) -> int:
    """The index of the first word of ``sentence`` at or after the character ``offset`` of the sentence."""
    for i, token in enumerate(sentence.tokens):
        if token.start - sentence.start >= offset:
            return i
    return len(sentence.tokens)


class Extractor:
    def __init__(self, lex: Lexicon, rules: Rules):
        self.lex = lex
        self.rules = rules

    def draft(self, text: str, source: str, lang: str) -> Draft:
        from .text import language

        lang = language(text) if lang == "auto" else lang
        d = Draft(lang, source)
        sents = split_sentences(text)
        meeting_sentence = None
        last_delegation: Value | None = None
        for s in sents:
            mentions = find(self.lex, s)
            d.mentions += [(s, m) for m in mentions]
            used = False
            is_next = self.rules.search("next_meeting", lang, s.text)
            if is_next:
                used |= self._next_meeting(d, s, mentions, lang)
                continue
            if meeting_sentence is None and (self.rules.search("meeting", lang, s.text) or s.n == 1):
                if self._meeting(d, s, mentions, lang):
                    meeting_sentence = s
                    used = True
            if d.format is None and (m := self.rules.search("videoconference", lang, s.text)):
                d.format = Value("videoconference", m.group(0), s.start + m.start(), s.start + m.end(), s.n)
                used = True
            if d.session is None and s.n <= 3:
                used |= self._session(d, s, lang)
            if self.rules.search("delegations", lang, s.text):
                used |= self._delegations(d, s, mentions)
            decided = self._decisions(d, s, mentions, lang)
            used |= decided
            if not decided:
                found, last_delegation = self._roles(d, s, mentions, lang, last_delegation)
                used |= found
            if (m := self.rules.search("proposal", lang, s.text)):
                proposer = next((x for x in mentions if x.kind in ("state", "demonym") and x.start >= s.start + m.end()), None)
                d.agenda.append((_value(proposer, s) if proposer else None, s))
                used = True
            if not used:
                d.todos.append(("", s))
        for p in d.participations:
            if p.on_behalf_of and p.on_behalf_of.value not in {v.value for v in d.delegations} \
                    and self.lex.kind(str(p.on_behalf_of.value)) == "state" \
                    and any(r.value in ("head-of-delegation", "delegation-member") for r in p.roles):
                d.delegations.append(p.on_behalf_of)
        return d

    # -- the meeting itself -------------------------------------------------------------------

    def _meeting(self, d: Draft, s: Sentence, mentions: list[Mention], lang: str) -> bool:
        used = False
        bodies = [m for m in mentions if m.kind == "body"]
        if bodies and d.body is None:
            if bodies[0].certain:
                d.body = _value(bodies[0], s)
                d.joint_with = [_value(b, s) for b in bodies[1:] if b.certain and b.slug != bodies[0].slug]
            else:
                d.choices.append(Choice("body", bodies[0].slugs, bodies[0].text, bodies[0].start, bodies[0].end, bodies[0].why))
            used = True
        places = [m for m in mentions if m.kind == "place"]
        if places and d.place is None:
            place = places[0]
            d.place = _value(place, s)
            used = True
            # a state named right beside the place: "Cholpon-Ata (Kyrgyz Republic)", "Бишкек, Кыргызстан"
            nxt = next((m for m in mentions if m.first >= place.last), None)
            if nxt is not None and nxt.kind == "state" and nxt.first - place.last <= 1:
                between = s.text[place.end - s.start:nxt.start - s.start]
                if re.fullmatch(r"\s*[(,]\s*(?:\w+\s+)?", between):
                    d.host_state = _value(nxt, s)
        if d.date is None:
            if self.rules.search("relative_day", lang, s.text):
                d.todos.append(("date: the text dates the meeting relative to the report", s))
            else:
                dates = self.rules.dates(s, lang)
                if dates:
                    first = dates[0]
                    d.date = first[0]
                    if first[1] is not None:
                        d.end_date = first[1]
                    used = True
        if bodies or places:
            self._session(d, s, lang)
        return used

    def _session(self, d: Draft, s: Sentence, lang: str) -> bool:
        if d.session is not None:
            return False
        m = self.rules.search("session", lang, s.text)
        if not m:
            return False
        number = _number(m.group(1))
        if number is None:
            return False
        d.session = Value(number, m.group(0), s.start + m.start(), s.start + m.end(), s.n)
        return True

    def _delegations(self, d: Draft, s: Sentence, mentions: list[Mention]) -> bool:
        used = False
        known = {v.value for v in d.delegations}
        people_at = [m for m in mentions if m.kind == "person"]
        for m in mentions:
            if m.kind == "state" and m.slug not in known and m.certain:
                d.delegations.append(_value(m, s))
                known.add(m.slug)
                used = True
        if not people_at:  # the officials the sentence names by their post only
            for m in mentions:
                if m.kind == "post" and m.certain:
                    p = Participation(roles=[Value("attendee", "", -1, -1, s.n)], posts=[_value(m, s)])
                    org = self.lex.represented(m.slug)
                    if org:
                        p.on_behalf_of = Value(org, f"from the post: {self.lex.label(m.slug)}", -1, -1, s.n)
                    self._add(d, p)
                    used = True
        return used

    # -- participations ----------------------------------------------------------------------

    def _roles(self, d: Draft, s: Sentence, mentions: list[Mention], lang: str,
               last_delegation: Value | None) -> tuple[bool, Value | None]:
        hits = []  # (offset, end, role, who, delegation)
        for rule in self.rules.roles:
            for pattern, who in rule.patterns.get(lang, ()):
                for m in pattern.finditer(s.text):
                    hits.append((m.start(), m.end(), rule.role, who, rule.delegation, m.group(0)))
        if not hits:
            return False, last_delegation
        hits.sort(key=lambda h: (h[0], -h[1]))
        # words matched by two patterns of one role ("В состав делегации также вошёл", "также вошёл") count once
        hits = [h for h in hits if not any(o is not h and o[2] == h[2] and o[0] <= h[0] and h[1] <= o[1]
                                           and (o[0], -o[1]) < (h[0], -h[1]) for o in hits)]
        groups = self._groups(s, mentions)
        if not groups:
            if any(m.kind == "post" for m in mentions) or any(m.kind == "rank" for m in mentions):
                d.todos.append(("participations: the roles' words are there, but no one they can be given to", s))
            return False, last_delegation
        states = [m for m in mentions if m.kind in ("state", "demonym") and m.certain]
        used = False
        for start, end, role, who, delegation, words in hits:
            i_start, i_end = _word_index(s, start), _word_index(s, end)
            if who == "before":
                prev_hit = max((h[1] for h in hits if h[1] <= start), default=0)
                lo = _word_index(s, prev_hit)
                chosen = [g for g in groups if lo <= g.anchor < i_start]
            else:
                nxt_hit = min((h[0] for h in hits if h[0] >= end), default=len(s.text))
                hi = _word_index(s, nxt_hit)
                chosen = [g for g in groups if i_end <= g.anchor < hi]
            for g in chosen:
                state = None
                if delegation:
                    state_m = next((m for m in states if not (g.first <= m.first < g.last)), None)
                    if state_m is not None:
                        state = _value(state_m, s)
                        last_delegation = state
                        if state.value not in {v.value for v in d.delegations} and \
                                self.lex.kind(str(state.value)) == "state":
                            d.delegations.append(state)  # the text says the state's delegation was there
                    elif role == "delegation-member" and last_delegation is not None:
                        state = Value(last_delegation.value, f"the delegation of sentence {last_delegation.sentence}",
                                      -1, -1, s.n)
                self._participation(d, s, g, role, words, start, end, state)
                used = True  # a participation, or a TODO with the sentence
        return used, last_delegation

    def _groups(self, s: Sentence, mentions: list[Mention]) -> list["_Group"]:
        """The people (named, or unnamed but for a post or rank) of a sentence, each with the posts and
        ranks written before it (back to the person before) or, when none, right after it."""
        groups: list[_Group] = []
        pending: list[Mention] = []
        people_idx = [m for m in mentions if m.kind == "person"]
        unknown = self.rules.unknown_people(s, mentions)
        persons = sorted([*(("known", m.first, m.last, m) for m in people_idx),
                          *(("new", u[0], u[1], u) for u in unknown)], key=lambda x: x[1])
        pi = 0
        for m in mentions:
            while pi < len(persons) and persons[pi][1] <= m.first:
                groups.append(_Group(persons[pi], [x for x in pending]))
                pending = []
                pi += 1
            if m.kind in ("post", "rank"):
                pending.append(m)
        while pi < len(persons):
            groups.append(_Group(persons[pi], pending))
            pending = []
            pi += 1
        if pending and groups and not groups[-1].titles:
            between = s.text[groups[-1].end_char - s.start:pending[0].start - s.start]
            if re.fullmatch(r"\s*[,(–—-]\s*", between):
                groups[-1].titles = pending
                pending = []
        if pending and not groups:
            posts = [m for m in pending if m.kind == "post"]
            if posts:
                groups.append(_Group(None, pending))
        return groups

    def _participation(self, d: Draft, s: Sentence, g: "_Group", role: str, words: str, start: int, end: int,
                       state: Value | None) -> Participation | None:
        p = Participation(roles=[Value(role, words, s.start + start, s.start + end, s.n)])
        if g.person is not None:
            tag, _first, _last, m = g.person
            if tag == "known":
                if m.certain:
                    p.person = _value(m, s)
                else:
                    p.choices.append(Choice("person", m.slugs, m.text, m.start, m.end, m.why))
            else:
                stub = self._stub(d, s, m)
                p.todos.append(f"person: new entity {stub.slug} (in the stubs file), \"{stub.quote}\"")
        for t in g.titles:
            if not t.certain:
                p.choices.append(Choice(t.kind, t.slugs, t.text, t.start, t.end, t.why))
                continue
            if t.kind == "rank":
                if p.rank is None:
                    p.rank = _value(t, s)
            elif self.rules.acting_before(s, t):
                p.acting.append(_value(t, s))
            else:
                p.posts.append(_value(t, s))
        if state is not None:
            p.on_behalf_of = state
        else:
            orgs = {self.lex.represented(str(v.value)) for v in p.posts + p.acting} - {None}
            if len(orgs) == 1:
                org = orgs.pop()
                p.on_behalf_of = Value(org, "from the post: " + self.lex.label(str((p.posts + p.acting)[0].value)),
                                       -1, -1, s.n)
            elif orgs:
                p.choices.append(Choice("on_behalf_of", tuple(sorted(orgs)), "", -1, -1, "the posts belong to several"))
        if p.person is None and not p.posts and not p.acting:
            if role in ("head-of-delegation", "chair", "secretary") or p.on_behalf_of is None:
                d.todos.append((f"participations: {role}: " + "; ".join(
                    p.todos + [f"{c.field}: one of {', '.join(c.options)} (\"{c.quote}\")" for c in p.choices]), s))
                return None
        self._add(d, p)
        return p

    def _add(self, d: Draft, p: Participation) -> None:
        """Add a participation, or merge it into one of the same person (or post) already drafted."""
        key = p.key()
        for q in d.participations:
            if key[0] != "for" and q.key() == key:
                known = {r.value for r in q.roles}
                q.roles += [r for r in p.roles if r.value not in known]
                q.posts += [v for v in p.posts if v.value not in {x.value for x in q.posts}]
                q.acting += [v for v in p.acting if v.value not in {x.value for x in q.acting}]
                q.rank = q.rank or p.rank
                q.on_behalf_of = q.on_behalf_of or p.on_behalf_of
                q.choices += p.choices
                q.todos += p.todos
                return
        d.participations.append(p)

    def _stub(self, d: Draft, s: Sentence, u) -> "Stub":
        first, last, tokens = u
        text = s.text[tokens[0].start - s.start:tokens[-1].end - s.start]
        if is_cyrillic(text):
            ru = " ".join(_nominative(t.text) for t in tokens)
            en = latin_name(ru)
        else:
            ru, en = None, text
        slug = "-".join(w for w in re.split(r"[^a-z0-9]+", latin_name(en).lower()) if w)
        for stub in d.stubs:
            if stub.slug == slug:
                return stub
        stub = Stub("person", slug, en, ru, text, tokens[0].start, tokens[-1].end)
        d.stubs.append(stub)
        return stub

    # -- decisions ------------------------------------------------------------------------------

    def _decisions(self, d: Draft, s: Sentence, mentions: list[Mention], lang: str) -> bool:
        used = False
        for kind in ("election", "appointment"):
            m = self.rules.search_decision(kind, lang, s.text)
            if not m:
                continue
            after = s.start + m.end()
            people = [x for x in mentions if x.kind == "person"]
            posts_after = [x for x in mentions if x.kind == "post" and x.start >= after] or \
                [x for x in mentions if x.kind == "post" and x.end <= s.start + m.start()
                 and not any(p.kind == "person" and p.end <= x.start for p in mentions)]
            if not people or not posts_after:
                d.todos.append((f"decisions: {kind}: the person or the post is not one of the entities", s))
                return True
            person = min(people, key=lambda x: abs(x.start - after))
            post = posts_after[0]
            if not person.certain or not post.certain:
                d.todos.append((f"decisions: {kind}: " + "; ".join(
                    f"{x.kind}: one of {', '.join(x.slugs)} (\"{x.text}\")" for x in (person, post) if not x.certain), s))
                return True
            dec = Decision(Value(kind, m.group(0), s.start + m.start(), after, s.n), _value(person, s), _value(post, s))
            for date, _end, before in self.rules.dates(s, lang, with_prefix=True):
                if self.rules.search("effective_from", lang, before):
                    dec.effective_from = date
            d.decisions.append(dec)
            used = True
            return used
        m = self.rules.search_decision("adoption", lang, s.text)
        if m:
            for kind, word_m, title in self.rules.documents(s, lang, m.end()):
                dec = Decision(Value("adoption", m.group(0), s.start + m.start(), s.start + m.end(), s.n),
                               kind=Value(kind, word_m.group(0), s.start + word_m.start(), s.start + word_m.end(), s.n))
                if title is not None:
                    if is_cyrillic(title.value) :
                        dec.language = "ru"
                    dec.title = title
                d.decisions.append(dec)
                used = True
        return used

    # -- the next meeting ----------------------------------------------------------------------

    def _next_meeting(self, d: Draft, s: Sentence, mentions: list[Mention], lang: str) -> bool:
        used = False
        dates = self.rules.dates(s, lang) or self.rules.years(s, lang)
        if dates:
            d.next_meeting["date"] = dates[0][0]
            used = True
        state = next((m for m in mentions if m.kind in ("state", "demonym") and m.certain), None)
        if state:
            d.next_meeting["host_state"] = _value(state, s)
            used = True
        place = next((m for m in mentions if m.kind == "place" and m.certain), None)
        if place:
            d.next_meeting["place"] = _value(place, s)
            used = True
        if not used:
            d.todos.append(("next_meeting", s))
        return used


@dataclass
class _Group:
    person: tuple | None
    titles: list[Mention]

    @property
    def anchor(self) -> int:
        if self.person is not None:
            return self.person[1]
        return self.titles[0].first

    @property
    def first(self) -> int:
        return min([self.anchor, *(t.first for t in self.titles)])

    @property
    def last(self) -> int:
        ends = [t.last for t in self.titles]
        if self.person is not None:
            ends.append(self.person[2])
        return max(ends)

    @property
    def end_char(self) -> int:
        if self.person is None:
            return self.titles[-1].end
        tag, _f, _l, m = self.person
        return m.end if tag == "known" else m[2][-1].end


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text and all(c in _ROMAN for c in text.upper()):
        total, prev = 0, 0
        for c in reversed(text.upper()):
            v = _ROMAN[c]
            total += -v if v < prev else v
            prev = max(prev, v)
        return total
    return None


def _nominative(word: str) -> str:
    from .text import _morph

    for parse in _morph().parse(word):
        if {"Name", "Surn", "Patr"} & set(parse.tag.grammemes):
            nom = parse.inflect({"nomn"})
            if nom is not None:
                return nom.word.capitalize()
    return word
