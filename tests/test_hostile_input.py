"""Broken and hostile input: a clear error in bounded time, never a traceback, nothing written."""

from __future__ import annotations

import json
import shutil
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csto_kg.check.build import build
from csto_kg.cli import main
from csto_kg.problems import InvalidRecords
from csto_kg.records.model import foreign_script
from csto_kg.store.embedded import EmbeddedStore

from .conftest import DATA

MEETING = "meetings/2019-01-01-hostile.yaml"
VALID = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_bytes()

HOSTILE = {
    "billion-laughs": b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                      b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    "deep-nesting": b"label: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep-block-nesting": "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode(),
    "huge": b"label: " + b"x" * 3_000_000 + b"\n",
    "binary": bytes(range(256)) * 20,
    "latin-1": "label: Réunion\n".encode("latin-1"),
    "utf-16": "label: x\n".encode("utf-16"),
    "python-object": b"label: !!python/object/apply:os.system ['touch /tmp/csto-kg-pwned']\n",
    "python-name": b"label: !!python/name:os.system\n",
    "custom-tag": b"label: !include /etc/passwd\n",
    "duplicate-key": VALID + b"body: csto-ccim\n",
    "merge-key": b"<<: {label: x}\n",
    "tabs": VALID.replace(b"    roles:", b"\troles:", 1),
    "iri-breaker-slug": VALID.replace(b"person: aleksandr-gorovoy", b'person: "gorovoy> <http://evil"', 1),
    "unicode-lookalike-slug": VALID.replace(b"person: aleksandr-gorovoy", "person: аleksandr-gorovoy".encode(), 1),
    "space-in-slug": VALID.replace(b"on_behalf_of: russia", b"on_behalf_of: russian federation", 1),
    "february-30": VALID.replace(b"date: 2019-06-20", b"date: 2019-02-30", 1),
    "not-a-mapping": b"just a sentence\n",
    "empty": b"",
    "nul-bytes": b"label: a\x00b\n",
}
ACCEPTED = {
    "bom-crlf": b"\xef\xbb\xbf" + VALID.replace(b"\n", b"\r\n"),
    "turtle-breakers": VALID.replace(
        b"label: 22nd meeting", b'label: "22nd \\" meeting > <x> \\\\ _:b . @en"\n# was: 22nd meeting', 1),
}


def test_hostile_corpus_size():
    assert len(HOSTILE) == 20 and len(ACCEPTED) == 2


@pytest.mark.parametrize("name", sorted(HOSTILE), ids=str)
def test_hostile_record_gets_a_clear_error_quickly(tmp_path, runner, name):
    path = tmp_path / "2019-01-01-hostile.yaml"
    path.write_bytes(HOSTILE[name])
    started = time.perf_counter()
    result = runner.invoke(main, ["validate", "--data", str(DATA), "--format", "json", str(path)])
    elapsed = time.perf_counter() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (1, 2), result.output
    problems = json.loads(result.stdout)
    assert problems and all(p["file"] == MEETING and p["line"] >= 1 and p["message"] for p in problems)
    assert elapsed < 20  # bounded: no bomb expands
    assert not (tmp_path / "csto-kg-pwned").exists()


@pytest.mark.parametrize("name", sorted(ACCEPTED), ids=str)
def test_awkward_but_valid_records_build_and_round_trip(tmp_path, runner, name, validator):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "meetings" / "2019-06-20-ccim-22.yaml").write_bytes(ACCEPTED[name])
    store = EmbeddedStore(tmp_path / "store")
    build(data, store, validator)
    _round_trip(runner, store, tmp_path)


def _round_trip(runner, store, tmp_path):
    """export -> import gives the same graph."""
    out = tmp_path / "export.nq"
    assert runner.invoke(main, ["export", "--store", str(store.path), "--format", "nquads", "-o", str(out)]).exit_code == 0
    replica = tmp_path / "replica"
    result = runner.invoke(main, ["import", "--store", str(replica), str(out)])
    assert result.exit_code == 0, result.output
    out2 = tmp_path / "export2.nq"
    assert runner.invoke(main, ["export", "--store", str(replica), "--format", "nquads", "-o", str(out2)]).exit_code == 0
    import re

    norm = lambda p: sorted(re.sub(r"_:\w+", "_:b", line) for line in p.read_text(encoding="utf-8").splitlines())  # noqa: E731
    assert norm(out) == norm(out2)


def test_failed_build_writes_nothing(tmp_path, validator):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    store = EmbeddedStore(tmp_path / "store")
    build(data, store, validator)
    before = sorted(p.name for p in store.builds.iterdir())
    for name, content in HOSTILE.items():
        target = data / "meetings" / f"2019-01-01-{name}.yaml"
        target.write_bytes(content)
        with pytest.raises(InvalidRecords):
            build(data, store, validator)
        target.unlink()
    assert sorted(p.name for p in store.builds.iterdir()) == before


# -- property-based: records generated from the format's grammar, then mutated

slugs = st.sampled_from(["russia", "belarus", "csto", "csto-ccim", "aleksandr-gorovoy", "valentina-kazakova",
                         "cholpon-ata", "police-major-general", "csto-ccim-secretary", "mia-en-2019-06-21-ccim-22",
                         "unknown-thing", "Bad Slug", "ru>ssia", ""])
texts = st.text(min_size=0, max_size=30)
dates = st.sampled_from(["2019", "2019-06", "2019-06-20", "2019-02-30", "2019-13", "20-06-2019", "tomorrow",
                         "2019?", "2019-XX-01", "XXXX-02-30", "../2019-01-31", "[2018-06-01, 2019-01-01]",
                         "2019-21", "2019-01-01T10:00", "[2019", "2019-01-01/2018-01-01", "Y170000002"])
roles = st.sampled_from(["head-of-delegation", "delegation-member", "chair", "secretary", "attendee", "observer",
                         "invited-guest", "spoke", "rapporteur", "welcomed", "chairman", "Bad Role", ""])
as_stated = st.one_of(texts, st.dictionaries(st.sampled_from(["en", "ru", "en-a", "", "x y"]),
                                              st.one_of(texts, st.lists(texts, max_size=2)), max_size=2))
participation = st.fixed_dictionaries(
    {"n": st.integers(min_value=-1, max_value=4), "roles": st.lists(roles, max_size=3)},
    optional={"person": slugs, "post": slugs, "on_behalf_of": slugs, "note": texts, "acting_post": slugs,
              "rank": st.one_of(slugs, st.sampled_from(["not-stated", "not stated", "Not-Stated"])),
              "post_as_stated": as_stated, "role_as_stated": as_stated,
              "count": st.integers(min_value=-1, max_value=5)})
decision = st.fixed_dictionaries(
    {"n": st.integers(1, 2), "type": st.sampled_from(["appointment", "election", "adoption", "treaty"])},
    optional={"appointee": slugs, "post": slugs, "kind": st.sampled_from(["declaration", "protocol", "treaty", ""]),
              "title": texts, "language": st.sampled_from(["en", "ru", "x-", ""]), "subject": texts,
              "adopted_by": slugs, "effective_from": dates})
sessions = st.one_of(st.integers(min_value=-2, max_value=40), st.fixed_dictionaries(
    {}, optional={"number": st.integers(min_value=-2, max_value=40), "inferred": st.sampled_from([True, False, "probably"]),
                  "unexpected": texts}))
meeting = st.fixed_dictionaries(
    {"label": texts, "body": slugs, "date": dates, "sources": st.lists(slugs, min_size=0, max_size=2)},
    optional={"session": sessions, "place": slugs, "host_state": slugs,
              "format": st.sampled_from(["in-person", "videoconference", "telepathy"]),
              "delegations": st.lists(st.fixed_dictionaries({"state": slugs}), max_size=3),
              "participations": st.lists(participation, max_size=4),
              "agenda": st.lists(st.fixed_dictionaries({"n": st.integers(0, 3), "subject": texts}), max_size=2),
              "decisions": st.lists(decision, max_size=2),
              "absent": st.lists(st.fixed_dictionaries({"state": slugs}, optional={"reason": texts, "sources": slugs}),
                                 max_size=2),
              "former_ids": st.lists(st.sampled_from(["2018-01-01-old", "2019-06-20-ccim-22", "Old", ""]), max_size=2),
              "unexpected": texts})


def _mutate(data: bytes, cuts: list[tuple[int, int]]) -> bytes:
    for position, byte in cuts:
        if data:
            i = position % len(data)
            data = data[:i] + bytes([byte]) + data[i + 1:]
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(record=meeting, cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3))
def test_generated_records_never_crash_the_validator(tmp_path_factory, runner, record, cuts):
    folder = tmp_path_factory.mktemp("gen")
    path = folder / "2019-01-01-hostile.yaml"
    path.write_bytes(_mutate(yaml.safe_dump(record, allow_unicode=True, sort_keys=False).encode("utf-8"), cuts))
    result = runner.invoke(main, ["validate", "--data", str(DATA), "--format", "json", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    for problem in json.loads(result.stdout):
        assert problem["file"] == MEETING and problem["line"] >= 1 and problem["column"] >= 1


awkward_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\<>@._:#\n'),
                       min_size=1, max_size=40).filter(str.strip)  # notes: line breaks and control characters too
awkward_label = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from('"\\<>@._:#'),
                        min_size=1, max_size=40).filter(str.strip)  # labels: one line, no control characters
english_label = awkward_label.filter(lambda t: foreign_script(t) is None)  # an English label: mostly Latin letters


def stated_in(others: list[str]):
    """A source's own wording by language: English in Latin letters, the other languages anything."""
    return st.tuples(st.one_of(st.none(), english_label),
                     st.dictionaries(st.sampled_from(others), awkward_label, max_size=len(others))).filter(
        lambda t: t[0] is not None or t[1]).map(lambda t: {**t[1], **({"en": t[0]} if t[0] is not None else {})})
non_latin_label = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Mn", "Zs", "Pd"), min_codepoint=0x370),
                          min_size=1, max_size=30).filter(lambda t: t.strip() and foreign_script(t) is not None)
valid_participation = st.fixed_dictionaries(
    {"roles": st.lists(st.sampled_from(["attendee", "observer", "chair", "secretary", "invited-guest"]),
                       min_size=1, max_size=2, unique=True),
     "person": st.sampled_from(["aleksandr-gorovoy", "valentina-kazakova"])},
    optional={"post": st.sampled_from(["csto-ccim-secretary", "csto-deputy-secretary-general"]),
              "acting_post": st.sampled_from(["csto-secretary-general", "kyrgyzstan-president"]),
              "post_as_stated": stated_in(["ru", "hy"]),
              "role_as_stated": stated_in(["ru"]),
              "on_behalf_of": st.sampled_from(["russia", "csto", "belarus"]),
              "rank": st.sampled_from(["police-major-general", "police-colonel-general", "not-stated"]),
              "note": awkward_text})
valid_representatives = st.fixed_dictionaries(  # unnamed, on behalf of a state, an organization or a body
    {"on_behalf_of": st.sampled_from(["turkmenistan", "csto", "csto-ccim", "cis-atc"]),
     "roles": st.lists(st.sampled_from(["observer", "attendee", "presented", "welcomed"]), min_size=1, max_size=2,
                       unique=True)},
    optional={"count": st.integers(1, 9), "rank": st.just("not-stated"), "note": awkward_text})
valid_document = st.fixed_dictionaries(
    {"kind": st.sampled_from(["declaration", "agreement", "plan", "protocol", "statement", "decision"])},
    optional={"title": english_label, "language": st.sampled_from(["en", "ru", "hy"]), "subject": english_label,
              "adopted_by": st.sampled_from(["csto-cdm", "russia", "csto"]), "note": awkward_text})
valid_meeting = st.fixed_dictionaries(
    {"label": english_label,  # dates the file name 2019-01-01-hostile can be, exact or EDTF
     "date": st.sampled_from(["2019", "2019-01", "2019-01-01", "2019?", "2019-XX-01", "201X", "../2019-01-31",
                              "[2018-06-01, 2019-01-01]", "2018-12/2019-02"])},
    optional={"session": st.one_of(st.integers(1, 99), st.fixed_dictionaries({"number": st.integers(1, 99),
                                                                           "inferred": st.booleans()})),
              "place": st.just("cholpon-ata"), "note": awkward_text,
              "former_ids": st.just(["2018-12-31-hostile-before"]),
              "format": st.sampled_from(["in-person", "videoconference"]),
              "participations": st.lists(valid_participation, max_size=4),
              "representatives": st.lists(valid_representatives, max_size=2),
              "documents": st.lists(valid_document, max_size=2),
              "absent": st.lists(st.fixed_dictionaries({"state": st.sampled_from(["kyrgyzstan", "tajikistan"])},
                                                       optional={"reason": awkward_text}),
                                 max_size=2, unique_by=lambda a: a["state"]),
              "agenda": st.lists(english_label, max_size=3)})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(record=valid_meeting)
def test_a_record_that_validates_builds_and_round_trips(tmp_path_factory, runner, validator, record):
    record = {**record, "body": "csto-ccim", "sources": ["mia-en-2019-06-21-ccim-22"]}
    named = record.get("participations", []) + record.pop("representatives", [])
    record["participations"] = [{"n": i + 1, **p} for i, p in enumerate(named)]
    record["decisions"] = [{"n": i + 1, "type": "adoption", **d} for i, d in enumerate(record.pop("documents", []))]
    for d in record["decisions"]:
        if "language" in d and "title" not in d:
            del d["language"]
    record["agenda"] = [{"n": i + 1, "subject": t} for i, t in enumerate(record.get("agenda", []))]
    folder = tmp_path_factory.mktemp("gen")
    data = folder / "data"
    shutil.copytree(DATA, data)
    path = data / MEETING
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = runner.invoke(main, ["validate", "--data", str(data), str(path)])
    assert result.exit_code == 0, result.output  # generated from the valid grammar
    store = EmbeddedStore(folder / "store")
    build(data, store, validator)
    assert bool(store.query("ASK { <https://w3id.org/csto-kg/id/meeting/2019-01-01-hostile> ?p ?o }"))
    assert bool(store.query("ASK { <https://w3id.org/csto-kg/id/meeting/2019-01-01-hostile> "
                            "<https://w3id.org/csto-kg/ontology#latestDate> ?d }"))  # every date here has an end
    if "former_ids" in record:
        assert bool(store.query("ASK { <https://w3id.org/csto-kg/id/meeting/2019-01-01-hostile> "
                                "<http://www.w3.org/2002/07/owl#sameAs> "
                                "<https://w3id.org/csto-kg/id/meeting/2018-12-31-hostile-before> }"))
    _round_trip(runner, store, folder)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(name=non_latin_label, where=st.sampled_from(["label", "agenda subject", "alt label", "document title"]))
def test_a_name_in_another_script_is_no_english_label(tmp_path_factory, validator, name, where):
    """Written mostly in another script than Latin, a name is refused as the English label (a plain text
    is one), and accepted under a language tag of its own; so is an adopted document's title."""
    from csto_kg.check.files import validate_files

    folder = tmp_path_factory.mktemp("script")
    path = folder / "2019-01-01-script.yaml"
    base = {"label": "Test meeting", "body": "csto-ccim", "date": "2019", "sources": ["mia-en-2019-06-21-ccim-22"]}
    if where == "label":
        as_english, as_own = {**base, "label": name}, {**base, "label": {"en": "Test meeting", "und": name}}
        field = "label"
    elif where == "agenda subject":
        as_english = {**base, "agenda": [{"n": 1, "subject": {"en": name}}]}
        as_own = {**base, "agenda": [{"n": 1, "subject": {"en": "A subject", "und": name}}]}
        field = "agenda[n=1].subject.en"
    elif where == "document title":  # English unless its language says otherwise
        adoption = {"n": 1, "type": "adoption", "kind": "declaration", "title": name}
        as_english, as_own = {**base, "decisions": [adoption]}, {**base, "decisions": [{**adoption, "language": "und"}]}
        field = "decisions[n=1].title"
    else:  # an entity's alternative label
        path = folder / "entities" / "script.yaml"
        path.parent.mkdir()
        entity = {"slug": "somebody-new", "label": "Somebody New"}
        as_english = {"people": [{**entity, "alt_labels": {"en": [name]}}]}
        as_own = {"people": [{**entity, "alt_labels": {"und": [name]}}]}
        field = "people[slug=somebody-new].alt_labels.en"
    path.write_text(yaml.safe_dump(as_english, allow_unicode=True), encoding="utf-8")
    report, _ = validate_files([path], folder if path.parent.name == "entities" else DATA, validator)
    assert [p.field for p in report.errors()] == [field] and "script, not English" in report.errors()[0].message
    path.write_text(yaml.safe_dump(as_own, allow_unicode=True), encoding="utf-8")
    report, _ = validate_files([path], folder if path.parent.name == "entities" else DATA, validator)
    assert report.conforms, [str(p) for p in report.problems]
