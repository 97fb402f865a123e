"""The README's Records section shows the format as it is: every YAML example in it is a valid record.

Each fenced ``yaml`` block is checked as an entity file (when its keys are entity sections) or as a
meeting file, against the real records' entities, with the production path (`csto-kg validate`).
A block whose first line is ``# fragment`` is a piece of a record, not a whole one, and is skipped.
"""

from __future__ import annotations

import re

import yaml

from csto_kg.check.files import validate_files
from csto_kg.records import ENTITY_SECTIONS, read_file, read_records

from .conftest import DATA, ROOT

FRAGMENT = "# fragment"


def records_section_blocks(readme: str | None = None) -> list[str]:
    """The fenced ``yaml`` blocks of the README's Records section (to the next ``## `` heading)."""
    readme = readme if readme is not None else (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Records\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```yaml\n(.*?)^```$", section, flags=re.S | re.M)


def test_the_blocks_are_those_of_the_records_section():
    readme = ("# x\n\n```yaml\nbefore: 1\n```\n\n## Records\n\n```yaml\na: 1\n```\n\n### Sub\n\n```sh\nls\n```\n"
              "```yaml\n# fragment\nb: 2\n```\n\n## The graph\n\n```yaml\nafter: 1\n```\n")
    assert records_section_blocks(readme) == ["a: 1\n", "# fragment\nb: 2\n"]
    assert len(records_section_blocks()) >= 2


def test_every_yaml_example_of_the_records_section_is_a_valid_record(data_copy, validator):
    real = {(e.kind, str(e.slug)) for e in read_records(DATA).entities}
    checked = {"entities": 0, "meetings": 0}
    fragments = 0
    for i, block in enumerate(records_section_blocks()):
        if block.startswith(FRAGMENT + "\n"):
            fragments += 1
            continue
        keys = set(yaml.safe_load(block))
        folder = "entities" if keys <= set(ENTITY_SECTIONS) else "meetings"
        dated = re.search(r"^date: *\"?\[?([0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)", block, flags=re.M)
        # a meeting file is named by a date its record can have, as the real ones are
        name = (f"{folder}/zz-readme-{i}.yaml" if folder == "entities"
                else f"meetings/{dated.group(1) if dated else '2000'}-readme-{i}.yaml")
        (data_copy / name).write_text(block, encoding="utf-8")
        report, unreadable = validate_files([data_copy / name], data_copy, validator)
        errors = [str(p) for p in report.errors()]
        if folder == "entities":
            # the examples are entries of the real records, so their slugs are taken: nothing else may be wrong
            errors = [e for e in errors if "is also used by" not in e]
            shown = {(e.kind, str(e.slug)) for e in read_file(data_copy / name, name).entities}
            assert shown and shown <= real, f"README block {i}: not in data/entities/: {sorted(shown - real)}"
        assert not unreadable and errors == [], f"README block {i} ({folder}):\n" + "\n".join(errors)
        checked[folder] += 1
    assert checked == {"entities": 1, "meetings": 1} and fragments == 9
