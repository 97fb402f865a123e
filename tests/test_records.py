from __future__ import annotations

from pathlib import Path

import pytest

from csto_kg.records import PartialDate, read_file, read_records
from csto_kg.records.yamlsafe import Mark

from .conftest import DATA


@pytest.mark.parametrize(
    "text, precision, earliest, latest",
    [("2019", "year", "2019-01-01", "2019-12-31"), ("2020-02", "month", "2020-02-01", "2020-02-29"),
     ("2019-02", "month", "2019-02-01", "2019-02-28"), ("2019-06-20", "day", "2019-06-20", "2019-06-20")],
)
def test_partial_dates(text, precision, earliest, latest):
    date = PartialDate(text, Mark(1, 1))
    assert (date.precision, date.earliest, date.latest) == (precision, earliest, latest)


def test_seed_records_read_without_problems():
    records = read_records(DATA)
    assert records.errors == []
    meeting = next(m for m in records.meetings if m.slug == "2019-06-20-ccim-22")
    assert meeting.session == 22 and meeting.start.text == "2019-06-20"
    assert [d.state.slug for d in meeting.delegations] == ["armenia", "belarus", "kyrgyzstan", "russia", "tajikistan"]
    gorovoy = meeting.participations[0]
    assert gorovoy.person.slug == "aleksandr-gorovoy"
    assert [p.slug for p in gorovoy.posts] == ["csto-ccim-chairman", "russia-mia-first-deputy-minister"]
    assert gorovoy.rank.slug == "police-colonel-general"
    posts_only = [p for p in meeting.participations if p.person is None]
    assert {p.posts[0].slug for p in posts_only} == {"csto-deputy-secretary-general", "iom-moscow-bureau-director"}
    assert meeting.decisions[0].appointee.slug == "valentina-kazakova"
    assert meeting.next_meeting.date.text == "2020" and meeting.next_meeting.host_state.slug == "russia"


def test_single_values_and_lists_are_both_accepted(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: X\nbody: b\ndate: 2019\nsources: s\nparticipations:\n"
                    "  - n: 1\n    post: p\n    roles: attendee\n", encoding="utf-8")
    record = read_file(path, "meetings/2019-01-01-x.yaml")
    assert record.problems == []
    p = record.meeting.participations[0]
    assert p.roles == ["attendee"] and [r.slug for r in p.posts] == ["p"]
    assert [r.slug for r in record.meeting.sources] == ["s"]


def test_missing_file_is_unreadable(tmp_path):
    record = read_file(tmp_path / "nope.yaml", "entities/nope.yaml")
    assert record.unreadable and "cannot be read" in record.problems[0].message


@pytest.mark.parametrize("slug", ["Russia", "rus sia", "russia>", "rus--sia", "-russia", "rus\u0455ia", "росія"])
def test_slugs_that_would_break_an_iri_are_refused(tmp_path, slug):
    path = tmp_path / "states.yaml"
    path.write_text(f'states:\n  - slug: "{slug}"\n    label: X\n', encoding="utf-8")
    record = read_file(path, "entities/states.yaml")
    assert record.entities == []
    assert "expected a slug" in str(record.problems[0]) and record.problems[0].line == 2


def test_empty_entity_file_is_fine(tmp_path: Path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert read_file(path, "entities/empty.yaml").problems == []


# -- a label is one line: every field that is a label, every kind of line break and control character

LABEL_FIELDS = {  # where the label goes -> (record name, text with {label} in it, the field reported)
    "entity label": ("entities/people.yaml", "people:\n  - slug: somebody\n    label: {label}\n", "people[slug=somebody].label"),
    "entity label, by language": ("entities/people.yaml",
                                  "people:\n  - slug: somebody\n    label:\n      en: Somebody\n      ru: {label}\n",
                                  "people[slug=somebody].label.ru"),
    "alternative label": ("entities/people.yaml",
                          "people:\n  - slug: somebody\n    label: Somebody\n    alt_labels:\n      en: [Some, {label}]\n",
                          "people[slug=somebody].alt_labels.en"),
    "meeting label": ("meetings/2019-01-01-x.yaml", "label: {label}\nbody: b\ndate: 2019\nsources: s\n", "label"),
    "agenda subject": ("meetings/2019-01-01-x.yaml",
                       "label: X\nbody: b\ndate: 2019\nsources: s\nagenda:\n  - n: 1\n    subject: {label}\n",
                       "agenda[n=1].subject"),
}
NOT_ONE_LINE = {  # YAML for the label -> what the problem says
    '"first\\nsecond"': "'first\\nsecond' spans more than one line",
    '"first\\r\\nsecond"': "'first\\r\\nsecond' spans more than one line",
    '"first\\u2028second"': "'first\\u2028second' spans more than one line",
    '"first\\u2029second"': "'first\\u2029second' spans more than one line",
    '"first\\Nsecond"': "'first\\x85second' spans more than one line",
    '"first\\vsecond"': "'first\\x0bsecond' spans more than one line",
    '"only one line\\n"': "'only one line\\n' ends with a line break",
    '"tab\\there"': "'tab\\there' contains the control character U+0009",
    '"nul\\0"': "'nul\\x00' contains the control character U+0000",
    '"escape \\e[31m"': "'escape \\x1b[31m' contains the control character U+001B",
    '"delete\\x7f"': "'delete\\x7f' contains the control character U+007F",
    '"c1 \\x9b"': "'c1 \\x9b' contains the control character U+009B",
}


@pytest.mark.parametrize("field", sorted(LABEL_FIELDS))
def test_a_label_on_more_than_one_line_is_an_error_in_every_label_field(tmp_path, field):
    name, template, reported = LABEL_FIELDS[field]
    path = tmp_path / "record.yaml"
    checked = 0
    for label, message in NOT_ONE_LINE.items():
        path.write_text(template.format(label=label), encoding="utf-8")
        problems = read_file(path, name).problems
        assert [(p.field, p.message, p.expected, p.severity) for p in problems] == [
            (reported, message, "a label on one line, without control characters (a long one may be folded with '>-')",
             "error")], label
        line = template.format(label="\0").split("\0")[0].count("\n") + 1
        assert (problems[0].file, problems[0].line) == (name, line)
        checked += 1
    assert checked == len(NOT_ONE_LINE) == 12


@pytest.mark.parametrize("block", ["|", ">", "|+", ">+"])
def test_a_label_written_as_a_block_scalar_is_an_error(tmp_path, block):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text(f"label: {block}\n  A meeting\nbody: b\ndate: 2019\nsources: s\n", encoding="utf-8")
    [problem] = read_file(path, "meetings/2019-01-01-x.yaml").problems
    assert (problem.line, problem.field) == (1, "label") and "line break" in problem.message


def test_a_long_label_folded_with_strip_is_one_line_and_fine(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: >-\n  A meeting with\n  a long name\nbody: b\ndate: 2019\nsources: s\n", encoding="utf-8")
    record = read_file(path, "meetings/2019-01-01-x.yaml")
    assert record.problems == [] and record.meeting.labels.pref["en"] == "A meeting with a long name"


def test_an_entity_with_a_bad_label_still_resolves_references(tmp_path):
    """One error for the label, not one more for every record that names the entity."""
    (tmp_path / "entities").mkdir()
    (tmp_path / "meetings").mkdir()
    (tmp_path / "entities" / "all.yaml").write_text(
        'bodies:\n  - slug: b\n    label: "Two\\nlines"\n    unit_of: o\norganizations:\n'
        "  - slug: o\n    label: O\n    type: intergovernmental\nsources:\n  - slug: s\n    publisher: P\n",
        encoding="utf-8")
    (tmp_path / "meetings" / "2019-01-01-x.yaml").write_text("label: X\nbody: b\ndate: 2019\nsources: s\n",
                                                              encoding="utf-8")
    assert [(p.file, p.field) for p in read_records(tmp_path).errors] == [("entities/all.yaml", "bodies[slug=b].label")]


# -- values that go into IRIs and typed literals as they are: matched whole, the store's rules included

@pytest.mark.parametrize("field, value, message", [
    ("slug", '"somebody\\n"', "'somebody\\n' is not valid"),
    ("wikidata", '"Q159\\n"', "'Q159\\n' is not valid"),
    ("date", '"2019-06-20\\n"', "'2019-06-20\\n' is not a valid date"),
    ("date", '"٢٠١٩"', "'٢٠١٩' is not a valid date"),
    ("url", '"https://example.org/\\n"', "'https://example.org/\\n' is not valid"),
    ("url", '"https://example.org/%zz"', "is not a valid URL (Invalid IRI percent encoding '%zz')"),
    ("url", '"https://[example.org/"', "is not a valid URL"),
    ("url", '"https://example.org/a\\x01b"', "is not valid"),
    ("language", '"en\\n"', "'en\\n' is not valid"),
    ("language", "en-a", "'en-a' is not a well-formed language tag"),
    ("label", "{en-a: X, en: Y}", "'en-a' is not a language tag"),
])
def test_values_the_store_would_refuse_are_errors(tmp_path, field, value, message):
    entries = {"slug": "sources:\n  - slug: {v}\n    publisher: P\n",
               "wikidata": "states:\n  - slug: s\n    label: S\n    wikidata: {v}\n",
               "date": "sources:\n  - slug: s\n    publisher: P\n    published: {v}\n",
               "url": "sources:\n  - slug: s\n    publisher: P\n    url: {v}\n",
               "language": "sources:\n  - slug: s\n    publisher: P\n    language: {v}\n",
               "label": "states:\n  - slug: s\n    label: {v}\n"}
    path = tmp_path / "entities.yaml"
    path.write_text(entries[field].format(v=value), encoding="utf-8")
    problems = read_file(path, "entities/x.yaml").problems
    assert len(problems) == 1 and message in problems[0].message, problems


@pytest.mark.parametrize("name", [b"bad\xffname.yaml", b"tab\there.yaml", b"escape\x1b[31m.yaml"])
def test_a_file_name_that_is_not_printable_text_is_an_error(tmp_path, name):
    import os

    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + name))
    path.write_text("states:\n  - slug: s\n    label: S\n", encoding="utf-8")
    record = read_file(path, "entities/" + path.name)
    assert record.unreadable and record.entities == []
    assert [(p.field, p.line) for p in record.problems] == [("(file name)", 1)]
    assert "is not printable UTF-8 text" in record.problems[0].message


def test_representatives_absences_adoptions_and_roles_of_the_data_are_read():
    records = read_records(DATA)
    assert records.errors == []
    meetings = {m.slug: m for m in records.meetings}
    absent = meetings["2018-04-26-ccim-21"].absent
    assert [(a.state.slug, [s.slug for s in a.sources]) for a in absent] == [
        ("armenia", ["ekhokavkaza-ru-ccim-21-armenia-absent"])]
    assert "Yerevan" in absent[0].reason
    council = meetings["2021-02-18-cis-migration-council-25"]
    unnamed = [p for p in council.participations if p.person is None and not p.posts]
    assert {p.on_behalf_of.slug: p.roles for p in unnamed if "observer" in p.roles} == {
        "turkmenistan": ["observer"], "general-confederation-of-trade-unions": ["observer"],
        "eurasian-economic-commission": ["observer"]}
    assert any(p.on_behalf_of.slug == "cis-executive-committee" for p in unnamed)  # a body
    adopted = [(d.kind, d.title) for d in meetings["2020-12-02-csc-videoconference"].decisions]
    assert adopted[0] == ("declaration", "Collective Security Declaration") and len(adopted) == 4
    assert all(d.appointee is None and d.post is None for d in meetings["2020-12-02-csc-videoconference"].decisions)
    joint = meetings["2019-11-27-cfm-cdm-cssc-bishkek"].decisions
    assert {d.adopted_by.slug for d in joint} == {"csto-cdm"}
    welcomed = next(e for e in records.entities if e.kind == "role")
    assert (welcomed.slug, welcomed.fields["broader"].slug) == ("welcomed", "spoke")
    tajik = meetings["2021-08-24-ccim-24"].participations[1]
    assert (tajik.person, [p.slug for p in tajik.posts], tajik.roles) == (None, ["csto-ccim-member"], ["rapporteur"])


def test_a_count_of_representatives_and_the_fields_of_each_type_of_decision(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: X\nbody: b\ndate: 2019\nsources: s\nparticipations:\n"
                    "  - n: 1\n    on_behalf_of: csto\n    roles: [observer]\n    count: 2\n"
                    "decisions:\n  - n: 1\n    type: adoption\n    kind: protocol\n"
                    "  - n: 2\n    type: election\n    appointee: a\n    post: p\n    kind: plan\n", encoding="utf-8")
    record = read_file(path, "meetings/2019-01-01-x.yaml")
    assert record.meeting.participations[0].count == 2
    assert [(d.number, d.type, d.kind) for d in record.meeting.decisions] == [(1, "adoption", "protocol"),
                                                                                (2, "election", None)]
    assert [(p.line, p.field, p.message) for p in record.problems] == [
        (18, "decisions[n=2].kind", "is not a field of a decision of type election")]


# -- what the sources say exactly: acting posts, their own words, inferred numbers, values not stated

EXACTLY = """\
label: X
body: b
date: 2019
session: {number: 25, inferred: true}
sources: s
participations:
  - n: 1
    person: someone
    roles: attendee
    role_as_stated: {en: represented the Secretariat}
    acting_post: sg
    post_as_stated: {en: Acting Secretary General, ru: [исполняющий обязанности генсека, врио генсека]}
    rank: not-stated
  - n: 2
    acting_post: [president]
    roles: [attendee]
"""


def test_acting_posts_own_words_inferred_session_and_rank_not_stated_are_read(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text(EXACTLY, encoding="utf-8")
    record = read_file(path, "meetings/2019-01-01-x.yaml")
    assert record.problems == []
    meeting = record.meeting
    assert (meeting.session, meeting.session_inferred) == (25, True)
    one, two = meeting.participations
    assert one.posts == [] and [r.slug for r in one.acting_posts] == ["sg"]
    assert one.post_as_stated == {"en": ["Acting Secretary General"],
                                  "ru": ["исполняющий обязанности генсека", "врио генсека"]}
    assert one.role_as_stated == {"en": ["represented the Secretariat"]}
    assert one.rank is None and one.not_stated["rank"] == Mark(13, 11)
    assert [r.slug for r in two.acting_posts] == ["president"] and two.not_stated == {}  # an acting post is a post


@pytest.mark.parametrize("change, field, message", [
    ("session: {number: 25, inferred: true}", "session.inferred", "'yes' is not true or false"),
    ("session: {number: 25, inferred: true}", "session.number", "is missing"),
    ("session: {number: 25, inferred: true}", "session.inferrred", "unknown key 'inferrred' (did you mean 'inferred'?)"),
    ("post_as_stated: {en: Acting Secretary General, ru: [", "participations[n=1].post_as_stated",
     "is the text 'Acting Secretary General'; expected a mapping of language tag"),
    ("post_as_stated: {en: Acting Secretary General, ru: [", "participations[n=1].post_as_stated.en-a",
     "'en-a' is not a language tag"),
    ("role_as_stated: {en: represented the Secretariat}", "participations[n=1].role_as_stated.en",
     "spans more than one line"),
    ("rank: not-stated", "participations[n=1].rank", "'not stated' is not valid; expected a slug"),
])
def test_a_bad_new_field_is_an_error_at_its_line(tmp_path, change, field, message):
    replacements = {
        "session.inferred": ("inferred: true", "inferred: yes"),
        "session.number": ("number: 25, ", ""),
        "session.inferrred": ("inferred: true", "inferrred: true"),
        "participations[n=1].post_as_stated": ("{en: Acting Secretary General, ru: [исполняющий обязанности генсека, врио генсека]}",
                                             "Acting Secretary General"),
        "participations[n=1].post_as_stated.en-a": ("{en: Acting", "{en-a: x, en: Acting"),
        "participations[n=1].role_as_stated.en": ("{en: represented the Secretariat}", '{en: "represented\\nthe Secretariat"}'),
        "participations[n=1].rank": ("rank: not-stated", "rank: not stated"),
    }
    old, new = replacements[field]
    assert EXACTLY.count(old) == 1
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text(EXACTLY.replace(old, new), encoding="utf-8")
    problems = read_file(path, "meetings/2019-01-01-x.yaml").problems
    assert any(p.field == field and message in str(p) for p in problems), [str(p) for p in problems]
    line = next(i + 1 for i, text in enumerate(EXACTLY.replace(old, new).splitlines()) if change.split(":")[0] in text)
    assert all(p.line == line for p in problems if p.field == field)


def test_wikidata_not_stated_and_the_reserved_slug(tmp_path):
    path = tmp_path / "states.yaml"
    path.write_text("states:\n  - slug: s\n    label: S\n    wikidata: not-stated\n"
                    "ranks:\n  - slug: not-stated\n    label: Not a rank\n", encoding="utf-8")
    record = read_file(path, "entities/states.yaml")
    [state] = record.entities
    assert state.wikidata is None and state.not_stated == {"wikidata": Mark(4, 15)}
    assert [(p.line, p.field) for p in record.problems] == [(6, "ranks[slug=not-stated].slug")]
    assert "'not-stated' is reserved" in record.problems[0].message


# -- an English label is written in Latin letters: a plain text label is the English one

ENGLISH_IN_ANOTHER_SCRIPT = {  # record name, YAML -> the field reported (None: fine)
    "plain entity label": ("entities/x.yaml", "states:\n  - slug: s\n    label: Россия\n", "states[slug=s].label"),
    "en entity label": ("entities/x.yaml", "states:\n  - slug: s\n    label: {en: Россия, ru: Россия}\n",
                        "states[slug=s].label.en"),
    "en alternative label": ("entities/x.yaml", "states:\n  - slug: s\n    label: Russia\n    alt_labels: {en: [RF, Россия]}\n",
                             "states[slug=s].alt_labels.en"),
    "meeting label": ("meetings/2019-01-01-x.yaml", "label: Заседание\nbody: b\ndate: 2019\nsources: s\n", "label"),
    "agenda subject": ("meetings/2019-01-01-x.yaml",
                       "label: X\nbody: b\ndate: 2019\nsources: s\nagenda:\n  - n: 4\n    subject: О миграции\n",
                       "agenda[n=4].subject"),
    "Armenian": ("entities/x.yaml", "states:\n  - slug: s\n    label: Հայաստան\n", "states[slug=s].label"),
    "in its own language": ("entities/x.yaml", "states:\n  - slug: s\n    label: {en: Russia, ru: Россия}\n"
                            "    alt_labels: {ru: [Российская Федерация]}\n", None),
    "mostly Latin": ("entities/x.yaml", "places:\n  - slug: s\n    label: Yerevan (Ереван)\n", None),
    "accents": ("entities/x.yaml", "places:\n  - slug: s\n    label: Réunion, Łódź, Çorum\n", None),
    "no letters": ("entities/x.yaml", "places:\n  - slug: s\n    label: \"1917 - 2024\"\n", None),
}


@pytest.mark.parametrize("case", sorted(ENGLISH_IN_ANOTHER_SCRIPT))
def test_an_english_label_in_another_script_is_an_error(tmp_path, case):
    name, text, field = ENGLISH_IN_ANOTHER_SCRIPT[case]
    path = tmp_path / "record.yaml"
    path.write_text(text, encoding="utf-8")
    problems = read_file(path, name).problems
    if field is None:
        assert problems == []
        return
    [problem] = problems
    assert (problem.field, problem.severity) == (field, "error")
    assert "script, not English" in problem.message and ": {" in problem.expected, problem


def test_english_in_another_script_cases_count():
    assert len(ENGLISH_IN_ANOTHER_SCRIPT) == 10


def test_the_real_english_labels_are_latin():
    from csto_kg.records.model import foreign_script

    records = read_records(DATA)
    english = [str(t) for e in records.entities for lang, t in e.labels.pref.items() if lang == "en"]
    english += [str(t) for e in records.entities for t in e.labels.alt.get("en", [])]
    english += [str(m.labels.pref["en"]) for m in records.meetings]
    english += [str(a.subject.pref["en"]) for m in records.meetings for a in m.agenda]
    assert len(english) > 200 and [t for t in english if foreign_script(t)] == []
    others = [str(t) for e in records.entities for lang, t in e.labels.pref.items() if lang == "ru"]
    assert others and all(foreign_script(t) == "Cyrillic" for t in others)


# -- an entry of a list is named by its key: a number, a slug; by its position only without one

def test_items_are_named_by_their_key(tmp_path):
    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: X\nbody: b\ndate: 2019\nsources: s\n"
                    "delegations:\n  - state: russia\n    nots: x\n  - nots: y\n"
                    "participations:\n  - n: 6\n    post: p\n    roles: [Chairman]\n"
                    "  - n: six\n    post: p\n    roles: [attendee]\n"
                    "  - post: p\n    roles: [attendee]\n"
                    "agenda:\n  - n: 2\n    subject: S\n    nots: x\n"
                    "decisions:\n  - n: 3\n    type: apointment\n    appointee: a\n    post: p\n", encoding="utf-8")
    fields = [p.field for p in read_file(path, "meetings/2019-01-01-x.yaml").problems]
    assert fields == ["delegations[state=russia].nots", "delegations[1].nots", "delegations[1].state",
                      "participations[n=6].roles[0]", "participations[1].n", "participations[2].n",
                      "agenda[n=2].nots", "decisions[n=3].type"]
    entities = tmp_path / "people.yaml"
    entities.write_text("people:\n  - slug: somebody\n    label: S\n    nots: x\n  - label: T\n    nots: y\n", encoding="utf-8")
    fields = [p.field for p in read_file(entities, "entities/people.yaml").problems]
    assert fields == ["people[slug=somebody].nots", "people[1].nots", "people[1].slug"]


def test_cross_file_and_shape_messages_name_items_by_key_too(tmp_path, validator):
    """The reference check and the shapes name a delegation by its state and a participation by its
    number, as the reader does."""
    from csto_kg.check.files import validate_files

    path = tmp_path / "2019-01-01-x.yaml"
    path.write_text("label: X\nbody: csto-ccim\ndate: 2019\nsources: [mia-en-2019-06-21-ccim-22]\n"
                    "delegations:\n  - state: rusia\n  - state: belarus\n    sources: [nope]\n"
                    "participations:\n  - n: 9\n    person: valentina-kazakova\n    roles: [attendee]\n"
                    "    on_behalf_of: cholpon-ata\n", encoding="utf-8")  # a place: a body would do
    report, _ = validate_files([path], DATA, validator)
    assert sorted(p.field for p in report.errors()) == [
        "delegations[state=belarus].sources", "delegations[state=rusia].state",
        "participations[n=9].on_behalf_of"]
