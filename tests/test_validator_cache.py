"""What the validator derives from the shapes and the ontology is cached between runs: read when
those files are as they were, derived again (and the cache rewritten) when they changed or the
cache is damaged; ``csto-kg validate`` of a meeting imports only what checking it needs."""

from __future__ import annotations

import pickle
import random
import shutil
import subprocess
import sys

import pytest
from csto_kg.graph.terms import IRI as URIRef

from csto_kg.check import validate as validate_module
from csto_kg.check.build import build
from csto_kg.check.validate import CACHE_FILE, Validator, cache_file, entity_types
from csto_kg.graph.resources import ontology_files, shapes_files
from csto_kg.records import read_records
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.store.remote import RemoteStore

from .conftest import DATA, FIXTURES, record_graphs
from .test_shape_checker import _key, _mutants


@pytest.fixture
def parses(monkeypatch) -> list[list[str]]:
    """The Turtle files each validator parses (the names of each call's files)."""
    calls: list[list[str]] = []
    real = validate_module.read_turtle

    def counting(paths):
        calls.append([p.name for p in paths])
        return real(paths)

    monkeypatch.setattr(validate_module, "read_turtle", counting)
    return calls


@pytest.fixture(scope="module")
def graphs():
    graphs = record_graphs(read_records(DATA))
    return graphs, entity_types(graphs)


def _expected(validator: Validator):
    """The shapes' descriptions: by shape IRI, and all of them (property shapes are blank nodes, whose
    labels each parse of the shapes makes up anew)."""
    return ({s: d for s, d in validator.expected.items() if isinstance(s, URIRef)},
            sorted(validator.expected.values()))


def _copies(tmp_path):
    """Copies of the shapes and ontology files, to edit."""
    folder = tmp_path / "schema"
    folder.mkdir()
    return ([shutil.copy(path, folder / path.name) for path in shapes_files()],
            [shutil.copy(path, folder / path.name) for path in ontology_files()])


def test_a_fresh_cache_is_read_without_parsing_turtle_and_checks_the_same(tmp_path, parses, validator, graphs):
    validator.derived  # the reference: derived by the tests' own validator, without a cache
    parses.clear()
    cache = tmp_path / CACHE_FILE
    first = Validator(cache=cache)
    assert first.checker is not None
    assert sorted(parses) == sorted([[p.name for p in shapes_files()], [p.name for p in ontology_files()]])
    assert cache.is_file()

    parses.clear()
    cached = Validator(cache=cache)
    assert cached.checker is not None
    assert (cached.hierarchy, cached.vocabulary) == (validator.hierarchy, validator.vocabulary)
    assert _expected(cached) == _expected(validator)
    assert parses == []  # nothing parsed: all of it came from the cache

    records, types = graphs
    assert len(records) == len(list(DATA.rglob("*.yaml")))
    for record in records:  # every record of data/, as the build checks it
        assert cached.validate(record, types) == validator.validate(record, types), record.name
    rng = random.Random(7)
    cases = 0
    for record in [g for g in records if g.name.startswith("meetings/")][:5]:  # and broken copies of some
        for mutant in _mutants(record, rng):
            subjects = {t[0] for t in mutant.triples}
            assert _key(cached.checker.check(mutant.triples, types, subjects)) == \
                _key(validator.checker.check(mutant.triples, types, subjects))
            cases += 1
    assert cases == 5 * 40
    assert parses == []


def test_an_edited_shapes_file_invalidates_the_cache(tmp_path, parses):
    shapes, ontology = _copies(tmp_path)
    cache = tmp_path / CACHE_FILE
    before = Validator(shapes, ontology, cache=cache).expected
    text = shapes[0].read_text(encoding="utf-8")
    described = 'sh:description "a label in English (label: ... or label: {en: ...})"'
    assert described in text
    shapes[0].write_text(text.replace(described, described[:-1] + ', edited"'), encoding="utf-8")

    parses.clear()
    after = Validator(shapes, ontology, cache=cache).expected
    assert parses, "the edited shapes are parsed again"
    assert "a label in English (label: ... or label: {en: ...}), edited" in after.values()
    assert "a label in English (label: ... or label: {en: ...}), edited" not in before.values()

    parses.clear()
    assert Validator(shapes, ontology, cache=cache).expected == after  # and the cache was rewritten
    assert parses == []


def test_an_edited_ontology_file_invalidates_the_cache(tmp_path, parses):
    shapes, ontology = _copies(tmp_path)
    cache = tmp_path / CACHE_FILE
    Validator(shapes, ontology, cache=cache).derived
    roles = next(p for p in ontology if p.name == "roles.ttl")
    roles.write_text(roles.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    parses.clear()
    Validator(shapes, ontology, cache=cache).derived
    assert parses


def _damaged(cache, how: str) -> None:
    good = cache.read_bytes()
    head, _newline, body = good.partition(b"\n")
    key, _newline, body = body.partition(b"\n")
    header = head + b"\n" + key + b"\n"
    if how == "not a cache":
        cache.write_bytes(b"hello")
    elif how == "empty":
        cache.write_bytes(b"")
    elif how == "truncated":
        cache.write_bytes(good[:len(good) // 2])
    elif how == "corrupt pickle":
        cache.write_bytes(header + b"\x80\x05garbage")
    elif how == "another object":
        cache.write_bytes(header + pickle.dumps({"checker": None}))
    elif how == "another key":
        cache.write_bytes(head + b"\n" + b"0" * len(key) + b"\n" + body)
    elif how == "a folder":
        cache.unlink()
        cache.mkdir()
    else:
        raise AssertionError(how)


DAMAGES = ["not a cache", "empty", "truncated", "corrupt pickle", "another object", "another key", "a folder"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_cache_is_derived_again_and_rewritten(tmp_path, parses, validator, how):
    cache = tmp_path / CACHE_FILE
    Validator(cache=cache).derived
    _damaged(cache, how)
    parses.clear()
    again = Validator(cache=cache)
    assert again.checker is not None and _expected(again) == _expected(validator)  # never an error
    assert parses
    if how != "a folder":
        parses.clear()
        assert _expected(Validator(cache=cache)) == _expected(validator)
        assert parses == [], "the cache was written anew"
    assert [p.name for p in tmp_path.iterdir()] == [CACHE_FILE]  # no temporary file left behind


def test_the_damages_are_all_tried():
    assert len(DAMAGES) == 7


def test_a_cache_of_the_format_before_light_terms_is_not_unpickled(tmp_path, parses, monkeypatch):
    """A cache file written before the compiled checker held light terms (format 1, rdflib terms in
    its pickle) is derived again, never unpickled: its header and its key differ."""
    cache = tmp_path / CACHE_FILE
    Validator(cache=cache).derived
    body = cache.read_bytes().split(b"\n", 2)[2]
    old_key = Validator(cache=cache).cache_key()
    cache.write_bytes(b"csto-kg validator cache 1\n" + old_key + b"\n" + body)
    unpickled = []
    monkeypatch.setattr(validate_module.pickle, "loads", lambda data: unpickled.append(data))
    parses.clear()
    again = Validator(cache=cache)
    assert again.checker is not None and unpickled == [] and parses
    assert cache.read_bytes().startswith(validate_module._CACHE_FORMAT)
    assert b"terms" not in old_key and validate_module._CACHE_FORMAT == b"csto-kg validator cache 2\n"


def test_the_cache_key_holds_the_terms_version(monkeypatch):
    from csto_kg.graph import terms

    key = Validator().cache_key()
    monkeypatch.setattr(terms, "VERSION", terms.VERSION + 1)
    assert Validator().cache_key() != key


def test_what_the_cache_holds_is_light_terms(tmp_path):
    """No rdflib term in the cached derivation: unpickling it must not import rdflib."""
    cache = tmp_path / CACHE_FILE
    Validator(cache=cache).derived
    body = cache.read_bytes().split(b"\n", 2)[2]
    assert b"rdflib" not in body


def test_no_cache_is_written_where_there_is_no_folder(tmp_path):
    cache = tmp_path / "no-store-yet" / CACHE_FILE
    assert Validator(cache=cache).checker is not None
    assert not cache.parent.exists()


def test_the_build_writes_the_cache_where_validate_reads_it(built_with_cache, parses):
    store = built_with_cache
    assert cache_file(store) == store.path / CACHE_FILE
    assert (store.path / CACHE_FILE).is_file()
    assert Validator(cache=cache_file(store)).checker is not None
    assert parses == []
    assert cache_file(RemoteStore("http://127.0.0.1:9/sparql")) is None  # a remote store keeps none


@pytest.fixture(scope="module")
def built_with_cache(tmp_path_factory) -> EmbeddedStore:
    """The real records built as ``csto-kg build`` builds them (the build's own validator)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("cached") / "store")
    build(DATA, store)
    return store


# Run as the command: the modules it imported are printed when it exits.
_WRAPPER = """
import runpy, sys
sys.argv = ["csto-kg", *sys.argv[1:]]
try:
    runpy.run_module("csto_kg.cli", run_name="__main__", alter_sys=True)
finally:
    print("MODULES:", " ".join(sorted(sys.modules)), file=sys.stderr)
"""
#: What checking a meeting whose references all resolve, against the built store, does not need:
#: rdflib (the check works on light terms, graph.terms), EDTF's parser (its dates are exact), the near
#: matches, pySHACL, the pages, the remote store, tenures.
NOT_NEEDED = {"rdflib", "edtf", "pyparsing", "rapidfuzz", "pyshacl", "pymorphy3", "flask", "werkzeug", "jinja2",
              "csto_kg.records.match", "csto_kg.store.remote", "csto_kg.tenure", "csto_kg.web", "csto_kg.query"}


def _run_validate(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """The command's outcome, and the modules it imported (each also by its top-level package)."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, "validate", *args], capture_output=True, text=True,
                          timeout=120)
    line = next(line for line in proc.stderr.splitlines() if line.startswith("MODULES:"))
    names = line.split()[1:]
    return proc, {*names, *(name.split(".")[0] for name in names)}


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_validating_a_meeting_imports_only_what_the_check_needs(built_with_cache, fmt):
    meeting = DATA / "meetings" / "2015-11-19-ccim-bishkek.yaml"
    proc, imported = _run_validate(str(meeting), "--data", str(DATA), "--store", str(built_with_cache.path),
                                   "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert "1 file(s) conform" in proc.stderr or fmt != "text"
    assert "csto_kg" in imported and "csto_kg.check.shape_checker" in imported  # the wrapper saw the check's modules
    assert "rdflib" not in imported  # checked with light terms and the cached compiled checker
    assert imported & NOT_NEEDED == set()


def test_a_meeting_that_breaks_a_shape_is_reported_without_rdflib(built_with_cache):
    """A record the compiled checker finds problems in (sh:disjoint, and a warning): reported at their
    lines, with rdflib still not imported."""
    meeting = FIXTURES / "bad-records" / "meetings" / "2019-03-01-acting-and-held.yaml"
    proc, imported = _run_validate(str(meeting), "--data", str(DATA), "--store", str(built_with_cache.path))
    assert proc.returncode == 1, proc.stderr
    assert ":14:18: participations[n=1].acting_post: 'csto-secretary-general' is also under 'post'" in proc.stdout
    assert ":8:5: participations[n=1]: states no rank" in proc.stdout and "[warning]" in proc.stdout
    assert "csto_kg.check.shape_checker" in imported
    assert "rdflib" not in imported


def test_a_wrong_reference_still_gets_its_near_match(built_with_cache, tmp_path):
    """rapidfuzz is imported when a reference is wrong, and the did-you-mean is as before."""
    meeting = tmp_path / "2015-11-19-ccim-bishkek.yaml"
    text = (DATA / "meetings" / "2015-11-19-ccim-bishkek.yaml").read_text(encoding="utf-8")
    assert "body: csto-ccim\n" in text
    meeting.write_text(text.replace("body: csto-ccim\n", "body: csto-ccin\n", 1), encoding="utf-8")
    proc, imported = _run_validate(str(meeting), "--data", str(DATA), "--store", str(built_with_cache.path))
    assert proc.returncode == 1
    assert "(did you mean 'csto-ccim'?)" in proc.stdout
    assert "rapidfuzz" in imported
    assert "rdflib" not in imported  # a record with a problem is checked with light terms too
