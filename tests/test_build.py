from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from csto_kg.check.build import build, is_stale
from csto_kg.problems import InvalidRecords, UsageError
from csto_kg.problems import StoreMissing
from csto_kg.store.embedded import EmbeddedStore

from .conftest import DATA


def test_build_publishes_a_queryable_store(tmp_path, validator):
    store = EmbeddedStore(tmp_path / "store")
    result = build(DATA, store, validator)
    assert result.quads > 700 and result.records >= 7
    assert store.manifest()["quads"] == result.quads
    assert bool(store.query("ASK { GRAPH <https://w3id.org/csto-kg/graph/ontology> { ?s ?p ?o } }"))
    assert bool(store.query("ASK { <https://w3id.org/csto-kg/id/meeting/2019-06-20-ccim-22> ?p ?o }"))


def test_staleness_follows_the_records(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "store")
    assert is_stale(data_copy, store)
    build(data_copy, store, validator)
    assert not is_stale(data_copy, store)
    people = data_copy / "entities" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + "  - slug: someone-new\n    label: Someone New\n", encoding="utf-8")
    assert is_stale(data_copy, store)


def test_invalid_record_leaves_previous_store_serving(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    before = store.current_dir()
    reader = store.reader()
    (data_copy / "meetings" / "2019-06-20-ccim-22.yaml").write_text("label: [broken\n", encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        build(data_copy, store, validator)
    assert "YAML syntax error" in str(err.value.problems[0])
    assert store.current_dir() == before
    assert store.reader() is reader
    assert bool(store.query("ASK { ?p <https://w3id.org/csto-kg/ontology#inMeeting> ?m }"))
    assert not list(store.builds.glob("*.partial"))


def test_rebuild_switches_readers_and_keeps_two_builds(tmp_path, validator):
    store = EmbeddedStore(tmp_path / "store")
    first = build(DATA, store, validator).store
    old_reader = store.reader()
    builds = [build(DATA, store, validator).store for _ in range(3)]
    assert store.current_dir() == builds[-1]
    assert store.reader() is not old_reader
    published = sorted(p for p in store.builds.iterdir() if p.is_dir())
    assert published == sorted(builds[-2:]) and not first.exists()


def test_missing_store_and_missing_data_are_clear(tmp_path):
    with pytest.raises(StoreMissing, match="run `csto-kg build` first"):
        EmbeddedStore(tmp_path / "none").reader()
    with pytest.raises(UsageError, match="does not exist"):
        build(tmp_path / "no-data", EmbeddedStore(tmp_path / "s"))


KILL_MID_BUILD = textwrap.dedent("""
    import os, signal, sys, types
    import pyoxigraph as ox
    from pathlib import Path
    from csto_kg.store import embedded as store_module
    from csto_kg.check.build import build

    class DiesWhileLoading:
        read_only = staticmethod(ox.Store.read_only)
        def __init__(self, path):
            self.inner = ox.Store(path)
        def __getattr__(self, name):
            return getattr(self.inner, name)
        def bulk_load(self, *args, **kwargs):
            self.inner.bulk_load(*args, **kwargs)
            self.inner.flush()
            os.kill(os.getpid(), signal.SIGKILL)  # the machine goes away mid-build
        load = bulk_load

    store_module.ox = types.SimpleNamespace(Store=DiesWhileLoading, RdfFormat=ox.RdfFormat, NamedNode=ox.NamedNode)
    build(Path(sys.argv[1]), store_module.EmbeddedStore(sys.argv[2]), incremental=sys.argv[3] == "incremental")
""")


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_process_killed_mid_build_leaves_store_intact_and_rebuild_recovers(tmp_path, validator, mode):
    store = EmbeddedStore(tmp_path / "store")
    build(DATA, store, validator)
    before, manifest = store.current_dir(), store.manifest()
    proc = subprocess.run([sys.executable, "-c", KILL_MID_BUILD, str(DATA), str(store.path), mode],
                          capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert list(store.builds.glob("*.partial")), "the killed build should have been caught mid-way"
    assert (store.current_dir(), store.manifest()) == (before, manifest)
    assert bool(EmbeddedStore(store.path).query("ASK { ?s a <https://w3id.org/csto-kg/ontology#Meeting> }"))
    after = build(DATA, store, validator)
    assert after.quads == manifest["quads"]
    assert not list(store.builds.glob("*.partial"))
    assert os.path.basename(os.readlink(store.path / "current")) == after.store.name


def _dump(store: EmbeddedStore) -> list[str]:
    """The store's quads, sorted, with blank node labels (the ontology's OWL lists) blanked out."""
    import re

    import pyoxigraph

    text = store.reader().dump(format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return sorted(re.sub(r"_:[A-Za-z0-9]+", "_:b", line) for line in text.splitlines())


def test_incremental_build_equals_full_build(tmp_path, data_copy, validator):
    store = EmbeddedStore(tmp_path / "inc")
    build(data_copy, store, validator)
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    # 1. a meeting edited: only it is processed again
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("session: 22", "session: 23"), encoding="utf-8")
    result = build(data_copy, store, validator)
    assert result.processed == 1
    # 2. an entity's label changes: the meetings that show it are processed again
    people = data_copy / "entities" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("label: Aleksandr Gorovoy", "label: Alexander Gorovoy"),
                      encoding="utf-8")
    result = build(data_copy, store, validator)
    assert result.processed >= 2  # people.yaml and the meeting
    # 3. a new meeting added, then removed
    extra = data_copy / "meetings" / "2019-07-01-extra.yaml"
    extra.write_text("label: Extra\nbody: csto-ccim\ndate: 2019-07\nsources: [mia-en-2019-06-21-ccim-22]\n", encoding="utf-8")
    assert build(data_copy, store, validator).processed == 1
    extra.unlink()
    assert build(data_copy, store, validator).processed == 0
    full = EmbeddedStore(tmp_path / "full")
    build(data_copy, full, validator, incremental=False)
    assert _dump(store) == _dump(full)
    assert store.manifest()["quads"] == full.manifest()["quads"] == len(_dump(full))  # counted, not scanned
    dump = "\n".join(_dump(store))
    assert "Alexander Gorovoy at the 22nd meeting" in dump and "2019-07-01-extra" not in dump
    assert '"23"^^<http://www.w3.org/2001/XMLSchema#integer>' in dump


def _edited_once_read(monkeypatch, path, old: str, new: str, same_size_and_time: bool = False) -> None:
    """The first time ``path`` is read, edit it right after: ``old`` becomes ``new`` (with
    ``same_size_and_time``, the edit keeps the file's size and modification time)."""
    from csto_kg.records import yamlsafe

    read = yamlsafe.read

    def reading(target):
        found = read(target)
        if target == path and old in path.read_text(encoding="utf-8"):
            before = path.stat()
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
            if same_size_and_time:
                assert path.stat().st_size == before.st_size
                os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return found

    monkeypatch.setattr(yamlsafe, "read", reading)


@pytest.mark.parametrize("same_size_and_time", [False, True], ids=["edited", "edited-keeping-size-and-time"])
def test_a_record_edited_while_a_build_reads_it_is_processed_again_by_the_next_build(
        tmp_path, data_copy, validator, monkeypatch, same_size_and_time):
    """The build keeps the digest of the very bytes it checked and the size and time the file had
    before it read them; an edit made in the same tick of the clock keeps both, so a file modified
    that close to the build is compared by its content the next time."""
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("session: 22", "session: 23"), encoding="utf-8")
    _edited_once_read(monkeypatch, meeting, "session: 23", "session: 24" if same_size_and_time else "session: 240",
                      same_size_and_time)
    assert build(data_copy, store, validator).processed == 1  # read with session 23, then edited
    assert bool(store.query('ASK { ?m <https://w3id.org/csto-kg/ontology#sessionNumber> 23 }'))
    monkeypatch.undo()
    assert build(data_copy, store, validator).processed == 1  # the edit is seen
    session = "240" if not same_size_and_time else "24"
    assert bool(store.query(f'ASK {{ ?m <https://w3id.org/csto-kg/ontology#sessionNumber> {session} }}'))
    assert build(data_copy, store, validator).processed == 0


def test_an_unchanged_build_reads_no_record_modified_well_before_the_last_build(tmp_path, data_copy, validator,
                                                                                monkeypatch):
    """Files last modified before the last build began (by more than a clock tick) are taken as
    unchanged by their size and time alone; a file modified since is compared by its content, once:
    its new time is kept when its content is the same."""
    from csto_kg.check import build as building

    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in data_copy.rglob("*.yaml"):
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    digested = []
    digest = building.file_digest
    monkeypatch.setattr(building, "file_digest", lambda path: digested.append(path.name) or digest(path))
    assert build(data_copy, store, validator).processed == 0
    assert digested == []
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    os.utime(meeting)  # touched now, the same content
    assert build(data_copy, store, validator).processed == 0
    assert digested == [meeting.name]
    half_an_hour_ago = time.time_ns() - 1800 * 10**9
    os.utime(meeting, ns=(half_an_hour_ago, half_an_hour_ago))  # as a checkout leaves it: another time, long ago
    assert build(data_copy, store, validator).processed == 0
    assert digested == [meeting.name] * 2
    assert build(data_copy, store, validator).processed == 0  # its new time was kept: not read again
    assert digested == [meeting.name] * 2


def test_parallel_build_equals_serial_build(tmp_path, validator):
    data = tmp_path / "data"
    import shutil

    shutil.copytree(DATA, data)
    seed = (data / "meetings" / "2019-06-20-ccim-22.yaml").read_text(encoding="utf-8")
    for i in range(260):  # above the size where workers are used
        (data / "meetings" / f"2019-06-20-copy-{i}.yaml").write_text(seed, encoding="utf-8")
    serial, parallel = EmbeddedStore(tmp_path / "serial"), EmbeddedStore(tmp_path / "parallel")
    build(data, serial, validator, workers=1)
    build(data, parallel, validator, workers=2)
    assert _dump(serial) == _dump(parallel)
    assert serial.manifest()["quads"] > 260 * 100


def test_a_failed_parallel_build_loads_nothing_that_is_served(tmp_path, validator):
    """A full build with workers loads each chunk of checked records into the new store while the
    next chunks are checked; an invalid record in a late chunk still leaves the previous store serving."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    seed = (data / "meetings" / "2019-06-20-ccim-22.yaml").read_text(encoding="utf-8")
    for i in range(260):  # above the size where workers are used
        (data / "meetings" / f"2019-06-20-copy-{i:03d}.yaml").write_text(seed, encoding="utf-8")
    store = EmbeddedStore(tmp_path / "store")
    build(data, store, validator, workers=2)
    before, manifest, reader = store.current_dir(), store.manifest(), store.reader()
    (data / "meetings" / "2019-06-20-copy-259.yaml").write_text("label: [broken\n", encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        build(data, store, validator, workers=2, incremental=False)
    assert {p.file for p in err.value.problems if p.severity == "error"} == {"meetings/2019-06-20-copy-259.yaml"}
    assert (store.current_dir(), store.manifest()) == (before, manifest) and store.reader() is reader
    assert not list(store.builds.glob("*.partial"))
    assert sorted(p.name for p in store.builds.iterdir() if p.is_dir()) == [before.name]


def test_a_full_build_hands_each_file_to_the_loader_as_soon_as_it_is_written_and_removes_it_once_loaded(
        tmp_path, validator, monkeypatch):
    """The records' files while the next records are checked, the ontology's once the checks end, and each
    of the tenures' as soon as it is complete: before the parts are folded, so they load meanwhile."""
    from csto_kg.check import build as build_module
    from csto_kg.store import embedded

    step = ["start"]
    added: list[tuple[str, str, bool]] = []
    real_add = embedded.Loading.add

    def add(self, path, remove=False):
        added.append((step[0], path.name.split("-")[0].split(".")[0], remove))
        real_add(self, path, remove)

    def progress(name, *_args, **_kwargs):
        step[0] = name

    monkeypatch.setattr(embedded.Loading, "add", add)
    monkeypatch.setattr(build_module, "TENURE_QUADS_PER_FILE", 40)  # several files of tenures
    store = EmbeddedStore(tmp_path / "store")
    result = build(DATA, store, validator, progress=progress)
    kinds = [(when, kind) for when, kind, _remove in added]
    assert kinds[0] == ("checking records", "records") and all(remove for *_rest, remove in added)
    tenures = [when for when, kind in kinds if kind == "tenures"]
    assert len(tenures) > 2 and set(tenures) == {"reasoning tenures"}  # each, before the parts are folded
    assert ("loading the store", "ontology") in kinds
    assert kinds.index(("loading the store", "ontology")) < kinds.index(("reasoning tenures", "tenures"))
    assert not any(step == "publishing the store" for step, _kind in kinds)
    # every file loaded, and the same store as a build with the tenures in one file
    monkeypatch.setattr(build_module, "TENURE_QUADS_PER_FILE", 10**9)
    other = EmbeddedStore(tmp_path / "other")
    assert build(DATA, other, validator).quads == result.quads == store.manifest()["quads"]
    assert _dump(store) == _dump(other)


# -- when the store refuses what the build wrote: an error in the record, never a traceback into a temporary file

def _unescaped_when(marker: str):
    """A broken N-Quads string writer: texts holding ``marker`` with their quotes as they are."""
    from csto_kg.graph.rdfize import nquads_string

    return lambda text: f'"{text}"' if marker in text else nquads_string(text)


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_a_record_the_store_refuses_is_an_error_in_that_record_and_changes_nothing(tmp_path, data_copy, validator,
                                                                                 monkeypatch, mode):
    from csto_kg.graph import rdfize
    from csto_kg.check.files import validate_files

    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    before, manifest, reader = store.current_dir(), store.manifest(), store.reader()
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    meeting.write_text(meeting.read_text(encoding="utf-8").replace(
        "place: cholpon-ata", 'place: cholpon-ata\nnote: the report says "held"', 1), encoding="utf-8")
    monkeypatch.setattr(rdfize, "nquads_string", _unescaped_when('"held"'))

    with pytest.raises(InvalidRecords) as failed:
        build(data_copy, store, validator, incremental=mode == "incremental")
    [problem] = failed.value.problems
    assert (problem.file, problem.line, problem.severity) == ("meetings/2019-06-20-ccim-22.yaml", 1, "error")
    assert problem.message.startswith("its RDF cannot be loaded into the store (")
    assert "csto-kg-build" not in str(problem) and "line" not in problem.message  # no place in a temporary file
    # validate says the same of the record, though it loads nothing
    report, _unreadable = validate_files([meeting], data_copy, validator)
    assert [str(p) for p in report.errors()] == [str(problem)]
    # the previous store serves on, untouched
    assert (store.current_dir(), store.manifest()) == (before, manifest)
    assert store.reader() is reader and not list(store.builds.glob("*.partial"))
    assert bool(store.query("ASK { <https://w3id.org/csto-kg/id/meeting/2019-06-20-ccim-22> ?p ?o }"))


def test_a_refused_line_is_traced_to_its_record_across_a_broken_literal(tmp_path):
    from csto_kg.check.build import refused_record
    from csto_kg.problems import CstoKgError

    graph = "https://w3id.org/csto-kg/graph/meetings/x"
    path = tmp_path / "records-0.nq"
    path.write_text(f'<http://a> <http://b> "fine" <{graph}> .\n'
                    f'<http://a> <http://b> """two\nlines""" <{graph}> .\n'
                    f'<http://a> <http://b> "x" <https://w3id.org/csto-kg/graph/ontology> .\n', encoding="utf-8")
    err = SyntaxError("Parser error at line 2 column 27: Line jumps are not allowed in string literals, use \\n")
    err.filename, err.lineno = str(path), 2
    refused = refused_record(err, [path], {graph: "meetings/x.yaml"})
    assert isinstance(refused, InvalidRecords)
    assert [str(p) for p in refused.problems] == [
        "meetings/x.yaml:1:1: (record): its RDF cannot be loaded into the store (Line jumps are not allowed in "
        "string literals, use \\n); expected a record csto-kg can convert; this is a fault of csto-kg, please "
        "report it with the record"]
    err.lineno = 4  # a quad of no record: an error that names the graph
    refused = refused_record(err, [path], {graph: "meetings/x.yaml"})
    assert type(refused) is CstoKgError and "<https://w3id.org/csto-kg/graph/ontology>" in refused.message
    err.filename = str(tmp_path / "another.nq")  # not the build's file: nothing to say
    assert refused_record(err, [path], {}) is None


def test_the_warnings_of_many_records_share_their_texts():
    """A build keeps every record's warnings to its end: those the workers send back are held with
    each text once, whatever record they came from."""
    from csto_kg.check.pipeline import sharing
    from csto_kg.problems import Problem

    def text(*words: str) -> str:  # a new string object each time, as unpickling makes them
        return " ".join(words)

    shared: dict = {}
    first = sharing(Problem("meetings/a.yaml", 3, 5, text("participations[n=1]"), text("states", "no", "rank"),
                            text("rank:", "when", "stated"), "warning"), shared)
    second = Problem("meetings/b.yaml", 7, 5, text("participations[n=1]"), text("states", "no", "rank"),
                     text("rank:", "when", "stated"), "warning")
    kept = sharing(second, shared)
    assert kept == second and first.file == "meetings/a.yaml" and kept.line == 7
    assert kept.message is first.message and kept.expected is first.expected and kept.field is first.field
    assert second.message is not first.message  # the texts were copies before
