from __future__ import annotations

import json
import subprocess
import sys

import pytest

from csto_kg.cli import main

from .conftest import DATA, FIXTURES
from .live_endpoint import dataset_store


def test_build_query_export(tmp_path, runner):
    store = str(tmp_path / "store")
    result = runner.invoke(main, ["build", "--data", str(DATA), "--store", store])
    assert result.exit_code == 0, result.output
    assert "built" in result.stderr
    result = runner.invoke(main, ["query", "--store", store, "--format", "csv",
                                  "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/csto-kg/ontology#Participation> }"])
    assert result.exit_code == 0 and int(result.stdout.split()[1]) >= 4
    result = runner.invoke(main, ["query", "--store", store, "ASK { ?s ?p ?o }"])
    assert result.stdout.strip() == "true"
    out = tmp_path / "graph.nq"
    result = runner.invoke(main, ["export", "--store", store, "--format", "nquads", "-o", str(out)])
    assert result.exit_code == 0
    graphs = {line.rsplit(" ", 2)[-2] for line in out.read_text(encoding="utf-8").splitlines()}
    assert "<https://w3id.org/csto-kg/graph/meetings/2019-06-20-ccim-22>" in graphs
    assert "<https://w3id.org/csto-kg/graph/ontology>" in graphs


def test_build_with_invalid_record_exits_1(tmp_path, data_copy, runner):
    (data_copy / "meetings" / "2019-01-03-unknown-role.yaml").write_bytes(
        (FIXTURES / "bad-records" / "meetings" / "2019-01-03-unknown-role.yaml").read_bytes())
    result = runner.invoke(main, ["build", "--data", str(data_copy), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "meetings/2019-01-03-unknown-role.yaml:14:" in result.stdout
    assert "nothing was changed" in result.stderr


@pytest.mark.parametrize("label", ['"22nd meeting\\nof the council"', "|-\n  22nd meeting\n  of the council"])
def test_validate_and_build_give_the_same_error_for_a_two_line_label(tmp_path, data_copy, runner, label):
    store = str(tmp_path / "s")
    assert runner.invoke(main, ["build", "--data", str(data_copy), "--store", store]).exit_code == 0
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    text = meeting.read_text(encoding="utf-8")
    meeting.write_text(text.replace("label: 22nd meeting of the CSTO Coordinating Council on Combating Illegal Migration",
                                    f"label: {label}", 1), encoding="utf-8")
    checked = runner.invoke(main, ["validate", "--data", str(data_copy), "--store", store, str(meeting)])
    built = runner.invoke(main, ["build", "--data", str(data_copy), "--store", store])
    assert checked.exit_code == built.exit_code == 1
    error = ("meetings/2019-06-20-ccim-22.yaml:2:8: label: '22nd meeting\\nof the council' spans more than one line; "
             "expected a label on one line, without control characters (a long one may be folded with '>-')")
    assert error in checked.stdout.splitlines() and error in built.stdout.splitlines()
    assert "nothing was changed" in built.stderr and isinstance(built.exception, SystemExit)


def test_build_reports_a_record_the_store_refuses_without_a_traceback(tmp_path, data_copy, runner, monkeypatch):
    from csto_kg.graph import rdfize

    store = str(tmp_path / "s")
    assert runner.invoke(main, ["build", "--data", str(data_copy), "--store", store]).exit_code == 0
    meeting = data_copy / "meetings" / "2019-06-20-ccim-22.yaml"
    meeting.write_text(meeting.read_text(encoding="utf-8") + 'note: the report says "held"\n', encoding="utf-8")
    plain = rdfize.nquads_string
    monkeypatch.setattr(rdfize, "nquads_string", lambda text: f'"{text}"' if '"held"' in text else plain(text))
    result = runner.invoke(main, ["build", "--data", str(data_copy), "--store", store])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stdout.startswith("meetings/2019-06-20-ccim-22.yaml:1:1: (record): its RDF cannot be loaded into the store (")
    assert "Traceback" not in result.output and "csto-kg-build" not in result.output
    assert "1 error(s) in the records; nothing was changed" in result.stderr


def test_build_bad_usage_exits_2(tmp_path, runner):
    result = runner.invoke(main, ["build", "--data", str(tmp_path / "missing"), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert runner.invoke(main, ["build", "--no-such-option"]).exit_code == 2


def test_validate_exit_codes(tmp_path, runner):
    seed = str(DATA / "meetings" / "2019-06-20-ccim-22.yaml")
    assert runner.invoke(main, ["validate", "--data", str(DATA), seed]).exit_code == 0
    bad = str(FIXTURES / "bad-records" / "meetings" / "2019-01-02-bad-date.yaml")
    result = runner.invoke(main, ["validate", "--data", str(DATA), "--format", "json", bad])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert problems[0]["line"] == 6 and problems[0]["field"] == "date" and problems[0]["severity"] == "error"
    binary = tmp_path / "2019-01-01-binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert runner.invoke(main, ["validate", "--data", str(DATA), str(binary)]).exit_code == 2
    assert runner.invoke(main, ["validate", "--data", str(DATA), str(tmp_path / "missing.yaml")]).exit_code == 2


def test_query_errors(tmp_path, runner):
    result = runner.invoke(main, ["query", "--store", str(tmp_path / "none"), "ASK {}"])
    assert result.exit_code == 2 and "csto-kg build" in result.stderr
    assert runner.invoke(main, ["query"]).exit_code == 2


def test_query_syntax_error_names_the_problem(built_store, runner):
    result = runner.invoke(main, ["query", "--store", str(built_store.path), "SELEC ?x WHERE {}"])
    assert result.exit_code == 2 and "not valid SPARQL" in result.stderr


SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://example.org/rank> ?x . ?b <http://example.org/rank> ?y . "
        "?c <http://example.org/rank> ?z . ?d <http://example.org/rank> ?w }")


@pytest.fixture
def pools(monkeypatch):
    """The query worker pools the command starts."""
    from csto_kg.query import workers

    started = []

    class Recorded(workers.WorkerPool):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(workers, "WorkerPool", Recorded)
    return started


@pytest.mark.parametrize("how", ["option", "setting"])
def test_query_past_the_time_limit_is_stopped_and_exits_2(tmp_path, runner, pools, how):
    store = dataset_store(tmp_path / "store")
    limit = ["--time-limit-ms", "200"] if how == "option" else []
    env = {"CSTO_KG_SPARQL_TIME_LIMIT_MS": "200" if how == "setting" else "60000"}
    result = runner.invoke(main, ["query", "--store", str(store.path), *limit, SLOW], env=env)
    assert result.exit_code == 2, result.output
    assert "took longer than the time limit of 200 ms" in result.stderr
    assert "--time-limit-ms" in result.stderr and "CSTO_KG_SPARQL_TIME_LIMIT_MS" in result.stderr
    (pool,) = pools
    assert pool.replaced == 1 and pool.pids() == []  # its worker was killed, and the pool closed


def test_query_runs_in_a_worker_process(tmp_path, runner, pools, monkeypatch):
    from csto_kg.store.embedded import EmbeddedStore

    store = dataset_store(tmp_path / "store")
    fast = "SELECT ?g WHERE { ?g a <http://example.org/Graph> } ORDER BY ?g"
    expected = runner.invoke(main, ["query", "--store", str(store.path), "--time-limit-ms", "0", fast])
    assert expected.exit_code == 0 and "http://example.org/D3" in expected.stdout
    assert pools == []  # no limit: run in this process

    def in_this_process(*_args, **_kwargs):
        raise AssertionError("the query ran in the command's own process")

    monkeypatch.setattr(EmbeddedStore, "query", in_this_process)
    monkeypatch.setattr(EmbeddedStore, "reader", in_this_process)
    for fmt in ("table", "json", "csv"):
        result = runner.invoke(main, ["query", "--store", str(store.path), "--format", fmt, fast])
        assert result.exit_code == 0, result.output
        if fmt == "table":
            assert result.stdout == expected.stdout
    graph = runner.invoke(main, ["query", "--store", str(store.path), "--format", "ntriples",
                                 "CONSTRUCT WHERE { ?g a <http://example.org/Graph> }"])
    assert graph.exit_code == 0 and graph.stdout.count(" .\n") == 4
    ask = runner.invoke(main, ["query", "--store", str(store.path), "ASK { ?g a <http://example.org/Graph> }"])
    assert ask.stdout == "true\n"
    assert len(pools) == 5 and all(p.replaced == 0 for p in pools)


@pytest.mark.parametrize("command", ["build", "validate", "query", "export", "serve"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert len(result.output.splitlines()) > 5


def test_console_script_starts():
    proc = subprocess.run([sys.executable, "-m", "csto_kg.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "csto-kg" in proc.stdout


def test_new_meeting_skeleton_validates_once_filled(tmp_path, data_copy, runner):
    args = ["new", "meeting", "--data", str(data_copy), "--date", "2022-05-01", "--slug", "ccim-25"]
    result = runner.invoke(main, [*args, "--body", "csto-ccim", "--source", "mia-en-2019-06-21-ccim-22"])
    assert result.exit_code == 0, result.output
    path = data_copy / "meetings" / "2022-05-01-ccim-25.yaml"
    assert path.read_text(encoding="utf-8").count("#") > 20  # commented
    assert runner.invoke(main, ["validate", "--data", str(data_copy), str(path)]).exit_code == 0
    assert runner.invoke(main, [*args]).exit_code == 2  # exists: never overwritten
    bare = runner.invoke(main, ["new", "meeting", "--data", str(data_copy), "--date", "2022-05-02", "--slug", "x"])
    assert bare.exit_code == 0
    result = runner.invoke(main, ["validate", "--data", str(data_copy), str(data_copy / "meetings" / "2022-05-02-x.yaml")])
    assert result.exit_code == 1 and "body: is missing" in result.stdout


def test_new_meeting_refuses_unknown_bodies_and_sources(data_copy, runner):
    """--body and --source are checked against the entity files, with validate's words and near matches;
    nothing is written when one is wrong."""
    args = ["new", "meeting", "--data", str(data_copy), "--date", "2022-05-01", "--slug", "ccim-25"]
    cases = {  # the options -> what the error says
        ("--body", "csto-ksbnm"): "--body: unknown body 'csto-ksbnm' (did you mean 'csto-ccim' (alt label KSBNM)?); "
                                  "expected the slug of a body defined in data/entities/",
        ("--body", "russia"): "--body: 'russia' is a state, not a body; expected the slug of a body",
        ("--body", "csto-ccim", "--source", "mia-en-2019-06-21-ccim22"):
            "--source: unknown source 'mia-en-2019-06-21-ccim22' (did you mean 'mia-en-2019-06-21-ccim-22'?)",
        ("--source", "mia-en-2019-06-21-ccim-22", "--source", "Bad Slug"): "--source: 'Bad Slug' is not a slug",
    }
    for options, message in cases.items():
        result = runner.invoke(main, [*args, *options])
        assert result.exit_code == 2 and message in result.output, result.output
        assert not (data_copy / "meetings" / "2022-05-01-ccim-25.yaml").exists()
    both = runner.invoke(main, [*args, "--body", "csto-ksbnm", "--source", "russia"])
    assert both.exit_code == 2 and "--body: unknown body" in both.output and "--source: 'russia' is a state" in both.output
    assert len(cases) == 4


def test_validate_github_and_strict(runner):
    bad = str(FIXTURES / "bad-records" / "meetings" / "2019-01-03-unknown-role.yaml")
    result = runner.invoke(main, ["validate", "--data", str(DATA), "--format", "github", bad])
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=") and ",line=14,col=13," in result.stdout
    seed = str(DATA / "meetings" / "2019-06-20-ccim-22.yaml")
    assert runner.invoke(main, ["validate", "--data", str(DATA), seed]).exit_code == 0
    assert runner.invoke(main, ["validate", "--data", str(DATA), "--strict", seed]).exit_code == 0  # ranks answered
    places = str(DATA / "entities" / "places.yaml")
    assert runner.invoke(main, ["validate", "--data", str(DATA), "--strict", places]).exit_code == 1  # no QID yet


def test_build_full_and_incremental(tmp_path, runner):
    store = str(tmp_path / "store")
    first = runner.invoke(main, ["build", "--data", str(DATA), "--store", store])
    again = runner.invoke(main, ["build", "--data", str(DATA), "--store", store])
    full = runner.invoke(main, ["build", "--data", str(DATA), "--store", store, "--full", "--workers", "1"])
    assert (first.exit_code, again.exit_code, full.exit_code) == (0, 0, 0)
    assert "(0 checked and converted" in again.stderr
    assert "(0 checked" not in full.stderr


def test_the_progress_display_shows_steps_and_bars_and_ends_its_line(capsys):
    from csto_kg.cli import _Progress

    with _Progress(enabled=True) as progress:
        progress("reading entities")
        count = progress.counter("checking records")
        count(5, 10)
        count(10, 10)
    err = capsys.readouterr().err
    lines = err.split("\n")
    assert lines[0].endswith("… reading entities") and lines[-1] == "" and len(lines) == 3
    assert lines[1].rsplit("\r", 1)[1].startswith("… checking records [" + "#" * 30 + "] 10/10 ")
    assert "[" + "#" * 15 + "-" * 15 + "] 5/10 " in lines[1]
    with _Progress(enabled=False) as quiet:
        quiet("reading entities")
        quiet.counter("checking records")(1, 2)
    assert capsys.readouterr().err == ""


def shown_progress(monkeypatch) -> list[str]:
    """Make the CLI's progress display show as on a terminal; returns the steps it is told."""
    from csto_kg import cli

    steps: list[str] = []

    class Shown(cli._Progress):
        def __init__(self, enabled=None):
            super().__init__(enabled=True)

        def __call__(self, step, done=None, total=None):
            steps.append(step)
            super().__call__(step, done, total)

    monkeypatch.setattr(cli, "_Progress", Shown)
    return steps


def test_build_shows_the_one_progress_display(tmp_path, runner, monkeypatch):
    steps = shown_progress(monkeypatch)
    result = runner.invoke(main, ["build", "--data", str(DATA), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "checking records" in steps
    assert "… checking records [" in result.stderr
    built = next(line for line in result.stderr.splitlines() if "built " in line)
    assert built.startswith("built ")  # on a line of its own, after the display's
