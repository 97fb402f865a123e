"""A draft as YAML text in the record format, every value followed by the words it came from."""

from __future__ import annotations

import json

from .extract import Choice, Draft
from .text import Value
from .lexicon import Lexicon

_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else _ORDINAL.get(n % 10, 'th')}"


def _oneline(text: str) -> str:
    return " ".join(str(text).split())


def evidence(v: Value | Choice) -> str:
    """``"the words" [s3, 120-134]``: the words of the text and where they are (sentence, characters)."""
    if getattr(v, "start", -1) < 0:
        return _oneline(v.quote) if v.quote else ""
    sentence = f"s{v.sentence}, " if isinstance(v, Value) and v.sentence else ""
    return f"\"{_oneline(v.quote)}\" [{sentence}{v.start}-{v.end}]"


def _line(indent: str, key: str, value: Value, text: str | None = None, width: int = 36) -> str:
    shown = text if text is not None else str(value.value)
    left = f"{indent}{key}: {shown}" if key else f"{indent}- {shown}"
    note = evidence(value)
    return f"{left.ljust(width)}  # {note}" if note else left


def _scalar(value: object) -> str:
    text = str(value)
    if text.startswith(("X", "[", "{")) or ":" in text or "#" in text or text != text.strip():
        return json.dumps(text, ensure_ascii=False)
    return text


def _choices(indent: str, choices: list[Choice], lex: Lexicon) -> list[str]:
    out = []
    for c in choices:
        where = f" \"{_oneline(c.quote)}\" [{c.start}-{c.end}]" if c.start >= 0 else ""
        out.append(f"{indent}# CHOOSE {c.field} ({c.why}):{where}; uncomment one, or add a new entity")
        for option in c.options:
            out.append(f"{indent}# {c.field}: {option}   # {lex.label(option)}")
    return out


def _todo(indent: str, what: str, sentence) -> str:
    label = f"TODO {what}: " if what else "TODO: "
    return f"{indent}# {label}s{sentence.n} \"{_oneline(sentence.text)}\""


def record_yaml(d: Draft, lex: Lexicon, text_name: str = "the text", stubs_name: str | None = None) -> str:
    out = [f"# Draft of a meeting record from {text_name} (language: {d.language}), written by csto-kg draft.",
           "# Each value is followed by the words of the text it came from and where they are",
           "# ([sentence, first-last character]). Check every value against the source, pick among the",
           "# CHOOSE comments, resolve every TODO (the text did not let them be placed), then validate."]
    if d.stubs:
        out.append(f"# New entities, to review before use: {stubs_name or 'the stubs file'}.")
    if d.body is not None:
        body_label = lex.label(str(d.body.value))
        label = f"{ordinal(d.session.value)} meeting of the {body_label}" if d.session else f"Meeting of the {body_label}"
        out.append(f"label: {_scalar(label)}   # drafted from the body and the session number; reword as the records do")
        out.append(_line("", "body", d.body))
    else:
        out.append("# TODO label: the name of the meeting, in English")
        out.append("# TODO body: the text names no body of the entity files")
    out += _choices("", [c for c in d.choices if c.field == "body"], lex)
    if d.joint_with:
        out.append("joint_with:")
        out += [_line("  ", "", v) for v in d.joint_with]
    if d.session is not None:
        out.append(_line("", "session", d.session))
    if d.date is not None:
        out.append(_line("", "date", d.date, _scalar(d.date.value)))
        if d.end_date is not None:
            out.append(_line("", "end_date", d.end_date, _scalar(d.end_date.value)))
    else:
        out.append("# TODO date: the text gives no date of the meeting")
    if d.place is not None:
        out.append(_line("", "place", d.place))
    if d.host_state is not None:
        out.append(_line("", "host_state", d.host_state))
    if d.format is not None:
        out.append(_line("", "format", d.format))
    out.append(f"sources: [{d.source}]")
    for what, sentence in d.todos:
        if what.startswith(("date", "next_meeting")) or not what:
            continue
    if d.delegations:
        out += ["", "delegations:"]
        for v in d.delegations:
            out.append(_line("  ", "- state", v))
    parts = [p for p in d.participations]
    if parts:
        out += ["", "participations:"]
        for n, p in enumerate(parts, 1):
            out.append(f"  - n: {n}")
            if p.person is not None:
                out.append(_line("    ", "person", p.person))
            out += [f"    # TODO {t}" for t in p.todos]
            out.append("    roles:")
            out += [_line("      ", "", r) for r in p.roles]
            if p.on_behalf_of is not None:
                out.append(_line("    ", "on_behalf_of", p.on_behalf_of))
            for key, values in (("post", p.posts), ("acting_post", p.acting)):
                if values:
                    out.append(f"    {key}:")
                    out += [_line("      ", "", v) for v in values]
            if p.rank is not None:
                out.append(_line("    ", "rank", p.rank))
            elif not any(c.field == "rank" for c in p.choices):
                out.append("    rank: not-stated                      # the text gives no rank")
            out += _choices("    ", p.choices, lex)
    agenda = [(proposer, s) for proposer, s in d.agenda]
    if agenda:
        out += ["", "# agenda:"]
        for proposer, s in agenda:
            if proposer is not None:
                out.append(f"#   proposed_by: {proposer.value}   # {evidence(proposer)}")
            out.append(_todo("  ", "agenda item: its subject, in English", s))
    if d.decisions:
        out += ["", "decisions:"]
        for n, dec in enumerate(d.decisions, 1):
            out.append(f"  - n: {n}")
            out.append(_line("    ", "type", dec.type))
            if dec.appointee is not None:
                out.append(_line("    ", "appointee", dec.appointee))
            if dec.post is not None:
                out.append(_line("    ", "post", dec.post))
            if dec.effective_from is not None:
                out.append(_line("    ", "effective_from", dec.effective_from, _scalar(dec.effective_from.value)))
            if dec.kind is not None:
                out.append(_line("    ", "kind", dec.kind))
            if dec.title is not None:
                out.append(_line("    ", "title", dec.title, json.dumps(_oneline(dec.title.value), ensure_ascii=False)))
                if dec.language:
                    out.append(f"    language: {dec.language}")
    if d.next_meeting:
        out += ["", "next_meeting:"]
        for key in ("date", "host_state", "place"):
            if key in d.next_meeting:
                v = d.next_meeting[key]
                out.append(_line("  ", key, v, _scalar(v.value)))
    todos = [(what, s) for what, s in d.todos]
    if todos:
        out += ["", "# What the draft could not place, sentence by sentence:"]
        out += [_todo("", what, s) for what, s in todos]
    return "\n".join(out) + "\n"


def stubs_yaml(d: Draft, text_name: str = "the text") -> str:
    """The new entities a draft names, in an entity file of their own, each marked for review."""
    if not d.stubs:
        return ""
    out = [f"# New entities named by {text_name}, not (yet) in data/entities/. REVIEW each one: its",
           "# spelling, slug and English label, and whether it is someone already there under another",
           "# name, before moving it into an entity file.",
           "people:"]
    for stub in d.stubs:
        out.append(f"  - slug: {stub.slug}".ljust(38) + f"  # REVIEW: new entity; \"{_oneline(stub.quote)}\" [{stub.start}-{stub.end}]")
        label = json.dumps(stub.label_en, ensure_ascii=False)
        if stub.label_ru:
            out.append(f"    label: {{en: {label}, ru: {json.dumps(stub.label_ru, ensure_ascii=False)}}}")
        else:
            out.append(f"    label: {label}")
        out.append(f"    sources: [{d.source}]")
    return "\n".join(out) + "\n"
