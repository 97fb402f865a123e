"""Named migrations: the changes a new rule asks of existing records, made by a command.

``rank-not-stated`` writes ``rank: not-stated`` into participations that name no rank, saying
that their sources give none (the warning "states no rank" is then answered). Which
participations that is, only a reading of their sources can tell: the curator names them,
a whole meeting file (every participation without a rank) or ``FILE#N,N`` (those numbers only).

A migration adds lines and changes nothing else: the file is read and written with ruamel.yaml's
round-trip mode, and before it is written the new text is compared with the old line by line
(as ``csto-kg link --write`` does); a file that would change in any other way is left as it is,
with the lines to add by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .model import NOT_STATED
from .yaml_write import WriteRefused, _append_key, _write_atomically, _yaml, dump_adding_only

# The keys a participation's rank follows, in the order README's examples give them.
_BEFORE_RANK = ("n", "person", "roles", "role_as_stated", "on_behalf_of", "count", "post", "acting_post", "post_as_stated")


@dataclass(frozen=True)
class Change:
    """One line a migration adds (or, with ``dry_run``, would add)."""

    file: Path
    line: int  # 1-based line of the added text in the new file
    field: str  # e.g. ``participations[n=3].rank``
    text: str  # e.g. ``rank: not-stated``


@dataclass(frozen=True)
class Target:
    """A meeting file, and the participation numbers to change (None: every one without a rank)."""

    path: Path
    numbers: frozenset[int] | None = None

    @classmethod
    def parse(cls, text: str) -> "Target":
        """``FILE`` or ``FILE#N,N``."""
        path, hash_sign, numbers = text.rpartition("#") if "#" in text else (text, "", "")
        if not hash_sign:
            return cls(Path(text))
        if not re.fullmatch(r"[1-9][0-9]*(,[1-9][0-9]*)*", numbers):
            raise ValueError(f"{text!r}: {numbers!r} is not a list of participation numbers; expected FILE#N or FILE#N,N")
        return cls(Path(path), frozenset(int(n) for n in numbers.split(",")))


def rank_not_stated(target: Target, dry_run: bool = False) -> list[Change]:
    """Add ``rank: not-stated`` to the target's participations that have no ``rank`` key.

    Raises :class:`WriteRefused` (and writes nothing) when the file has no such participation
    numbers, is not a meeting record, or would change in more than the added lines.
    """
    path = target.path
    try:
        text = path.read_bytes().decode("utf-8")
        yaml = _yaml(text)
        document = yaml.load(text)
    except OSError as err:
        raise WriteRefused(f"{path}: cannot be read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise WriteRefused(f"{path}: is not UTF-8 text; expected a meeting record") from err
    except YAMLError as err:
        raise WriteRefused(f"{path}: is not valid YAML; expected a record `csto-kg validate` reads") from err
    entries = document.get("participations") if isinstance(document, CommentedMap) else None
    if not isinstance(entries, CommentedSeq):
        raise WriteRefused(f"{path}: no 'participations' list; expected a meeting record")
    by_number = {str(e.get("n")): e for e in entries if isinstance(e, CommentedMap)}
    if target.numbers is not None:
        missing = sorted(n for n in target.numbers if str(n) not in by_number)
        if missing:
            raise WriteRefused(f"{path}: no participation n={', n='.join(map(str, missing))}; "
                               f"expected one of n={', n='.join(by_number)}")
    todo = [n for n, e in by_number.items()
            if "rank" not in e and (target.numbers is None or int(n) in target.numbers)]
    if not todo:
        return []
    for number in todo:
        entry = by_number[number]
        keys = list(entry)
        after = max((keys.index(k) for k in _BEFORE_RANK if k in entry), default=len(keys) - 1)
        if after == len(keys) - 1:
            _append_key(entry, "rank", NOT_STATED)
        else:
            entry.insert(after + 1, "rank", NOT_STATED)
    new = dump_adding_only(yaml, document, text, len(todo), rf"\s*rank: {NOT_STATED}\s*")
    if new is None:
        raise WriteRefused(f"{path}: adding the lines would reformat others, so the file was left as it is; "
                           f"expected you to add by hand 'rank: {NOT_STATED}' to participations n={', n='.join(todo)}")
    if not dry_run:
        _write_atomically(path, new.encode("utf-8"))
    written = _yaml(new).load(new)["participations"]
    lines_by_number = {str(e.get("n")): e.lc.key("rank")[0] + 1 for e in written if "rank" in e}
    return [Change(path, lines_by_number[n], f"participations[n={n}].rank", f"rank: {NOT_STATED}") for n in todo]


#: Migration name -> (what it does, the function applying it to one target).
MIGRATIONS = {
    "rank-not-stated": ("write 'rank: not-stated' into participations without a rank, whose sources give none",
                        rank_not_stated),
}
