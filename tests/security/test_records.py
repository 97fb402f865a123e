"""A curator's record that `csto-kg validate` passed once made `csto-kg build` crash: a label on two
lines was written into the build's N-Quads as a Turtle long string, the store refused the file, the
build ended in a traceback into a deleted temporary file, and every later build did the same.

Now such a label is an error that `validate` and `build` both report, word for word, at the record's
line; the build changes nothing and the store keeps being served as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import requests

from csto_kg.store.embedded import EmbeddedStore

from ..conftest import DATA
from ..live_endpoint import serve

MEETING = "meetings/2019-06-20-ccim-22.yaml"
LABEL = "22nd meeting of the CSTO Coordinating Council on Combating Illegal Migration"
ONE_LINE = "expected a label on one line, without control characters (a long one may be folded with '>-')"
CASES = {  # how a label is broken -> (file, the text as it was, as it is now, the error both commands must print)
    "meeting label, block scalar": (
        MEETING, f"label: {LABEL}\n", "label: |\n  22nd meeting of the CSTO\n  Coordinating Council\n",
        f"{MEETING}:2:8: label: '22nd meeting of the CSTO\\nCoordinating Council\\n' spans more than one line; {ONE_LINE}"),
    "meeting label, quoted line feed": (
        MEETING, f"label: {LABEL}\n", 'label: "22nd meeting\\nof the council"\n',
        f"{MEETING}:2:8: label: '22nd meeting\\nof the council' spans more than one line; {ONE_LINE}"),
    "entity label, carriage return": (
        "entities/people.yaml", "    label: Aleksandr Gorovoy\n", '    label: "Aleksandr\\rGorovoy"\n',
        f"entities/people.yaml:5:12: people[slug=aleksandr-gorovoy].label: 'Aleksandr\\rGorovoy' spans more than one line; {ONE_LINE}"),
    "alternative label, line separator": (
        "entities/states.yaml", "    alt_labels: {en: Russian Federation, ru: [Россия, Российская Федерация]}\n", '    alt_labels: {en: "Russian\\u2028Federation", ru: [Россия, Российская Федерация]}\n',
        f"entities/states.yaml:21:22: states[slug=russia].alt_labels.en: 'Russian\\u2028Federation' spans more than one line; {ONE_LINE}"),
}
SPARQL_LABEL = ("SELECT ?l WHERE { <https://w3id.org/csto-kg/id/meeting/2019-06-20-ccim-22> "
                "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")


def csto_kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csto_kg.cli", *args], capture_output=True, text=True, timeout=300)


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if not line.endswith("[warning]")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The real records, built and served by `csto-kg serve --no-build`."""
    root = tmp_path_factory.mktemp("records")
    data = root / "data"
    shutil.copytree(DATA, data)
    store = root / "store"
    built = csto_kg("build", "--data", str(data), "--store", str(store))
    assert built.returncode == 0, built.stderr
    with serve(store) as live:
        yield data, EmbeddedStore(store), live


@pytest.mark.parametrize("case", sorted(CASES), ids=str)
def test_a_label_on_two_lines_is_the_same_error_from_validate_and_build_and_the_store_still_answers(served, case):
    data, store, live = served
    file, old, new, expected = CASES[case]
    path = data / file
    original = path.read_text(encoding="utf-8")
    assert original.count(old) == 1
    before = store.current_dir(), store.manifest()
    health = requests.get(live.url + "/healthz", timeout=30).json()
    path.write_text(original.replace(old, new), encoding="utf-8")
    try:
        validated = csto_kg("validate", "--data", str(data), "--store", str(store.path), str(path))
        outcomes = [csto_kg("build", "--data", str(data), "--store", str(store.path)),
                    csto_kg("build", "--full", "--data", str(data), "--store", str(store.path))]
        assert validated.returncode == 1, validated.stdout + validated.stderr
        assert errors(validated.stdout) == [expected]
        for built in outcomes:
            assert built.returncode == 1, built.stdout + built.stderr
            assert errors(built.stdout) == [expected]
            assert built.stderr.strip().endswith("error: 1 error(s) in the records; nothing was changed")
            assert "Traceback" not in built.stderr and "csto-kg-build" not in built.stdout + built.stderr
        # nothing changed: the same build, served as before
        assert (store.current_dir(), store.manifest()) == before
        assert not list(store.builds.glob("*.partial"))
        assert requests.get(live.url + "/healthz", timeout=30).json()["build"] == health["build"]
        answer = requests.get(live.sparql, params={"query": SPARQL_LABEL}, timeout=30,
                              headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200
        assert [b["l"]["value"] for b in answer.json()["results"]["bindings"]] == [LABEL]
    finally:
        path.write_text(original, encoding="utf-8")


def test_case_count():
    assert len(CASES) == 4
