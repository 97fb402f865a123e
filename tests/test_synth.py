"""The synthetic records generator of benchmarks/: deterministic, and its output builds."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from csto_kg.check.build import build
from csto_kg.records import read_records
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.check.files import validate_files

from .conftest import ROOT

SYNTH = ROOT / "benchmarks" / "synth.py"
MEETINGS = 24


def _load_synth():
    spec = importlib.util.spec_from_file_location("csto_kg_bench_synth", SYNTH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SYNTH), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "records"
    result = _run("--meetings", str(MEETINGS), "--out", str(out), "--seed", "7")
    assert result.returncode == 0, result.stderr
    return out


def test_same_seed_gives_byte_identical_files(generated, tmp_path):
    again = tmp_path / "again"
    result = _run("--meetings", str(MEETINGS), "--out", str(again), "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert _files(again) == _files(generated)


def test_another_seed_gives_other_meetings(generated, tmp_path):
    other = synth.generate(MEETINGS, tmp_path / "other", seed=8)
    first, second = _files(generated), _files(tmp_path / "other")
    assert other.meetings == MEETINGS
    assert sorted(n for n in first if n.startswith("meetings/")) == sorted(n for n in second if n.startswith("meetings/"))
    assert first != second
    assert sum(first[n] != second[n] for n in first if n.startswith("meetings/")) > MEETINGS // 2


def test_the_format_is_the_curated_one_and_obviously_synthetic(generated):
    names = _files(generated)
    meetings = [n for n in names if n.startswith("meetings/")]
    assert len(meetings) == MEETINGS
    assert all(n.startswith(("entities/", "meetings/")) and n.endswith(".yaml") for n in names)
    records = read_records(generated)
    assert records.errors == []
    assert all("-synth-" in m.slug for m in records.meetings)
    assert all(str(e.slug).startswith("synth-") for e in records.entities)
    assert all(str(e.labels.pref["en"]).startswith(("Synthetic", "Republic of Synthetic"))
               for e in records.entities if e.kind in ("state", "person", "body", "rank", "place"))
    assert all(e.wikidata is None for e in records.entities)  # no invented QIDs
    counts = [len(m.participations) for m in records.meetings]
    assert min(counts) >= 10 and max(counts) <= 40
    assert any(p.person is None and p.posts for m in records.meetings for p in m.participations)


def test_people_recur_with_changing_posts_and_ranks(tmp_path):
    synth.generate(400, tmp_path, seed=3)
    records = read_records(tmp_path)
    assert records.errors == []
    seen: dict[str, list[tuple[str, tuple[str, ...], str | None]]] = {}
    for m in sorted(records.meetings, key=lambda m: m.start.text):
        for p in m.participations:
            if p.person is not None:
                seen.setdefault(str(p.person.slug), []).append(
                    (m.start.text, tuple(sorted(str(x.slug) for x in p.posts)), str(p.rank.slug) if p.rank else None))
    recurring = [v for v in seen.values() if len(v) >= 5]
    assert len(recurring) > len(seen) // 2
    assert any(len({posts for _, posts, _ in v}) > 1 for v in recurring)
    assert any(len({rank for _, _, rank in v}) > 1 for v in recurring)
    decisions = [d for m in records.meetings for d in m.decisions]
    assert decisions and any(d.effective_from is not None for d in decisions)
    assert any(m.agenda for m in records.meetings) and all(m.delegations for m in records.meetings)


def test_refuses_to_write_into_the_real_data_folder(tmp_path):
    result = _run("--meetings", "1", "--out", str(ROOT / "data"))
    assert result.returncode != 0
    assert "refusing" in result.stderr
    result = _run("--meetings", "1", "--out", str(tmp_path))
    assert result.returncode == 0
    again = _run("--meetings", "1", "--out", str(tmp_path))
    assert again.returncode != 0 and "--force" in again.stderr


def test_the_output_builds_and_the_store_holds_every_meeting_and_participation(generated, tmp_path, validator):
    expected = sum(len(m.participations) for m in read_records(generated).meetings)
    store = EmbeddedStore(tmp_path / "store")
    result = build(generated, store, validator)
    assert [p for p in result.warnings if p.severity == "error"] == []

    def count(cls: str) -> int:
        rows = list(store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <https://w3id.org/csto-kg/ontology#{cls}> }}"))
        return int(rows[0]["n"].value)

    assert count("Meeting") == MEETINGS
    assert count("Participation") == expected
    assert expected >= 10 * MEETINGS


def test_one_generated_meeting_validates_alone(generated, validator):
    meeting = sorted((generated / "meetings").glob("*.yaml"))[3]
    report, unreadable = validate_files([meeting], generated, validator)
    assert not unreadable
    assert report.errors() == []
