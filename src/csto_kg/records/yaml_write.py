"""Add ``wikidata: Q…`` to entity records without touching anything else in the file.

The file is read and written with ruamel.yaml's round-trip mode, which keeps comments,
key order, flow style and quoting. Before anything is written, the new text is compared
with the old one line by line: if anything other than the added ``wikidata`` lines
differs (an unusual layout ruamel.yaml would re-indent, say), the file is left alone and
the curator is told to add the line by hand.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from ..problems import CstoKgError
from .kinds import ENTITY_SECTIONS
from .model import QID


class WriteRefused(CstoKgError):
    """A file could not be changed by adding lines only; nothing was written to it."""

    status = 409


@dataclass(frozen=True)
class Added:
    file: Path
    slug: str
    qid: str
    line: int  # 1-based line of the added ``wikidata:`` line


def _yaml(text: str) -> YAML:
    _, indent, block_seq_indent = load_yaml_guess_indent(text)
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 1 << 20  # never fold a long label
    indent = indent or 2
    offset = block_seq_indent or 0
    yaml.indent(mapping=max(indent - offset, 2) if offset else indent, sequence=indent, offset=offset)
    return yaml


def _find(document: object, slug: str) -> CommentedMap | None:
    if not isinstance(document, CommentedMap):
        return None
    for section in ENTITY_SECTIONS:
        entries = document.get(section)
        if isinstance(entries, CommentedSeq):
            for entry in entries:
                if isinstance(entry, CommentedMap) and str(entry.get("slug")) == slug:
                    return entry
    return None


def _append_key(entry: CommentedMap, key: str, value: str) -> None:
    """Add ``key: value`` as the entry's last key, keeping the last value's comments in place.

    ruamel.yaml attaches what follows a mapping's last value (an end-of-line comment,
    blank lines, the comment above the next section) to that value. The end-of-line part
    stays with it; the rest moves below the new key, so the added line lands right after
    the entry's last line.
    """
    last = list(entry)[-1] if entry else None
    entry[key] = value
    if last is None:
        return
    tokens = entry.ca.items.get(last)
    if not tokens or len(tokens) < 3 or not isinstance(tokens[2], CommentToken):
        return
    token: CommentToken = tokens[2]
    text = token.value
    newline = text.find("\n")
    if newline < 0 or newline == len(text) - 1:
        return  # only an end-of-line comment: it stays where it is
    keep, move = text[: newline + 1], text[newline:]  # the moved part starts the new line's end
    if keep.strip():
        token.value = keep
    else:
        del entry.ca.items[last]
    entry.ca.items[key] = [None, None, CommentToken(move, token.start_mark, None), None]


def _only_added(old: str, new: str) -> list[int] | None:
    """The 1-based numbers of the lines ``new`` adds to ``old``, or None if it changes any."""
    added = []
    matcher = difflib.SequenceMatcher(None, old.splitlines(True), new.splitlines(True), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            return None
        added.extend(range(j1 + 1, j2 + 1))
    return added


def dump_adding_only(yaml: YAML, document: object, text: str, count: int, added_line: str) -> str | None:
    """``document`` written back, when that adds exactly ``count`` lines matching ``added_line`` to
    ``text`` and changes no other line (line endings kept); None otherwise."""
    out = io.StringIO()
    yaml.dump(document, out)
    new = out.getvalue()
    if "\r\n" in text:
        new = new.replace("\r\n", "\n").replace("\n", "\r\n")
    added = _only_added(text, new)
    lines = new.splitlines()
    if added is None or len(added) != count or not all(re.fullmatch(added_line, lines[n - 1]) for n in added):
        return None
    return new


def add_qids(path: Path, qids: dict[str, str]) -> list[Added]:
    """Add ``wikidata: QID`` to each entry of ``path`` whose slug is in ``qids``.

    Entries that already have a ``wikidata`` key are not touched. Raises
    :class:`WriteRefused` (and writes nothing) when the change would alter any other line.
    """
    for qid in qids.values():
        if not QID.match(qid):
            raise ValueError(f"{qid!r} is not a Wikidata QID")
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    yaml = _yaml(text)
    document = yaml.load(text)
    todo = []
    for slug, qid in qids.items():
        entry = _find(document, slug)
        if entry is None:
            raise WriteRefused(f"{path}: no entry with slug {slug!r}; expected the file the entity was read from")
        if "wikidata" in entry:
            continue
        _append_key(entry, "wikidata", qid)
        todo.append((slug, qid))
    if not todo:
        return []
    new = dump_adding_only(yaml, document, text, len(todo), r"\s*wikidata: Q[0-9]+\s*")
    if new is None:
        wanted = ", ".join(f"{slug}: wikidata: {qid}" for slug, qid in todo)
        raise WriteRefused(f"{path}: adding the QID would reformat other lines, so the file was left as it is; "
                           f"expected you to add by hand: {wanted}")
    _write_atomically(path, new.encode("utf-8"))
    written = _yaml(new).load(new)
    return [Added(path, slug, qid, _find(written, slug).lc.key("wikidata")[0] + 1) for slug, qid in todo]


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
