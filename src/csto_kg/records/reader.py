"""Reading a YAML document into record types: the field checks every schema shares, each problem at its line."""

from __future__ import annotations

import difflib
import re
from typing import Iterable

from ..problems import Problem
from .yamlsafe import Mapping, Mark, Sequence, Text
from .dates import EXAMPLES as EDTF_EXAMPLES, is_day, read as read_edtf
from .model import (
    DATE, LANG, LINE_BREAKS, Labels, NOT_IN_A_LABEL, NOT_STATED, ONE_LINE, PartialDate, Ref, SLUG, URL,
    foreign_script, iri_problem, is_language_tag,
)


class _Reader:
    """Reads the checked values of one file, collecting problems instead of stopping."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, mark: Mark, field: str, message: str, expected: str = "", value: object = None) -> None:
        self.problems.append(
            Problem(self.file, mark.line, mark.column, field, message, expected, "error",
                    None if value is None else str(value))
        )

    # -- structure

    def mapping(self, value: object, where: str, mark: Mark, allowed: dict[str, str], required: Iterable[str]) -> Mapping | None:
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, mark), where or "(record)", f"is {_describe(value)}",
                         "a mapping of " + ", ".join(allowed))
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(value.key_marks[key], _join(where, key), f"unknown key {key!r}{hint}",
                             "one of: " + ", ".join(allowed))
        for key in required:
            if value.get(key) is None:
                self.problem(value.key_marks.get(key, value.mark), _join(where, key),
                             "is missing" if key not in value else "is empty", allowed[key])
        return value

    def items(self, parent: Mapping, key: str, where: str, by: str | None = None) -> list[tuple[str, Mark, object]]:
        """The entries of a list-valued key, with their field names and marks.

        An entry is named by its key field ``by`` when it has a valid one: ``participations[n=6]``
        (a number), ``delegations[state=russia]`` (a slug); else by its position, ``participations[4]``.
        """
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, Sequence):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key),
                         f"is {_describe(value)}", "a list ('- ' entries)")
            return []
        return [(f"{_join(where, key)}[{_item_key(item, by) or i}]", value.item_marks[i], item) for i, item in enumerate(value)]

    # -- scalars

    def text(self, parent: Mapping, key: str, where: str) -> Text | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, Text):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key), f"is {_describe(value)}", "a text")
            return None
        if not value.strip():
            self.problem(value.mark, _join(where, key), "is blank", "a text")
            return None
        return value

    def pattern(self, parent: Mapping, key: str, where: str, regex: re.Pattern, expected: str) -> Text | None:
        value = self.text(parent, key, where)
        if value is not None and not regex.match(value):
            self.problem(value.mark, _join(where, key), f"{value!r} is not valid", expected, value)
            return None
        return value

    def url(self, parent: Mapping, key: str, where: str) -> Text | None:
        expected = "an http(s) URL without spaces"
        value = self.pattern(parent, key, where, URL, expected)
        if value is not None and (reason := iri_problem(value)) is not None:
            self.problem(value.mark, _join(where, key), f"{value!r} is not a valid URL ({reason})",
                         expected + ", each '%' followed by two hex digits", value)
            return None
        return value

    def language(self, parent: Mapping, key: str, where: str) -> Text | None:
        value = self.pattern(parent, key, where, LANG, "a language tag such as en or ru")
        if value is not None and not is_language_tag(value):
            self.problem(value.mark, _join(where, key), f"{value!r} is not a well-formed language tag",
                         "a BCP 47 tag such as en, ru or sr-Latn", value)
            return None
        return value

    def one_line(self, value: Text, name: str) -> Text:
        """``value``, with a problem when it cannot be a label (more than one line, a control
        character); the value is kept, so that what refers to its entity is not reported too."""
        found = NOT_IN_A_LABEL.search(value)
        if found is None:
            return value
        char = found.group()
        if char not in LINE_BREAKS:
            message = f"{value!r} contains the control character U+{ord(char):04X}"
        elif NOT_IN_A_LABEL.search(value.rstrip(LINE_BREAKS)) is None:
            message = f"{value!r} ends with a line break"
        else:
            message = f"{value!r} spans more than one line"
        self.problem(value.mark, name, message, ONE_LINE, value)
        return value

    def slug(self, parent: Mapping, key: str, where: str) -> Text | None:
        return self.pattern(parent, key, where, SLUG,
                            "a slug: lowercase ASCII letters, digits and single hyphens, e.g. 'aleksandr-gorovoy'")

    def choice(self, parent: Mapping, key: str, where: str, choices: tuple[str, ...], what: str) -> Text | None:
        value = self.text(parent, key, where)
        if value is not None and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(value.mark, _join(where, key), f"{value!r} is not {what}{hint}",
                         "one of: " + ", ".join(choices), value)
            return None
        return value

    def integer(self, parent: Mapping, key: str, where: str) -> int | None:
        value = self.text(parent, key, where)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
            self.problem(value.mark, _join(where, key), f"{value!r} is not a positive whole number",
                         "a number such as 22", value)
            return None
        return int(value)

    def boolean(self, parent: Mapping, key: str, where: str) -> bool | None:
        value = self.text(parent, key, where)
        if value is None:
            return None
        if value not in ("true", "false"):
            self.problem(value.mark, _join(where, key), f"{value!r} is not true or false", "true or false", value)
            return None
        return value == "true"

    def not_stated(self, parent: Mapping, key: str) -> Mark | None:
        """Where ``key: not-stated`` is written (the sources give no value), or None."""
        value = parent.get(key)
        return value.mark if isinstance(value, Text) and value == NOT_STATED else None

    def date(self, parent: Mapping, key: str, where: str) -> PartialDate | None:
        """An exact date (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``) or another EDTF date (``records.dates``)."""
        value = self.text(parent, key, where)
        if value is None:
            return None
        expected = ("YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known, or an EDTF date "
                    f"such as {EDTF_EXAMPLES} when it is uncertain")
        try:
            if DATE.match(value) and not is_day(value):
                read_edtf(str(value))  # only to say why (a season, 2019-21); a day that does not exist is no EDTF
                raise ValueError("not an EDTF date")
            if not DATE.match(value):
                read_edtf(str(value))
        except ValueError as err:
            reason = "" if str(err) == "not an EDTF date" else f" ({err})"
            self.problem(value.mark, _join(where, key), f"{value!r} is not a valid date{reason}", expected, value)
            return None
        return PartialDate(str(value), value.mark)

    def labels(self, parent: Mapping, key: str, where: str, required: bool = True) -> Labels | None:
        value = parent.get(key)
        name = _join(where, key)
        if value is None:
            if required and key in parent:
                self.problem(parent.key_marks[key], name, "is empty", "a label in English")
            return None
        if isinstance(value, Text):
            if not value.strip():
                return self.problem(value.mark, name, "is blank", "a label in English")
            self.english(value, name, key)
            return Labels({"en": self.one_line(value, name)})
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, parent.key_marks[key]), name, f"is {_describe(value)}",
                         "a text, or a mapping of language tag to text (en: ..., ru: ...)")
            return None
        pref: dict[str, Text] = {}
        for lang in value:
            if not is_language_tag(lang):
                self.problem(value.key_marks[lang], f"{name}.{lang}", f"{lang!r} is not a language tag",
                             "a BCP 47 tag such as en, ru, hy")
                continue
            text = self.text(value, lang, name)
            if text is not None:
                if _is_english(lang):
                    self.english(text, f"{name}.{lang}", key)
                pref[lang] = self.one_line(text, f"{name}.{lang}")
        if "en" not in pref and not any(p.field.startswith(name) for p in self.problems):
            self.problem(value.mark, name, "has no English label", "an 'en' entry")
        return Labels(pref)

    def english(self, value: Text, name: str, key: str, alternative: bool = False) -> None:
        """A problem when ``value``, an English label, is written mostly in another script than Latin
        (``label: Россия``): a name in another language goes under its own language tag."""
        script = foreign_script(value)
        if script is None:
            return
        tag = "ru" if script == "Cyrillic" else "<its language tag>"
        if alternative:
            expected = f"English names under en, others under their language's tag: {key}: {{{tag}: [{value}]}}"
        else:
            expected = (f"an English label (a label given as plain text is English), the name in its own language "
                        f"beside it: {key}: {{en: <the English name>, {tag}: {value}}}")
        self.problem(value.mark, name, f"{value!r} is in {script} script, not English", expected, value)

    def alt_labels(self, parent: Mapping, key: str, where: str) -> dict[str, list[Text]]:
        value = parent.get(key)
        name = _join(where, key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(_mark_of(value, parent.key_marks[key]), name, f"is {_describe(value)}",
                         "a mapping of language tag to a text or a list of texts")
            return {}
        alt: dict[str, list[Text]] = {}
        for lang, texts in value.items():
            if not is_language_tag(lang):
                self.problem(value.key_marks[lang], f"{name}.{lang}", f"{lang!r} is not a language tag",
                             "a BCP 47 tag such as en, ru, hy")
                continue
            entries = texts if isinstance(texts, Sequence) else [texts]
            for i, text in enumerate(entries):
                if isinstance(text, Text) and text.strip():
                    if _is_english(lang):
                        self.english(text, f"{name}.{lang}", key, alternative=True)
                    alt.setdefault(lang, []).append(self.one_line(text, f"{name}.{lang}"))
                else:
                    self.problem(_mark_of(text, value.key_marks[lang]), f"{name}.{lang}", f"is {_describe(text)}", "a text")
        return alt

    def ref(self, parent: Mapping, key: str, where: str, kinds: tuple[str, ...]) -> Ref | None:
        value = self.slug(parent, key, where)
        return Ref(value, kinds) if value is not None else None

    def refs(self, parent: Mapping, key: str, where: str, kinds: tuple[str, ...]) -> list[Ref]:
        value = parent.get(key)
        if value is None:
            return []
        if isinstance(value, Text):
            one = self.ref(parent, key, where, kinds)
            return [one] if one else []
        if not isinstance(value, Sequence):
            self.problem(_mark_of(value, parent.key_marks[key]), _join(where, key), f"is {_describe(value)}",
                         "a slug or a list of slugs")
            return []
        found = []
        for i, item in enumerate(value):
            holder = Mapping({key: item})
            holder.key_marks = {key: value.item_marks[i]}
            holder.mark = value.item_marks[i]
            one = self.ref(holder, key, where, kinds)
            if one:
                found.append(one)
        return found


def _item_key(item: object, by: str | None) -> str | None:
    """``n=6`` or ``state=russia``: the key ``by`` of a list entry, when it has a valid one."""
    value = item.get(by) if by is not None and isinstance(item, Mapping) else None
    if not isinstance(value, Text):
        return None
    if by == "n":
        valid = value.isascii() and value.isdigit() and 0 < int(value) and len(value) <= 9
        return f"n={int(value)}" if valid else None
    return f"{by}={value}" if SLUG.match(value) else None


def _is_english(lang: str) -> bool:
    return lang == "en" or lang.startswith("en-")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _mark_of(value: object, default: Mark) -> Mark:
    return getattr(value, "mark", default)


def _describe(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return f"the text {str(value)!r}"


