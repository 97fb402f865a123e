"""A corpus of broken records: each gets its own file:line message and changes nothing."""

from __future__ import annotations

import re
import shutil

import pytest

from csto_kg.check.build import build
from csto_kg.problems import InvalidRecords
from csto_kg.check.files import validate_files

from .conftest import FIXTURES

CORPUS = FIXTURES / "bad-records"
CASES = sorted(p for p in CORPUS.rglob("*.yaml"))


def _expectation(path):
    head = path.read_bytes().split(b"\n", 2)
    line = int(re.search(rb"expect-line: (\d+)", head[0]).group(1))
    message = re.search(rb"expect-message: (.*)", head[1]).group(1).decode()
    return line, message


def test_corpus_size():
    assert len(CASES) == 75


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_record_is_reported_at_its_line(case, data_copy, validator):
    name = f"{case.parent.name}/{case.name}"
    shutil.copy(case, data_copy / name)
    line, message = _expectation(case)
    report, _unreadable = validate_files([data_copy / name], data_copy, validator)  # as `csto-kg validate FILE`
    errors = [p for p in report.problems if p.severity == "error"]
    assert errors, "the record must not conform"
    texts = [str(p) for p in errors]
    # problems elsewhere are only the other side of a clash with this file (a slug used twice)
    assert all(p.file == name or name in p.message for p in errors), texts
    assert any(p.line == line and message in str(p) for p in errors), texts
    assert all(re.match(r"^(meetings|entities)/[^:]+:\d+:\d+: ", t) for t in texts)


def test_failed_build_leaves_the_store_untouched(built_store, data_copy, validator):
    before = built_store.current_dir(), built_store.manifest()
    for case in CASES:
        target = data_copy / case.parent.name / case.name
        shutil.copy(case, target)
        with pytest.raises(InvalidRecords):
            build(data_copy, built_store, validator)
        target.unlink()
        assert (built_store.current_dir(), built_store.manifest()) == before
    assert bool(built_store.query("ASK { ?s ?p ?o }"))


def test_validate_and_build_report_the_same_errors(built_store, data_copy, validator):
    """Whatever `csto-kg validate FILE` says of a broken record, `csto-kg build` says too, word for word."""
    from csto_kg.check.files import validate_files

    compared = 0
    for case in CASES:
        name = f"{case.parent.name}/{case.name}"
        target = data_copy / name
        shutil.copy(case, target)
        report, _unreadable = validate_files([target], data_copy, validator)
        with pytest.raises(InvalidRecords) as failed:
            build(data_copy, built_store, validator)
        target.unlink()
        from_validate = [str(p) for p in report.errors()]
        from_build = [str(p) for p in failed.value.problems if p.severity == "error" and p.file == name]
        assert from_validate and from_validate == from_build, name
        compared += 1
    assert compared == len(CASES) == 75
