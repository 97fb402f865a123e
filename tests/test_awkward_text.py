"""Awkward text in every free-text field of the record format: `validate` passes it, the build loads it
(incrementally and in full) and the store answers with the value written, character for character.

Notes, titles, publishers and date certainties may hold anything YAML can (line breaks, tabs, control
characters, quotes, backslashes, characters beyond the BMP); in the graph, each run of white space in
them is one space. Labels, alternative labels, agenda subjects and the titles and subjects of adopted
documents are names: one line, no control characters, kept exactly as written; so is the sources' own
wording of a post or role (post_as_stated, role_as_stated).
"""

from __future__ import annotations

import shutil
import unicodedata

import pytest

from csto_kg.check.build import build
from csto_kg.cli import main
from csto_kg.store.embedded import EmbeddedStore
from csto_kg.graph.vocab import DCTERMS, IGO, RDFS, SCHEMA, SKOS, entity_iri, iri

from .conftest import DATA

TEXTS = [  # for the free-text fields
    "first line\nsecond line\n\nafter a blank line",
    "crlf\r\nand a lone cr\rend",
    "tabs\tbetween\t\twords",
    'quotes: "yes", \'no\', """triple""" and a last "',
    "backslashes: C:\\path\\n \\u0041 \\",
    "> <x> _:b . @en ^^<http://x> # not a comment",
    "line\u2028and paragraph\u2029separators, next line\x85and form feed\x0c",
    "nul\x00 soh\x01 bel\x07 esc\x1b[31m del\x7f c1\x9b",
    "beyond the BMP: \U0001F600 \U0001D400 \U00020000",
    "bidi \u202eevil\u202c zero\u200bwidth \ufeffbom",
    "combining e\u0301, precomposed \u00e9",
    '"',
]
LABELS = [  # for the label fields: one line, no control characters
    'quotes: "yes", \'no\', """triple""" and a last "',
    "backslashes: C:\\path\\n \\u0041 \\",
    "> <x> _:b . @en ^^<http://x> # not a comment",
    "beyond the BMP: \U0001F600 \U0001D400 \U00020000",
    "bidi \u202eevil\u202c zero\u200bwidth \ufeffbom",
    "combining e\u0301, precomposed \u00e9",
    '"',
    "\\",
]


def yaml_text(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that reads back as exactly ``text``."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char).startswith(("C", "Z")) and char != " ":
            out.append(f"\\u{ord(char):04X}" if ord(char) < 0x10000 else f"\\U{ord(char):08X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def in_graph(text: str) -> str:
    """A free text as the graph holds it: each run of white space one space."""
    return " ".join(text.split())


def write_records(data) -> list[tuple[str, str, str, str | None]]:
    """Records using every string in every field; returns (subject, predicate, value, language) expected."""
    expected: list[tuple[str, str, str, str | None]] = []
    entities = ["people:"]
    for i, label in enumerate(LABELS):
        person = entity_iri("person", f"awkward-person-{i}")
        entities += [f"  - slug: awkward-person-{i}",
                     f"    label: {{en: {yaml_text(label)}, ru: {yaml_text(label)}}}",
                     f"    alt_labels: {{en: [{yaml_text(label)}], ru: {yaml_text(label)}}}",
                     f"    note: {yaml_text(TEXTS[i])}"]
        expected += [(person, RDFS.label, label, "en"), (person, RDFS.label, label, "ru"),
                     (person, SKOS.altLabel, label, "en"), (person, SKOS.altLabel, label, "ru"),
                     (person, SKOS.note, in_graph(TEXTS[i]), "en")]
    entities.append("roles:")
    for i, label in enumerate(LABELS):
        role = entity_iri("role", f"awkward-role-{i}")
        entities += [f"  - slug: awkward-role-{i}", f"    label: {yaml_text(label)}", "    broader: spoke",
                     f"    definition: {yaml_text(TEXTS[i])}"]
        expected += [(role, RDFS.label, label, "en"), (role, SKOS.definition, in_graph(TEXTS[i]), "en")]
    entities.append("sources:")
    for i, text in enumerate(TEXTS):
        source = entity_iri("source", f"awkward-source-{i}")
        entities += [f"  - slug: awkward-source-{i}", f"    publisher: {yaml_text(text)}", f"    title: {yaml_text(text)}",
                     "    language: ru", "    published: 2019", f"    date_certainty: {yaml_text(text)}",
                     f"    note: {yaml_text(text)}"]
        expected += [(source, SCHEMA.publisher, in_graph(text), None), (source, DCTERMS.title, in_graph(text), "ru"),
                     (source, IGO.dateCertainty, in_graph(text), "en"), (source, SKOS.note, in_graph(text), "en")]
    entities.append("post_holdings:")
    for i, text in enumerate(TEXTS):
        holding = entity_iri("post-holding", f"awkward-holding-{i}")
        entities += [f"  - slug: awkward-holding-{i}", "    person: valentina-kazakova", "    post: csto-ccim-secretary",
                     f"    start: {2000 + i}", f"    end: {2000 + i}", f"    sources: [awkward-source-{i}]",
                     f"    date_certainty: {yaml_text(text)}", f"    note: {yaml_text(text)}"]
        expected += [(holding, IGO.dateCertainty, in_graph(text), "en"), (holding, SKOS.note, in_graph(text), "en")]
    entities.append("rank_holdings:")
    for i, text in enumerate(TEXTS):
        holding = entity_iri("rank-holding", f"awkward-rank-holding-{i}")
        entities += [f"  - slug: awkward-rank-holding-{i}", "    person: valentina-kazakova",
                     "    rank: police-major-general", f"    date: {2000 + i}", f"    sources: [awkward-source-{i}]",
                     f"    date_certainty: {yaml_text(text)}", f"    note: {yaml_text(text)}"]
        expected += [(holding, IGO.dateCertainty, in_graph(text), "en"), (holding, SKOS.note, in_graph(text), "en")]
    (data / "entities" / "awkward.yaml").write_text("\n".join(entities) + "\n", encoding="utf-8")

    for i, text in enumerate(TEXTS):
        slug = f"2018-01-{i + 1:02d}-awkward"
        meeting = entity_iri("meeting", slug)
        label = LABELS[i % len(LABELS)]
        record = [f"label: {yaml_text(label)}", "body: csto-ccim", f"date: 2018-01-{i + 1:02d}",
                  f"date_certainty: {yaml_text(text)}", f"note: {yaml_text(text)}",
                  f"sources: [awkward-source-{i}]",
                  "delegations:", "  - state: russia", f"    note: {yaml_text(text)}",
                  "participations:", "  - n: 1", "    person: valentina-kazakova", "    roles: [head-of-delegation]",
                  "    on_behalf_of: russia", f"    note: {yaml_text(text)}",
                  f"    post_as_stated: {{en: {yaml_text(label)}, ru: [{yaml_text(label)}]}}",
                  f"    role_as_stated: {{en: {yaml_text(label)}}}",
                  "  - n: 2", "    on_behalf_of: csto-ccim", f"    roles: [observer, awkward-role-{i % len(LABELS)}]",
                  "    count: 2",
                  "agenda:", "  - n: 1", f"    subject: {{en: {yaml_text(label)}, ru: {yaml_text(label)}}}",
                  "decisions:", "  - n: 1", "    type: appointment", "    appointee: valentina-kazakova",
                  "    post: csto-ccim-secretary", f"    note: {yaml_text(text)}",
                  "  - n: 2", "    type: adoption", "    kind: declaration", f"    title: {yaml_text(label)}",
                  "    language: ru", f"    subject: {yaml_text(label)}", "    adopted_by: csto-ccim",
                  "absent:", "  - state: belarus", f"    reason: {yaml_text(text)}", f"    note: {yaml_text(text)}"]
        (data / "meetings" / f"{slug}.yaml").write_text("\n".join(record) + "\n", encoding="utf-8")
        agenda = iri(f"{meeting}/agenda/1")
        expected += [(meeting, RDFS.label, label, "en"), (meeting, IGO.dateCertainty, in_graph(text), "en"),
                     (meeting, SKOS.note, in_graph(text), "en"),
                     (iri(f"{meeting}/delegation/russia"), SKOS.note, in_graph(text), "en"),
                     (iri(f"{meeting}/participation/1"), SKOS.note, in_graph(text), "en"),
                     (iri(f"{meeting}/participation/1"), IGO.postAsStated, label, "en"),
                     (iri(f"{meeting}/participation/1"), IGO.postAsStated, label, "ru"),
                     (iri(f"{meeting}/participation/1"), IGO.roleAsStated, label, "en"),
                     (iri(f"{meeting}/decision/1"), SKOS.note, in_graph(text), "en"),
                     (agenda, DCTERMS.subject, label, "en"), (agenda, DCTERMS.subject, label, "ru"),
                     (agenda, RDFS.label, label, "en"),
                     (iri(f"{meeting}/decision/2/document"), DCTERMS.title, label, "ru"),
                     (iri(f"{meeting}/decision/2/document"), DCTERMS.subject, label, "en"),
                     (iri(f"{meeting}/absence/belarus"), IGO.reason, in_graph(text), "en"),
                     (iri(f"{meeting}/absence/belarus"), SKOS.note, in_graph(text), "en")]
    return expected


def answers(store: EmbeddedStore, subject: str, predicate: str) -> set[tuple[str, str | None]]:
    rows = store.query(f"SELECT ?o WHERE {{ <{subject}> <{predicate}> ?o }}")
    return {(row["o"].value, row["o"].language) for row in rows}


def test_the_strings_are_awkward_enough():
    every = "".join(TEXTS)
    for char in "\n\r\t\"\\\x00\x01\x1b\x7f\x85\u2028\u2029\U0001F600":
        assert char in every, repr(char)
    assert all(yaml_text(t) for t in TEXTS + LABELS)


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_awkward_text_in_every_free_text_field_validates_builds_and_reads_back(tmp_path, runner, validator, mode):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    store = EmbeddedStore(tmp_path / "store")
    build(data, store, validator)
    expected = write_records(data)
    new_files = [data / "entities" / "awkward.yaml", *sorted((data / "meetings").glob("*-awkward.yaml"))]
    result = runner.invoke(main, ["validate", "--data", str(data), "--store", str(store.path),
                                  *map(str, new_files)])
    assert result.exit_code == 0, result.output
    outcome = build(data, store, validator, incremental=mode == "incremental")
    assert outcome.processed == (len(new_files) if mode == "incremental" else outcome.records)

    checked = 0
    for subject, predicate, value, language in expected:
        got = answers(store, subject, predicate)
        assert (value, language) in got, (subject, predicate, value, got)
        checked += 1
    assert checked == len(expected) == 7 * len(LABELS) + 4 * len(TEXTS) + 2 * 2 * len(TEXTS) + 16 * len(TEXTS) == 344
    # every character other than white space is kept, controls and all
    notes = {value for _s, p, value, _l in expected if p == SKOS.note}
    assert {in_graph(t) for t in TEXTS} <= notes
    assert "nul\x00 soh\x01 bel\x07 esc\x1b[31m del\x7f c1\x9b" in notes


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_awkward_text_round_trips_through_export_and_import(tmp_path, runner, validator, fmt):
    """`csto-kg export` then `csto-kg import` into another store: every awkward value comes back exactly."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    expected = write_records(data)
    store = EmbeddedStore(tmp_path / "store")
    build(data, store, validator)
    dump = tmp_path / f"graph.{'nq' if fmt == 'nquads' else 'trig'}"
    result = runner.invoke(main, ["export", "--format", fmt, "-o", str(dump), "--store", str(store.path)])
    assert result.exit_code == 0, result.output
    replica = EmbeddedStore(tmp_path / "replica")
    result = runner.invoke(main, ["import", str(dump), "--store", str(replica.path)])
    assert result.exit_code == 0, result.output
    checked = 0
    for subject, predicate, value, language in expected:
        assert (value, language) in answers(replica, subject, predicate), (subject, predicate, value)
        checked += 1
    assert checked == len(expected) == 344
