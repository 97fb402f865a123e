"""What ``csto-kg link --write`` relies on in ruamel.yaml, pinned, and its promise on every real entity file.

records/yaml_write.py uses ruamel.yaml's round-trip mode and three of its internals: the
comment slots of a mapping (``CommentedMap.ca.items[key]``, a 4-list whose third item is the
``CommentToken`` after the key's value), line/column marks (``.lc.key``) and
``load_yaml_guess_indent``. A ruamel.yaml release that changes any of them fails here first,
before a curator's file could be reformatted.
"""

from __future__ import annotations

import re
import shutil

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from csto_kg.records import ENTITY_SECTIONS
from csto_kg.records.yaml_write import WriteRefused, add_qids

from .conftest import DATA

TEXT = """\
people:
  - slug: a
    label: A   # end of line
  # above b
  - slug: b
    label: B
"""


def test_the_comment_after_a_value_sits_in_the_third_slot_of_its_key():
    document = YAML().load(TEXT)
    first = document["people"][0]
    assert isinstance(first, CommentedMap)
    slots = first.ca.items["label"]
    assert len(slots) == 4 and isinstance(slots[2], CommentToken)
    assert slots[2].value.startswith("# end of line\n") and "# above b" in slots[2].value


def test_line_marks_and_indent_guessing_keep_their_shape():
    document = YAML().load(TEXT)
    assert document["people"][1].lc.key("label") == (5, 4)  # 0-based line and column
    _, indent, block_seq_indent = load_yaml_guess_indent(TEXT)
    assert (indent, block_seq_indent) == (4, 2)


def _entities_without_qid(path) -> dict[str, str]:
    document = YAML().load(path.read_text(encoding="utf-8")) or {}
    slugs = [entry["slug"] for section in ENTITY_SECTIONS for entry in (document.get(section) or [])
             if isinstance(entry, dict) and "slug" in entry and "wikidata" not in entry]
    return {slug: f"Q{90_000_000 + n}" for n, slug in enumerate(slugs)}


ENTITY_FILES = sorted(DATA.glob("entities/*.yaml"))


def _has_wrapped_flow_sequence(lines: list[str]) -> bool:
    """A ``[a, b,`` list continued on the next line: ruamel.yaml writes it back on one line."""
    return any(line.count("[") > line.count("]") for line in lines)


@pytest.mark.parametrize("name", [p.name for p in ENTITY_FILES])
def test_every_real_entity_file_gains_only_the_qid_lines_or_is_left_alone(tmp_path, name):
    path = tmp_path / name
    shutil.copy(DATA / "entities" / name, path)
    before = path.read_text(encoding="utf-8").splitlines()
    qids = _entities_without_qid(path)
    if not qids:  # every entity has its QID: take the first one's out, and it must come back as it was
        at = next(n for n, line in enumerate(before) if re.fullmatch(r"\s+wikidata: Q[0-9]+", line))
        slug = next(re.search(r"slug: (\S+)", line).group(1) for line in reversed(before[:at]) if "slug:" in line)
        qids = {slug: before[at].split(": ")[1]}
        original, before = before, before[:at] + before[at + 1:]
        path.write_text("\n".join(before) + "\n", encoding="utf-8")
        add_qids(path, qids)
        assert path.read_text(encoding="utf-8").splitlines() == original
        return
    if _has_wrapped_flow_sequence(before):  # would be reformatted: refused, untouched
        with pytest.raises(WriteRefused, match="add by hand"):
            add_qids(path, qids)
        assert path.read_text(encoding="utf-8").splitlines() == before
        return
    added = add_qids(path, qids)
    after = path.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before) + len(qids) == len(before) + len(added)
    kept = [line for n, line in enumerate(after, 1) if n not in {a.line for a in added}]
    assert kept == before
    for entry in added:
        assert after[entry.line - 1].strip() == f"wikidata: {qids[entry.slug]}"


def test_the_real_entity_files_were_all_tried():
    assert len(ENTITY_FILES) >= 10
