"""The drafting assistant measured on the gold set (tests/fixtures/drafts/), and its drafts validated."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pymorphy3")
pytest.importorskip("razdel")
pytest.importorskip("dateparser")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import draft_eval  # noqa: E402

from csto_kg.draft import draft_text, lexicon  # noqa: E402
from csto_kg.draft.score import FIELD_KINDS  # noqa: E402
from csto_kg.draft.text import language  # noqa: E402

PAIRS = draft_eval.gold_pairs()
GOLD_TEXTS = 16


def test_the_whole_gold_set_is_measured():
    assert len(PAIRS) == GOLD_TEXTS == len(list(draft_eval.GOLD.glob("*.txt")))
    assert sum(language(t.read_text(encoding="utf-8")) == "ru" for t, _r in PAIRS) >= GOLD_TEXTS // 2
    score = draft_eval.evaluate(PAIRS)
    assert score.drafts == GOLD_TEXTS
    low = {kind: score.precision(kind) for kind in FIELD_KINDS
           if score.precision(kind) is not None and score.precision(kind) < 0.95}
    assert not low, f"precision under 0.95:\n{score.table()}\n" + "\n".join(map(str, score.errors))
    assert all(score.precision(kind) is not None for kind in FIELD_KINDS)
    assert score.recall() >= 0.8, score.table()


@pytest.fixture(scope="module")
def data_with_gold_source(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(ROOT / "data" / "entities", data / "entities")
    (data / "entities" / "gold-sources.yaml").write_text(
        "sources:\n  - slug: gold\n    publisher: csto-kg gold set of the drafting assistant\n"
        "    published: 2024\n    url: https://example.org/gold\n", encoding="utf-8")
    return data


@pytest.mark.parametrize("text_path", [t for t, _r in PAIRS], ids=lambda p: p.stem)
def test_every_draft_passes_validate_but_for_its_todos(text_path, data_with_gold_source):
    from csto_kg.check.files import validate_files

    drafted = draft_text(text_path.read_text(encoding="utf-8"), "gold", lex=_lex(data_with_gold_source))
    record = yaml.safe_load(drafted.record)
    date = str(record.get("date", "2000"))
    name = f"meetings/{date if re.match(r'^[0-9-]+$', date) else '2000'}-gold.yaml"
    report, unreadable = validate_files([], data_with_gold_source, contents={name: drafted.record.encode()})
    todo_fields = set(re.findall(r"^# TODO (\w+)", drafted.record, re.M))
    errors = [p for p in report.problems if p.severity == "error" and p.field.split(".")[0].split("[")[0] not in todo_fields
              and not (p.field == "" and todo_fields)]
    assert not unreadable and errors == [], "\n".join(map(str, errors)) + "\n" + drafted.record


_LEX = {}


def _lex(data):
    if data not in _LEX:
        _LEX[data] = lexicon(data)
    return _LEX[data]
