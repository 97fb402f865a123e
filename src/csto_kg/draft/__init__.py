"""The curator's drafting assistant: a report's text -> a draft meeting record that cites the words
behind each value (``csto-kg draft``, ``POST /draft``).

text.py (sentences, words and their keys: razdel, pymorphy3), rules.py + rules.yaml (the report
patterns, as data), lexicon.py (the entities a sentence names, by their labels), extract.py (the
values of the draft), write.py (the draft and its stubs as YAML), score.py (precision and recall
against a curator's record).

Imports only csto_kg.records (and the optional libraries of the ``draft`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .extract import Draft, Extractor
from .lexicon import Lexicon, load
from .rules import Rules, default_rules
from .write import record_yaml, stubs_yaml

__all__ = ["Drafted", "Draft", "draft_text", "lexicon", "missing_library"]

#: The libraries of the ``draft`` extra, imported where they are used.
LIBRARIES = ("razdel", "pymorphy3", "dateparser")


def missing_library() -> str | None:
    """The first library of the ``draft`` extra this install lacks, or None."""
    import importlib.util

    return next((name for name in LIBRARIES if importlib.util.find_spec(name) is None), None)


@dataclass
class Drafted:
    draft: Draft
    record: str   # the draft meeting record, YAML
    stubs: str    # the new entities it names, YAML ("" when none)


def lexicon(data_dir: Path) -> Lexicon:
    """The entities of ``data_dir``'s entity files, ready to be found in a text."""
    rules = default_rules()
    return load(Path(data_dir), rules.demonyms, rules.surname_endings)


def draft_text(text: str, source: str, data_dir: Path | None = None, lang: str = "auto",
               lex: Lexicon | None = None, text_name: str = "the text", stubs_name: str | None = None) -> Drafted:
    """Draft a meeting record from a report's ``text``, crediting ``source`` (a source's slug)."""
    lex = lex or lexicon(Path(data_dir or "data"))
    d = Extractor(lex, default_rules()).draft(text, source, lang)
    return Drafted(d, record_yaml(d, lex, text_name, stubs_name), stubs_yaml(d, text_name))
