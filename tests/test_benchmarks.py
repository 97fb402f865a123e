"""The benchmark scripts print their tables without matplotlib, at a tiny size.

Each runs in a subprocess whose ``import matplotlib`` fails (a ``sitecustomize`` on its path
blocks it), with its results, synthetic records and stores in a temporary folder
(``CSTO_KG_BENCH_OUT``). Nothing here times anything: the scripts report times, the tests check
that they run to the end and print their tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"
MEETINGS = "12"

BLOCK_MATPLOTLIB = """\
import sys

class _NoMatplotlib:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoMatplotlib())
"""

# script and arguments -> a line its output must hold
RUNS = [
    (["build.py", "--sizes", MEETINGS, "--no-baseline"], "build / `oxigraph load`"),
    (["queries.py", "--sizes", MEETINGS], "| cq1-participants"),
    (["validate_one.py", "--sizes", MEETINGS, "--repeat", "1", "--no-rebuild"], "`csto-kg validate FILE`"),
    (["tenures.py", "--sizes", MEETINGS, "--repeat", "1"], "| with / without |"),
]


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    blocker = tmp_path_factory.mktemp("no-matplotlib")
    (blocker / "sitecustomize.py").write_text(BLOCK_MATPLOTLIB, encoding="utf-8")
    out = tmp_path_factory.mktemp("bench-out")
    path = os.pathsep.join([str(blocker), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "CSTO_KG_BENCH_OUT": str(out)}


def test_matplotlib_is_blocked(environment):
    run = subprocess.run([sys.executable, "-c", "import matplotlib"], env=environment, capture_output=True, text=True)
    assert run.returncode != 0 and "ModuleNotFoundError" in run.stderr


@pytest.mark.parametrize(("args", "expected"), RUNS, ids=[args[0] for args, _ in RUNS])
def test_benchmark_prints_its_tables_without_matplotlib(environment, args, expected):
    run = subprocess.run([sys.executable, str(BENCHMARKS / args[0]), *args[1:]], env=environment,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert expected in run.stdout, run.stdout
    assert "Traceback" not in run.stderr
    assert not list(Path(environment["CSTO_KG_BENCH_OUT"]).glob("*.png"))  # nothing drawn


def test_run_all_prints_one_table_of_the_ratios(environment):
    run = subprocess.run([sys.executable, str(BENCHMARKS / "run_all.py"), "--sizes", MEETINGS, "--only", "build",
                          "tenures"], env=environment, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = run.stdout.split("# All the ratios (`python benchmarks/run_all.py --sizes 12 --only build tenures`)", 1)[1]
    rows = [line for line in summary.splitlines() if line.startswith("| ")]
    assert [c.strip() for c in rows[0].split("|")[1:-1]] == ["ratio", "meetings", "measured", "target", "met"]
    assert any("full build / `oxigraph load` of the same quads" in row for row in rows)
    assert any("build with tenure reasoning / without" in row for row in rows)
    again = subprocess.run([sys.executable, str(BENCHMARKS / "run_all.py"), "--summary"], env=environment,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "full build / `oxigraph load`" in again.stdout


def test_cases_ran():
    assert len(RUNS) == 4


def test_build_memory_steps_and_load_max(environment, tmp_path):
    """``build.py --memory-steps``: one build in-process, the memory of every step it reports; ``--load-max``
    leaves `oxigraph load` out above that size."""
    data = tmp_path / "data"
    made = subprocess.run([sys.executable, str(BENCHMARKS / "synth.py"), "--meetings", MEETINGS, "--out", str(data)],
                          env=environment, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    run = subprocess.run([sys.executable, str(BENCHMARKS / "build.py"), "--memory-steps", str(data), str(tmp_path / "s")],
                         env=environment, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout)
    steps = ["import", "reading entities", "checking records", "loading the store", "reasoning tenures",
             "summarizing for the pages and indexing names for reconciliation", "publishing the store"]
    assert list(found["seconds"])[:len(steps)] == steps and found["quads"] > 1000
    assert set(found["end_rss"]) == set(found["seconds"]) and all(mb > 10 for mb in found["end_rss"].values())
    assert "reasoning tenures:" in run.stderr
    run = subprocess.run([sys.executable, str(BENCHMARKS / "build.py"), "--sizes", MEETINGS, "--no-baseline",
                          "--detail-max", "0", "--load-max", "0"], env=environment, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "oxigraph load of the same quads" not in run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith(f"| {MEETINGS} "))
    assert [c.strip() for c in row.split("|")[5:7]] == ["n/a", "n/a"]  # no `oxigraph load` to compare with


def test_the_slowest_page_is_read_from_the_pages_table():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run_all  # noqa: PLC0415
    finally:
        sys.path.remove(str(BENCHMARKS))
    output = "\n".join([
        "page                         status queries in-process  workers    diff per query    first",
        "state page                      200      14      290.3    288.5   -25.6     -1.81    379.5",
        "state .ttl                      200       1      105.8    956.9   -57.5    -57.54   6175.7",
        "post-holding page               200       6       20.1    301.8    -0.5     -0.08     16.7",
        "document-kind page              200/404   6        5.4     11.8    +6.4     +1.07     12.5",
    ])
    assert run_all.pages_figures(output) == {"page": "post-holding page", "seconds": 0.3018}
    assert run_all.pages_figures("no table") is None


def test_endpoint_interleaved_rounds(environment):
    """``endpoint.py``: throughput in interleaved rounds, the ratios from per-round pairs with their
    quartiles, in its tables, in ``endpoint.json`` and in run_all's table of ratios; without matplotlib."""
    run = subprocess.run([sys.executable, str(BENCHMARKS / "endpoint.py"), "--meetings", MEETINGS, "--repeat", "3",
                          "--seconds", "1.2", "--round-seconds", "0.3", "--uncached"], env=environment,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert not list(Path(environment["CSTO_KG_BENCH_OUT"]).glob("*.png"))  # nothing drawn
    assert "| cq1-participants" in run.stdout
    assert "4 interleaved rounds of 0.30 s" in run.stdout
    assert "csto-kg, no answer cache: median latency / oxigraph" in run.stdout
    assert "; CPU per answer / oxigraph's " in run.stdout
    assert [line.split("|")[1].strip() for line in run.stdout.splitlines() if line.startswith("| round ")] == [
        "round 1", "round 2", "round 3", "round 4"]
    saved = json.loads((Path(environment["CSTO_KG_BENCH_OUT"]) / "endpoint.json").read_text(encoding="utf-8"))
    (found,) = saved["runs"]
    assert found["rounds"] == 4 and found["round_seconds"] == pytest.approx(0.3)
    servers = found["servers"]
    assert set(servers) == {"csto-kg", "csto-kg, no answer cache", "oxigraph"}
    for figures in servers.values():
        assert len(figures["round_qps"]) == 4 and all(rate > 0 for rate in figures["round_qps"])
        assert len(figures["round_latency"]) == 3 and figures["errors"] == 0
        assert figures["qps"] == pytest.approx(sum(figures["round_qps"]) / 4)
        assert len(figures["round_cpu_ms"]) == 4 and figures["cpu_ms"] > 0 and figures["client_cpu_ms"] > 0
    assert set(found["ratios"]) == {"csto-kg / oxigraph", "csto-kg, no answer cache / oxigraph"}
    for ratio in found["ratios"].values():
        assert ratio["latency"]["q1"] <= ratio["latency"]["q3"]  # its ratio: of the medians over all rounds
        for kind in ("throughput", "cpu"):  # the median of the per-round ratios
            assert ratio[kind]["q1"] <= ratio[kind]["ratio"] == ratio[kind]["median"] <= ratio[kind]["q3"]
            assert ratio[kind]["rounds"] == 4
        assert ratio["latency"]["rounds"] == 3
    pairs = sorted(a / b for a, b in zip(servers["csto-kg"]["round_qps"], servers["oxigraph"]["round_qps"]))
    assert found["ratios"]["csto-kg / oxigraph"]["throughput"]["ratio"] == pytest.approx((pairs[1] + pairs[2]) / 2)
    summary = subprocess.run([sys.executable, str(BENCHMARKS / "run_all.py"), "--summary"], env=environment,
                             capture_output=True, text=True, timeout=120)
    assert summary.returncode == 0, summary.stderr[-3000:]
    rows = [line for line in summary.stdout.splitlines() if line.startswith("| `/sparql`")]
    assert len(rows) == 4 and all("(IQR " in row for row in rows)
