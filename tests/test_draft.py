"""The drafting assistant: a report's text -> a draft record citing the words behind each value."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pymorphy3")
pytest.importorskip("razdel")
pytest.importorskip("dateparser")

from csto_kg.draft import draft_text, lexicon  # noqa: E402
from csto_kg.draft.lexicon import find  # noqa: E402
from csto_kg.draft.text import sentences  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def lex():
    return lexicon(DATA)


def found(lex, text):
    return {(m.kind, m.slug, m.certain) for s in sentences(text) for m in find(lex, s)}


@pytest.mark.parametrize("text, kind, slug", [
    ("Делегацию возглавил Горовой.", "person", "aleksandr-gorovoy"),              # genitive-like adjective surname
    ("вместе с Валентиной Казаковой", "person", "valentina-kazakova"),              # instrumental
    ("назначил Валентину Казакову", "person", "valentina-kazakova"),                # accusative
    ("выступил первым заместителем Министра внутренних дел Российской Федерации", "post", "russia-mia-first-deputy-minister"),
    ("генерал-полковника полиции", "rank", "police-colonel-general"),
    ("в Республике Таджикистан", "state", "tajikistan"),
    ("в Чолпон-Ате", "place", "cholpon-ata"),
    ("Police Colonel-General Aleksandr Gorovoy", "person", "aleksandr-gorovoy"),
    ("Sergei Lavrov", "person", "sergey-lavrov"),                                    # another spelling, by sound
])
def test_inflected_and_respelled_names_match(lex, text, kind, slug):
    assert any(k == kind and s == slug for k, s, _c in found(lex, text)), found(lex, text)


def test_a_surname_alone_is_a_choice_not_a_value(lex):
    assert ("person", "aleksandr-gorovoy", False) in found(lex, "The meeting heard Gorovoy.")
    result = draft_text("The meeting was chaired by Gorovoy.", "mia-en-2019-06-21-ccim-22", lex=lex)
    assert "person: aleksandr-gorovoy" not in result.record.replace("# person: aleksandr-gorovoy", "")
    assert [l for l in result.record.splitlines() if "chaired by Gorovoy" in l] == [
        '# TODO participations: chair: person: one of aleksandr-gorovoy ("Gorovoy"): s1 "The meeting was chaired by Gorovoy."']
    assert '# TODO participations: chair: person: one of aleksandr-gorovoy ("Gorovoy"): s1 ' in result.record


def test_another_first_name_is_another_person(lex):
    assert not any(s == "aleksandr-gorovoy" for _k, s, _c in found(lex, "Ivan Gorovoy spoke."))


TEXT_RU = """В Бишкеке 20 июня 2019 года состоялось 22-е заседание Координационного совета по борьбе с незаконной миграцией ОДКБ.

Российскую делегацию возглавил первый заместитель Министра внутренних дел Российской Федерации генерал-полковник полиции Александр Горовой. В состав делегации также вошёл полковник полиции Иван Петрович Сидоренко.

В соответствии с решением членов Совета Секретарём Координационного совета назначена Валентина Казакова.

Участники обсудили ход подготовки проекта соглашения."""


def test_a_russian_text_drafts_every_value_with_its_words(lex):
    result = draft_text(TEXT_RU, "mia-en-2019-06-21-ccim-22", lex=lex)
    record = yaml.safe_load(result.record)
    assert record["body"] == "csto-ccim" and record["session"] == 22 and record["place"] == "bishkek"
    assert str(record["date"]) == "2019-06-20"
    head = record["participations"][0]
    assert head["person"] == "aleksandr-gorovoy" and head["roles"] == ["head-of-delegation"]
    assert head["post"] == ["russia-mia-first-deputy-minister"] and head["rank"] == "police-colonel-general"
    assert head["on_behalf_of"] == "russia"
    assert record["decisions"] == [{"n": 1, "type": "appointment", "appointee": "valentina-kazakova",
                                    "post": "csto-ccim-secretary"}]
    lines = result.record.splitlines()
    assert any(l.strip().startswith("person: aleksandr-gorovoy") and '"Александр Горовой" [s2, ' in l for l in lines)
    assert any(l.strip().startswith("rank: police-colonel-general") and '"генерал-полковник полиции"' in l for l in lines)
    # what the rules cannot place stays a TODO with its sentence
    assert '# TODO: s5 "Участники обсудили ход подготовки проекта соглашения."' in result.record


def test_a_person_not_in_the_data_is_a_stub_for_review(lex):
    result = draft_text(TEXT_RU, "mia-en-2019-06-21-ccim-22", lex=lex)
    stubs = yaml.safe_load(result.stubs)
    assert stubs == {"people": [{"slug": "ivan-petrovich-sidorenko",
                                 "label": {"en": "Ivan Petrovich Sidorenko", "ru": "Иван Петрович Сидоренко"},
                                 "sources": ["mia-en-2019-06-21-ccim-22"]}]}
    assert "# REVIEW: new entity" in result.stubs
    assert "ivan-petrovich-sidorenko" not in yaml.safe_load(result.record).__repr__()  # not used as a value
    assert "# TODO person: new entity ivan-petrovich-sidorenko" in result.record


def test_unnamed_officials_stay_unnamed(lex):
    text = ("The 22nd meeting of the CSTO Coordinating Council on Combating Illegal Migration was held in "
            "Cholpon-Ata (Kyrgyz Republic) on 20 June 2019. The meeting was attended by delegations of the Republic of "
            "Armenia and the Republic of Belarus, and by the Deputy Secretary General of the CSTO.")
    record = yaml.safe_load(draft_text(text, "mia-en-2019-06-21-ccim-22", lex=lex).record)
    assert record["host_state"] == "kyrgyzstan"
    assert [d["state"] for d in record["delegations"]] == ["armenia", "belarus"]
    assert record["participations"] == [{"n": 1, "roles": ["attendee"], "on_behalf_of": "csto",
                                         "post": ["csto-deputy-secretary-general"], "rank": "not-stated"}]


def test_cli_writes_the_draft_and_its_stubs(tmp_path):
    text = tmp_path / "report.txt"
    text.write_text(TEXT_RU, encoding="utf-8")
    out = tmp_path / "2019-06-20-ccim-22.yaml"
    run = subprocess.run([sys.executable, "-m", "csto_kg.cli", "draft", str(text), "--source", "mia-en-2019-06-21-ccim-22",
                          "--data", str(DATA), "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["body"] == "csto-ccim"
    stubs = tmp_path / "2019-06-20-ccim-22.new-entities.yaml"
    assert "ivan-petrovich-sidorenko" in stubs.read_text(encoding="utf-8")
    assert "1 new entities to review" in run.stderr


def test_cli_refuses_an_unknown_source(tmp_path):
    text = tmp_path / "report.txt"
    text.write_text(TEXT_RU, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "csto_kg.cli", "draft", str(text), "--source", "mia-en-2019",
                          "--data", str(DATA)], capture_output=True, text=True)
    assert run.returncode == 2 and "--source: unknown source 'mia-en-2019'" in run.stderr


def test_the_draft_passes_validate(tmp_path, lex):
    from csto_kg.check.files import validate_files

    result = draft_text(TEXT_RU, "mia-en-2019-06-21-ccim-22", lex=lex)
    report, unreadable = validate_files([], DATA, contents={"meetings/2019-06-20-ccim-22.yaml": result.record.encode()})
    assert not unreadable
    assert [str(p) for p in report.problems if p.severity == "error"] == []
