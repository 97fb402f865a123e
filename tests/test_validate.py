from __future__ import annotations

from csto_kg.records import read_records
from csto_kg.check.files import validate_files
from csto_kg.check.validate import entity_types
from csto_kg.graph.vocab import entity_iri

from .conftest import DATA, FIXTURES, record_graphs


def test_seed_conforms(validator):
    report, unreadable = validate_files([DATA / "meetings" / "2019-06-20-ccim-22.yaml"], DATA, validator)
    assert report.conforms and not unreadable
    warnings = [p for p in report.problems if p.severity == "warning"]
    assert warnings == []  # the two posts without a rank say 'rank: not-stated'


def test_a_rank_not_stated_answers_the_warning_and_nothing_else_does(tmp_path, validator):
    """'rank: not-stated' silences the warning; a participation that says nothing about its rank keeps it."""
    text = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_text(encoding="utf-8")
    assert text.count("    rank: not-stated\n") == 2
    path = tmp_path / "2019-06-20-ccim-22.yaml"
    path.write_text(text.replace("    rank: not-stated\n", "", 1), encoding="utf-8")
    report, _ = validate_files([path], DATA, validator)
    warnings = [p for p in report.problems if p.severity == "warning"]
    assert [(p.field, p.message) for p in warnings] == [("participations[n=3]", "states no rank")]
    assert "rank: not-stated when it gives none" in warnings[0].expected


def test_shacl_result_is_mapped_back_to_the_yaml_line(validator):
    """A referenced entity of the wrong class: SHACL's sh:class fires, reported at the YAML line."""
    graphs = {g.name: g for g in record_graphs(read_records(DATA))}
    types = entity_types(graphs.values())
    types[entity_iri("state", "russia")] = {entity_iri("place", "not-a-class")}  # russia is no longer a state
    problems = validator.validate(graphs["meetings/2019-06-20-ccim-22"], types)
    errors = [p for p in problems if p.severity == "error"]
    assert errors
    by_field = {p.field: p for p in errors}
    lines = (DATA / "meetings" / "2019-06-20-ccim-22.yaml").read_text(encoding="utf-8").splitlines()
    line_of = lambda text, after=0: next(i + 1 for i, l in enumerate(lines) if i >= after and text in l)  # noqa: E731
    p = by_field["participations[n=1].on_behalf_of"]
    assert (p.file, p.line) == ("meetings/2019-06-20-ccim-22.yaml", line_of("on_behalf_of: russia"))
    assert "'russia' is not a state, organization or body" in p.message
    assert p.constraint.endswith("ClassConstraintComponent") and p.value.endswith("/state/russia")
    assert p.expected == "the slug of a state, organization or body"
    assert by_field["delegations[state=russia].state"].line == line_of("- state: russia")
    assert by_field["next_meeting.host_state"].line == line_of("host_state: russia", line_of("next_meeting:"))


def test_validating_a_new_file_outside_the_data_folder(tmp_path, validator):
    path = tmp_path / "2020-01-01-test.yaml"
    path.write_text("label: Test\nbody: csto-ccim\ndate: 2020-01-01\nsources: [mia-en-2019-06-21-ccim-22]\n"
                    "participations:\n  - n: 1\n    person: valentina-kazakova\n    roles: [secretary]\n", encoding="utf-8")
    report, unreadable = validate_files([path], DATA, validator)
    assert report.conforms and not unreadable
    path.write_text(path.read_text().replace("secretary", "secretery"))
    report, _ = validate_files([path], DATA, validator)
    assert [str(p) for p in report.errors()] == [
        "meetings/2020-01-01-test.yaml:8:13: participations[n=1].roles[0]: 'secretery' is not a role "
        "(did you mean 'secretary'?); expected a role of ontology/roles.ttl (head-of-delegation, delegation-member, "
        "chair, secretary, attendee, observer, invited-guest, opened, host, presented, spoke, rapporteur) or one "
        "defined under 'roles:' in data/entities/"]


def test_context_from_the_store_gives_the_same_answers(tmp_path, validator, built_store):
    """What a record references, read from the built store, gives exactly the file-based results."""
    from csto_kg.check.context import context_from_store

    ctx = context_from_store(built_store, DATA, validator)
    assert ctx is not None, "the store was built from these entity files"
    cases = [DATA / "meetings" / "2019-06-20-ccim-22.yaml",
             *sorted((FIXTURES / "bad-records" / "meetings").glob("2019-01-0[3-9]*.yaml")),
             FIXTURES / "bad-records" / "meetings" / "2019-01-18-unknown-source.yaml",
             FIXTURES / "bad-records" / "meetings" / "2019-01-30-body-by-acronym.yaml"]  # near matches by label too
    for path in cases:
        from_files, _ = validate_files([path], DATA, validator)
        from_store, _ = validate_files([path], DATA, validator, ctx=ctx)
        assert from_store.problems == from_files.problems, path.name
    assert len(cases) == 10


def test_context_from_the_store_agrees_on_every_bad_meeting(validator, built_store):
    """Each meeting of the bad-record corpus (unknown slugs, entities of the wrong kind, near
    matches) gives the same problems checked against the store (as `csto-kg validate` checks it:
    a context of its own, its references looked up first in the kinds they expect) as against the
    entity files."""
    from csto_kg.check.context import context_from_store

    cases = sorted((FIXTURES / "bad-records" / "meetings").glob("*.yaml"))
    for path in cases:
        from_files, _ = validate_files([path], DATA, validator)
        from_store, _ = validate_files([path], DATA, validator, ctx=context_from_store(built_store, DATA, validator))
        assert from_store.problems == from_files.problems, path.name
    assert len(cases) >= 52


def test_store_context_is_not_used_when_entities_changed(tmp_path, data_copy, validator):
    from csto_kg.check.build import build
    from csto_kg.store.embedded import EmbeddedStore
    from csto_kg.check.context import context_from_store

    store = EmbeddedStore(tmp_path / "store")
    build(data_copy, store, validator)
    assert context_from_store(store, data_copy, validator) is not None
    people = data_copy / "entities" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + "  - slug: someone-new\n    label: Someone New\n",
                      encoding="utf-8")
    assert context_from_store(store, data_copy, validator) is None  # the files are newer: read them instead
