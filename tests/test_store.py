"""The Store protocol: the embedded and the remote store answer the same questions the same way."""

from __future__ import annotations

import inspect

import pytest

from csto_kg.problems import StoreMissing
from csto_kg.store import Store
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.store.opening import open_store
from csto_kg.store.remote import RemoteStore

from .oxigraph_server import remote_store

ATTRIBUTES = sorted(name for name, value in vars(Store).items() if isinstance(value, property))
METHODS = sorted(name for name, value in vars(Store).items() if inspect.isfunction(value) and not name.startswith("_"))


def _quad(graph: str) -> bytes:
    return f"<http://example.org/s> <http://example.org/p> <http://example.org/o> <{graph}> .\n".encode()


def test_the_protocol_is_what_callers_use():
    assert ATTRIBUTES == ["enforces_time_limit", "incremental", "location"]
    assert METHODS == ["build_id", "evidence", "exists", "live_graphs", "manifest", "query", "reader", "records",
                       "replace", "statements", "update"]


@pytest.mark.parametrize("make", [lambda tmp: EmbeddedStore(tmp / "store"),
                                  lambda tmp: RemoteStore("http://127.0.0.1:9/", environ={})],
                         ids=["embedded", "remote"])
def test_every_store_has_every_member_with_the_protocols_signature(make, tmp_path):
    store = make(tmp_path)
    for name in ATTRIBUTES:
        assert hasattr(store, name), name
    for name in METHODS:  # the protocol's parameters in the same order; keyword-only ones by name or **options
        wanted = list(inspect.signature(getattr(Store, name)).parameters.values())[1:]
        given = inspect.signature(getattr(store, name)).parameters
        positional = [p.name for p in wanted if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert [p.name for p in given.values() if p.kind == p.POSITIONAL_OR_KEYWORD][:len(positional)] == positional
        for keyword in (p.name for p in wanted if p.kind == p.KEYWORD_ONLY):
            assert keyword in given or any(p.kind == p.VAR_KEYWORD for p in given.values()), (name, keyword)
    assert isinstance(store.location, str)


def test_open_store_picks_the_backend_from_the_location(tmp_path):
    embedded = open_store(tmp_path / "store")
    assert isinstance(embedded, EmbeddedStore) and embedded.location == str(tmp_path / "store")
    assert (embedded.enforces_time_limit, embedded.incremental) == (False, True)
    remote = open_store("http://127.0.0.1:9/ds", time_limit_ms=1234)
    assert isinstance(remote, RemoteStore) and remote.location == "http://127.0.0.1:9/ds"
    assert (remote.enforces_time_limit, remote.incremental, remote.time_limit_ms) == (True, False, 1234)


def test_the_build_being_served(any_store):
    manifest = any_store.manifest()
    assert any_store.exists() and any_store.build_id() == manifest["id"]
    stored = sorted(s["g"].value for s in any_store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert any_store.live_graphs() == stored and "https://w3id.org/csto-kg/graph/ontology" in stored
    records = any_store.records()
    assert records is None if not any_store.incremental else "entities/states.yaml" in records
    evidence = any_store.evidence()  # the records' tenure evidence, kept for incremental builds
    assert evidence is None if not any_store.incremental else evidence.read_text(encoding="utf-8").count("\n") > 30
    parts = any_store.statements()  # the records' parts for the pages and reconciliation, likewise
    assert parts is None if not any_store.incremental else parts.read_text(encoding="utf-8").count("\n") == len(records)
    assert records is None or not any("statements" in info for info in records.values())  # kept apart, not in memory


def test_an_embedded_store_without_a_build(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    assert (store.exists(), store.manifest(), store.build_id(), store.records(), store.evidence(),
            store.statements()) == (False, None, None, None, None, None)
    with pytest.raises(StoreMissing, match="run `csto-kg build` first"):
        store.live_graphs()


def test_an_embedded_store_opened_in_the_background(tmp_path):
    """The current build opened by a thread is the one queries use; a missing store is left for the
    first query to report, the thread raising nothing."""
    missing = EmbeddedStore(tmp_path / "missing")
    missing.open_in_background().join()
    with pytest.raises(StoreMissing):
        missing.reader()
    store = EmbeddedStore(tmp_path / "store")
    store.replace(_quad("http://example.org/g1"), {})
    store.open_in_background().join()
    opened = store._open
    assert opened is not None and opened[0] == str(store.current_dir())
    assert store.reader() is opened[1] and store.live_graphs() == ["http://example.org/g1"]


def test_an_embedded_store_lists_the_graphs_of_each_new_build(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.replace(_quad("http://example.org/g1"), {})
    first = store.build_id()
    assert store.live_graphs() == ["http://example.org/g1"] and first == store.manifest()["id"]
    store.replace(_quad("http://example.org/g2") + _quad("http://example.org/g3"), {})
    assert store.live_graphs() == ["http://example.org/g2", "http://example.org/g3"] and store.build_id() != first


def test_a_remote_store_takes_files_and_keeps_no_records(fresh_remote, tmp_path):
    store = remote_store(fresh_remote.url)
    assert (store.exists(), store.build_id()) == (False, None)
    files = [tmp_path / "a.nq", tmp_path / "b.nq"]
    files[0].write_bytes(_quad("http://example.org/g1"))
    files[1].write_bytes(_quad("http://example.org/g2"))
    assert store.replace(files, {"records": {"meetings/x.yaml": {}}, "note": "kept"}) == fresh_remote.url
    manifest = store.manifest()
    assert "records" not in manifest and manifest["note"] == "kept" and store.build_id() == manifest["id"]
    assert store.live_graphs() == ["http://example.org/g1", "http://example.org/g2"]
    with pytest.raises(NotImplementedError):
        store.update([], files, {})


def _graph_files(folder, count: int) -> list:
    """``count`` N-Quads files in ``folder``, the k-th holding one quad in the graph <http://example.org/gk>."""
    files = [folder / f"{k}.nq" for k in range(count)]
    for k, path in enumerate(files):
        path.write_bytes(_quad(f"http://example.org/g{k}"))
    return files


def test_loading_publishes_every_file_added_and_nothing_when_the_block_fails(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    files = _graph_files(tmp_path, 4)
    with store.loading() as loading:
        for path in files:
            loading.add(path)
        loading.publish({"note": "loaded"})
    assert store.live_graphs() == [f"http://example.org/g{k}" for k in range(4)]
    first = store.current_dir()
    with pytest.raises(RuntimeError):
        with store.loading() as loading:
            loading.add(files[0])
            raise RuntimeError("a record did not conform")
    assert store.current_dir() == first and store.manifest()["note"] == "loaded"
    assert not list(store.builds.glob("*.partial"))


def test_loading_removes_the_files_it_is_told_to_once_they_are_in(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    files = _graph_files(tmp_path, 3)
    with store.loading() as loading:
        loading.add(files[0], remove=True)
        loading.add(files[1])
        loading.add(files[2], remove=True)
        loading.publish({})
    assert [path.exists() for path in files] == [False, True, False]
    assert store.live_graphs() == [f"http://example.org/g{k}" for k in range(3)]


def test_loading_keeps_the_file_the_parser_refused_and_loads_nothing_after_it(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    files = [tmp_path / f"{k}.nq" for k in range(3)]
    files[0].write_bytes(_quad("http://example.org/g0"))
    files[1].write_bytes(b'<http://example.org/s> <http://example.org/p> "open <http://example.org/g1> .\n')
    files[2].write_bytes(_quad("http://example.org/g2"))
    with pytest.raises(SyntaxError) as err:
        with store.loading() as loading:
            for path in files:
                loading.add(path, remove=True)
            loading.publish({})
    assert err.value.filename == str(files[1])
    assert [path.exists() for path in files] == [False, True, True]
    assert not store.exists()


def _writing_beside(store, seen: list):
    """A ``beside`` writer that notes which build ``store`` serves while it writes ``<build>.summaries.json``."""
    def beside(build):
        seen.append((build, store.current_dir()))
        build.with_name(build.name + ".summaries.json").write_text("{}", encoding="utf-8")
    return beside


@pytest.mark.parametrize("path", ["loading", "replace", "update"])
def test_the_files_beside_a_build_are_written_before_it_is_served(tmp_path, path):
    store = EmbeddedStore(tmp_path / "store")
    files = _graph_files(tmp_path, 2)
    store.replace(files[:1], {})
    before, seen = store.current_dir(), []
    if path == "loading":
        with store.loading() as loading:
            loading.add(files[1])
            final = loading.publish({}, _writing_beside(store, seen))
    elif path == "replace":
        final = store.replace(files, {}, _writing_beside(store, seen))
    else:
        final = store.update([], files[1:], {}, _writing_beside(store, seen))
    assert seen == [(final, before)]  # written for the new build while the old one was still served
    assert store.current_dir() == final and final.with_name(final.name + ".summaries.json").is_file()


def test_a_build_that_fails_after_writing_its_files_beside_leaves_none_of_them(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    files = _graph_files(tmp_path, 1)
    store.replace(files, {})
    kept = sorted(p.name for p in store.builds.iterdir())
    refused = tmp_path / "refused.nq"
    refused.write_bytes(b'<http://example.org/s> <http://example.org/p> "open <http://example.org/g1> .\n')
    seen: list = []
    with pytest.raises(SyntaxError):
        with store.loading() as loading:
            loading.add(refused)
            loading.publish({}, _writing_beside(store, seen))
    with pytest.raises(SyntaxError):
        store.update([], [refused], {}, _writing_beside(store, seen))
    assert len(seen) == 1  # the update never got as far: its load failed first
    assert sorted(p.name for p in store.builds.iterdir()) == kept


def test_loading_names_the_file_and_line_the_parser_refused(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    files = [tmp_path / f"{k}.nq" for k in range(3)]
    files[0].write_bytes(_quad("http://example.org/g0") * 3)
    files[1].write_bytes(_quad("http://example.org/g1")
                         + b'<http://example.org/s> <http://example.org/p> "open <http://example.org/g1> .\n')
    files[2].write_bytes(_quad("http://example.org/g2"))
    with pytest.raises(SyntaxError) as err:
        with store.loading() as loading:
            for path in files:
                loading.add(path)
            loading.publish({})
    assert (err.value.filename, err.value.lineno) == (str(files[1]), 2)
    assert not store.exists() and not list(store.builds.glob("*.partial"))
