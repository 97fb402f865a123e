"""`csto-kg migrate`: named migrations add lines to the records and change nothing else."""

from __future__ import annotations

import shutil

import pytest

from csto_kg.cli import main
from csto_kg.records.migrations import MIGRATIONS, Target, rank_not_stated
from csto_kg.records.yaml_write import WriteRefused
from csto_kg.check.files import validate_files

from .conftest import DATA

MARKER = "    rank: not-stated\n"
MEETINGS = sorted(p for p in (DATA / "meetings").glob("*.yaml") if MARKER in p.read_text(encoding="utf-8"))


def _without_marker(path, target):
    target.write_text(path.read_text(encoding="utf-8").replace(MARKER, ""), encoding="utf-8")
    return target


def test_the_migrations_are_named():
    assert sorted(MIGRATIONS) == ["rank-not-stated"]


def test_the_migration_gives_back_every_real_record_it_was_run_on(tmp_path):
    """The committed records are what the migration wrote: taking its lines out and running it again
    gives each file back byte for byte."""
    lines = 0
    for path in MEETINGS:
        copy = _without_marker(path, tmp_path / path.name)
        changes = rank_not_stated(Target(copy))
        assert copy.read_bytes() == path.read_bytes(), path.name
        assert all(c.text == "rank: not-stated" and c.field.endswith(".rank") for c in changes)
        lines += len(changes)
    assert (len(MEETINGS), lines) == (34, 139)


def test_it_answers_the_rank_warnings_and_nothing_else(tmp_path, runner, validator):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = _without_marker(DATA / "meetings" / "2019-06-20-ccim-22.yaml", data / "meetings" / "2019-06-20-ccim-22.yaml")
    report, _ = validate_files([path], data, validator)
    assert sorted(p.field for p in report.problems) == ["participations[n=3]", "participations[n=4]"]
    before = path.read_text(encoding="utf-8").splitlines()

    result = runner.invoke(main, ["migrate", "rank-not-stated", str(path)])
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8").splitlines()
    added = [n for n, line in enumerate(after, 1) if line == "    rank: not-stated"]
    assert result.stdout.splitlines() == [f"{path}:{added[0]}: participations[n=3].rank: added 'rank: not-stated'",
                                          f"{path}:{added[1]}: participations[n=4].rank: added 'rank: not-stated'"]
    assert "added 2 line(s) in 1 file(s)" in result.stderr
    assert [line for line in after if line not in before] == ["    rank: not-stated"] * 2
    assert [line for line in after if line != "    rank: not-stated"] == before
    # after the post, its wording and on_behalf_of, before the sources; the comment after the post stays
    first = added[0] - 1
    assert after[first - 3:first + 1] == ["    post: csto-deputy-secretary-general   # the report names the post, not the person",
                                          "    roles: [attendee]", "    on_behalf_of: csto", "    rank: not-stated"]
    report, _ = validate_files([path], data, validator)
    assert report.problems == []

    again = runner.invoke(main, ["migrate", "rank-not-stated", str(path)])
    assert again.exit_code == 0 and again.stdout == "" and "added 0 line(s)" in again.stderr
    assert path.read_text(encoding="utf-8").splitlines() == after


def test_only_the_participations_named_and_nothing_on_a_dry_run(tmp_path, runner):
    path = _without_marker(DATA / "meetings" / "2019-11-28-csc-bishkek.yaml", tmp_path / "2019-11-28-csc-bishkek.yaml")
    before = path.read_bytes()
    dry = runner.invoke(main, ["migrate", "rank-not-stated", "--dry-run", f"{path}#7,1"])
    assert dry.exit_code == 0, dry.output
    assert [line.split(": ", 2)[1] for line in dry.stdout.splitlines()] == ["participations[n=1].rank",
                                                                             "participations[n=7].rank"]
    assert "would add 2 line(s)" in dry.stderr and path.read_bytes() == before
    result = runner.invoke(main, ["migrate", "rank-not-stated", f"{path}#7"])
    assert result.exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert text.count(MARKER) == 1
    assert "    acting_post: csto-secretary-general\n    post_as_stated: {en: Acting Secretary-General of the CSTO}\n" \
           + MARKER in text


@pytest.mark.parametrize("content, target, message", [
    ("label: X\nparticipations:\n  - n: 1\n    person: p\n", "#2", "no participation n=2; expected one of n=1"),
    ("states:\n  - slug: s\n    label: S\n", "", "no 'participations' list; expected a meeting record"),
    ("label: X\nparticipations:\n  - n: 1\n    person: p\n    roles: [attendee,\n            chair]\n", "",
     "would reformat others, so the file was left as it is; expected you to add by hand 'rank: not-stated' "
     "to participations n=1"),
    ("label: [\n", "", "is not valid YAML"),
    (b"label: \xff\n", "", "is not UTF-8 text"),
])
def test_a_target_it_cannot_change_by_adding_lines_is_left_alone(tmp_path, runner, content, target, message):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = path.read_bytes()
    with pytest.raises(WriteRefused, match="left as it is|no participation|no 'participations'|not valid|not UTF-8"):
        rank_not_stated(Target.parse(f"{path}{target}"))
    result = runner.invoke(main, ["migrate", "rank-not-stated", f"{path}{target}"])
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "1 target(s) left as they were" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("target", ["x.yaml#", "x.yaml#0", "x.yaml#1,,2", "x.yaml#one"])
def test_a_bad_participation_list_is_a_usage_error(runner, target):
    result = runner.invoke(main, ["migrate", "rank-not-stated", target])
    assert result.exit_code == 2 and "expected FILE#N or FILE#N,N" in result.output


def test_an_unknown_migration_is_a_usage_error(runner):
    result = runner.invoke(main, ["migrate", "rank-not-stating", "x.yaml"])
    assert result.exit_code == 2 and "rank-not-stated" in result.output


def test_the_cli_starts_without_reading_the_migrations():
    """`csto-kg --help` and every other command start without importing the migrations (and the YAML libraries)."""
    import subprocess
    import sys

    found = subprocess.run([sys.executable, "-c", "import sys, csto_kg.cli; print('csto_kg.records.migrations' in sys.modules)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert found == "False"


def test_an_unknown_migration_is_named_with_the_choices(runner, tmp_path):
    result = runner.invoke(main, ["migrate", "rank-not-stat", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "'rank-not-stat' is not a migration; choose from: rank-not-stated" in result.output
