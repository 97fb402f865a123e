#!/usr/bin/env python3
"""Full build time and peak memory as the number of meetings grows, against a whole-graph baseline.

    python benchmarks/build.py                      # 1,000 and 10,000 meetings
    python benchmarks/build.py --sizes 100 300      # any sizes
    python benchmarks/build.py --large              # also 100,000 meetings
    python benchmarks/build.py --profile 1000       # cProfile of one build, top functions

For each size, on synthetic records from ``benchmarks/synth.py``, in separate child processes
(so that each peak RSS is that process's own, from ``wait4``):

* **build**: ``csto-kg build --data DIR --store S`` into an empty store (a full build);
* **stages**: the same work through the public API, timed stage by stage: read
  (``records.read_records``), validate (``rdfize`` and ``Validator.validate`` per record: RDF + SHACL),
  serialize (N-Quads of every graph and the ontology), load (``EmbeddedStore.replace``);
* **baseline**: the same records turned into RDF, merged into one graph with the ontology's
  subclass axioms, and validated by ONE ``pyshacl.validate`` call with the shapes of
  ``shapes/`` -- the straightforward way to check the whole graph.

Prints the tables and the ratios, writes ``out/build.json`` and the plots
``out/build-time.png`` and ``out/build-memory.png`` (``--publish`` copies them to benchmarks/).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CLI, OUT, PYTHON, child_json, data_dir, data_summary, fmt_ratio, fmt_seconds, load_results, machine, plot,
    run_child, save_results, store_dir, table,
)

SCRIPT = str(Path(__file__).resolve())
_RUST = Path(PYTHON).with_name("oxigraph")  # pyoxigraph's own command-line tool, in the same environment
OXIGRAPH = str(_RUST) if _RUST.exists() else (shutil.which("oxigraph") or "oxigraph")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- child processes


def child_stages(data: Path, store: Path) -> dict:
    """Run the pipeline's stages through the public API, timing each; return the figures."""
    out: dict = {"stages": {}, "peak_mb": {}}
    started = time.perf_counter()
    from csto_kg.check.build import ontology_nquads
    from csto_kg.check.validate import Validator, entity_types
    from csto_kg.graph.rdfize import rdfize
    from csto_kg.records import EntityIndex, read_records
    from csto_kg.store.embedded import EmbeddedStore

    def stage(name: str, t0: float) -> float:
        now = time.perf_counter()
        out["stages"][name] = now - t0
        out["peak_mb"][name] = _peak_mb()
        return now

    t = stage("import", started)
    records = read_records(data)
    t = stage("read", t)
    index, validator = EntityIndex(records.entities), Validator()
    graphs = [rdfize(record, index) for record in records.files]
    types = entity_types(graphs)
    problems = [p for graph in graphs for p in validator.validate(graph, types)]
    out["errors"] = sum(p.severity == "error" for p in [*records.problems, *problems])
    t = stage("validate", t)
    nquads = "".join(sorted(line for graph in graphs for line in graph.nquads())) + ontology_nquads()
    out["triples"] = nquads.count("\n")
    t = stage("serialize", t)
    del graphs, records
    EmbeddedStore(store).replace(nquads, {"benchmark": "stages"})
    stage("load", t)
    out["total"] = time.perf_counter() - started
    return out


def child_steps(data: Path, store: Path) -> dict:
    """``csto_kg.check.build.build`` itself, timed between the steps it reports to its ``progress`` callback."""
    started = time.perf_counter()
    from csto_kg.check.build import build
    from csto_kg.store.embedded import EmbeddedStore

    marks: list[tuple[str, float, float]] = [("import", started, 0.0)]

    def cpu() -> float:  # user + system of this process and of its workers once they have ended
        own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime

    def progress(step: str, *_args, **_kwargs) -> None:
        if marks[-1][0] != step:
            marks.append((step, time.perf_counter(), cpu()))

    result = build(data, EmbeddedStore(store), progress=progress)
    marks.append(("end", time.perf_counter(), cpu()))
    steps = {name: marks[k + 1][1] - t for k, (name, t, _c) in enumerate(marks[:-1])}
    cpu_steps = {name: marks[k + 1][2] - c for k, (name, _t, c) in enumerate(marks[:-1])}
    return {"steps": steps, "cpu_steps": cpu_steps, "total": marks[-1][1] - started, "cpu_total": marks[-1][2],
            "quads": result.quads, "peak_mb": _peak_mb()}


def memory_steps(data: Path, store: Path) -> dict:
    """``csto_kg.check.build.build`` in this process, its memory sampled every 0.5 s: the RSS of this
    process and the summed PSS of it and its workers, the largest of each during each step it
    reports to ``progress``, and the RSS at each step's end. Prints a line per step as it ends."""
    import os
    import threading

    from _common import _tree_pss_mb

    def rss_mb() -> float:
        with open("/proc/self/status", encoding="ascii") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024

    started = time.perf_counter()
    state: dict = {"step": "import", "rss": {}, "tree": {}, "end_rss": {}, "seconds": {}}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            step = state["step"]
            state["rss"][step] = max(state["rss"].get(step, 0.0), rss_mb())
            state["tree"][step] = max(state["tree"].get(step, 0.0), _tree_pss_mb(os.getpid()))

    threading.Thread(target=sample, daemon=True).start()
    from csto_kg.check.build import build
    from csto_kg.store.embedded import EmbeddedStore

    mark = [started]

    def progress(step: str, *_args, **_kwargs) -> None:
        if state["step"] != step:
            now, ended = time.perf_counter(), state["step"]
            state["end_rss"][ended], state["seconds"][ended] = rss_mb(), now - mark[0]
            mark[0] = now
            print(f"{now - started:9.1f} s  {ended}: {state['seconds'][ended]:.1f} s, largest RSS "
                  f"{state['rss'].get(ended, 0):,.0f} MB, with the workers (PSS) {state['tree'].get(ended, 0):,.0f} MB, "
                  f"RSS at its end {state['end_rss'][ended]:,.0f} MB", file=sys.stderr, flush=True)
            state["step"] = step

    shutil.rmtree(store, ignore_errors=True)
    result = build(data, EmbeddedStore(store), progress=progress)
    progress("end")
    done.set()
    return {**{k: v for k, v in state.items() if k != "step"}, "quads": result.quads,
            "total": time.perf_counter() - started}


def child_baseline(data: Path) -> dict:
    """One whole-graph ``pyshacl.validate`` over all records merged, with the shapes and subclass axioms."""
    from pyshacl import validate as shacl_validate
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, RDFS, SH

    from csto_kg.graph.rdfize import rdfize
    from csto_kg.records import EntityIndex, read_records
    from csto_kg.graph.resources import ontology_files, shapes_files

    out: dict = {}
    t0 = time.perf_counter()
    records = read_records(data)
    t1 = time.perf_counter()
    index = EntityIndex(records.entities)
    graphs = [rdfize(record, index) for record in records.files]
    merged = Graph()
    for rg in graphs:
        for triple in rg.graph:
            merged.add(triple)
    del graphs
    ontology = Graph()
    for path in ontology_files():
        ontology.parse(path, format="turtle")
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        if isinstance(triple[2], URIRef):
            merged.add(triple)
    shapes = Graph()
    for path in shapes_files():
        shapes.parse(path, format="turtle")
    t2 = time.perf_counter()
    _conforms, report, _text = shacl_validate(merged, shacl_graph=shapes, inference="none", advanced=False,
                                              allow_warnings=True)
    t3 = time.perf_counter()
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    out.update(read=t1 - t0, rdfize_merge=t2 - t1, shacl=t3 - t2, total=t3 - t0, triples=len(merged),
               violations=sum(report.value(r, SH.resultSeverity) == SH.Violation for r in results),
               results=len(results), peak_mb=_peak_mb())
    return out


# --------------------------------------------------------------------------- the floor: oxigraph load


def oxigraph_load(store: Path, meetings: int, timeout: float) -> dict:
    """``oxigraph load`` (the Rust command) of exactly the quads the build stored, from one N-Quads
    file, into an empty store: what putting these quads into this store costs with no Python at all.

    ``--lenient`` as the build's own bulk load (it loads N-Quads it wrote from checked records)."""
    import pyoxigraph as ox

    dump = OUT / f"quads-{meetings}.nq"
    ox.Store.read_only(str(store / "current")).dump(str(dump), format=ox.RdfFormat.N_QUADS)
    target = OUT / f"oxigraph-load-{meetings}"
    shutil.rmtree(target, ignore_errors=True)
    child = run_child([OXIGRAPH, "load", "--location", str(target), "--file", str(dump), "--lenient"], timeout,
                      sample_memory=True)
    shutil.rmtree(target, ignore_errors=True)
    dump.unlink(missing_ok=True)
    found = {"seconds": child.seconds, "max_rss_mb": child.max_rss_mb, "returncode": child.returncode,
             "cpu_seconds": child.cpu_seconds}
    if child.returncode != 0:
        found["error"] = child.stderr[-2000:]
    return found


# --------------------------------------------------------------------------- one size


def measure(meetings: int, baseline: bool, timeout: float, baseline_timeout: float, baseline_memory_gb: float,
            detail: bool = True, floor: bool = True) -> dict:
    data = data_dir(meetings)
    summary = data_summary(meetings)
    row: dict = {"meetings": meetings, "participations": summary["participations"], "files": summary["files"]}
    print(f"\n== {meetings:,} meetings ({summary['participations']:,} participations, {summary['files']:,} files)",
          file=sys.stderr, flush=True)

    store = store_dir(meetings)
    shutil.rmtree(store, ignore_errors=True)  # a full build, not an incremental one
    child = run_child([*CLI, "build", "--data", str(data), "--store", str(store)], timeout, sample_memory=True)
    row["build"] = {"seconds": child.seconds, "max_rss_mb": child.max_rss_mb, "tree_peak_mb": child.tree_peak_mb,
                    "returncode": child.returncode, "cpu_seconds": child.cpu_seconds}
    if child.returncode != 0:
        row["build"]["error"] = child.stderr[-2000:]
    else:
        from csto_kg.store.embedded import EmbeddedStore

        row["quads"] = (EmbeddedStore(store).manifest() or {}).get("quads")
    print(f"   build: {fmt_seconds(child.seconds)}, peak {child.max_rss_mb:,.0f} MB (largest process), "
          f"{child.tree_peak_mb:,.0f} MB (process tree), exit {child.returncode}", file=sys.stderr, flush=True)
    if child.returncode == 0 and floor:
        row["oxigraph_load"] = oxigraph_load(store, meetings, timeout)
        load = row["oxigraph_load"]
        print(f"   oxigraph load of the same quads: {fmt_seconds(load.get('seconds'))}, peak "
              f"{load.get('max_rss_mb', 0):,.0f} MB, exit {load.get('returncode')}", file=sys.stderr, flush=True)

    if not detail:  # the build alone: the per-step and per-stage runs would repeat it (the stages in one process)
        row["stages"] = {"skipped": True}
        return row

    scratch = OUT / f"steps-store-{meetings}"
    shutil.rmtree(scratch, ignore_errors=True)
    steps, child = child_json([PYTHON, SCRIPT, "--child-steps", str(data), str(scratch)], timeout)
    shutil.rmtree(scratch, ignore_errors=True)
    row["steps"] = steps or {"error": child.stderr[-2000:]}
    if steps:
        print("   build() steps: " + ", ".join(f"{k} {fmt_seconds(v)}" for k, v in steps["steps"].items()),
              file=sys.stderr, flush=True)
        if "cpu_steps" in steps:
            print("   build() steps, CPU: " + ", ".join(f"{k} {fmt_seconds(v)}" for k, v in steps["cpu_steps"].items()),
                  file=sys.stderr, flush=True)

    scratch = OUT / f"stage-store-{meetings}"
    shutil.rmtree(scratch, ignore_errors=True)
    stages, child = child_json([PYTHON, SCRIPT, "--child-stages", str(data), str(scratch)], timeout,
                               baseline_memory_gb)
    shutil.rmtree(scratch, ignore_errors=True)
    row["stages"] = stages or {"error": child.stderr[-2000:]}
    if stages:
        row["stages"]["max_rss_mb"] = child.max_rss_mb
        print("   stages: " + ", ".join(f"{k} {fmt_seconds(v)}" for k, v in stages["stages"].items()),
              file=sys.stderr, flush=True)

    if baseline:
        result, child = child_json([PYTHON, SCRIPT, "--child-baseline", str(data)], baseline_timeout,
                                   baseline_memory_gb)
        row["baseline"] = result or {"error": "timed out" if child.returncode == -9 else child.stderr[-2000:],
                                     "timed_out": child.returncode == -9, "seconds": child.seconds,
                                     "max_rss_mb": child.max_rss_mb}
        if result:
            row["baseline"]["max_rss_mb"] = child.max_rss_mb
            print(f"   baseline: {fmt_seconds(result['total'])} (SHACL {fmt_seconds(result['shacl'])}), "
                  f"peak {child.max_rss_mb:,.0f} MB", file=sys.stderr, flush=True)
        else:
            print(f"   baseline: failed or timed out after {fmt_seconds(child.seconds)}", file=sys.stderr, flush=True)
    return row


def load_seconds(row: dict) -> float | None:
    """The time of ``oxigraph load`` of the row's quads, when it ran and succeeded."""
    load = row.get("oxigraph_load") or {}
    return load.get("seconds") if load.get("returncode") == 0 else None


def report(rows: list[dict], publish: bool) -> str:
    first = rows[0]
    per_first = first["build"]["seconds"] / first["meetings"]
    lines = []
    lines.append("Full build (`csto-kg build` into an empty store; memory sampled over the process and its workers):\n")
    lines.append(table(
        ["meetings", "participations", "quads", "build", "`oxigraph load`", "build / `oxigraph load`",
         "ms / meeting", "growth vs linear", "vs the size before",
         "peak memory (all processes, PSS)", "peak RSS (largest process)"],
        [[f"{r['meetings']:,}", f"{r['participations']:,}", f"{r.get('quads') or 0:,}",
          fmt_seconds(r["build"]["seconds"]) + ("" if r["build"]["returncode"] == 0 else " (failed)"),
          fmt_seconds(load_seconds(r)),
          fmt_ratio(r["build"]["seconds"] / load_seconds(r)) if load_seconds(r) else "n/a",
          f"{r['build']['seconds'] / r['meetings'] * 1000:.1f}",
          fmt_ratio(r["build"]["seconds"] / r["meetings"] / per_first),
          fmt_ratio(r["build"]["seconds"] / r["meetings"] / (rows[k - 1]["build"]["seconds"] / rows[k - 1]["meetings"]))
          if k else "",
          f"{r['build'].get('tree_peak_mb', 0):,.0f} MB", f"{r['build']['max_rss_mb']:,.0f} MB"]
         for k, r in enumerate(rows)]))
    lines.append("\n'growth vs linear' is the time per meeting relative to the smallest size (1.00× = linear), "
                 "'vs the size before' relative to the row above;\n`oxigraph load` is the Rust command loading "
                 "the quads the build stored, from one N-Quads file, into an empty store (`--lenient`, as the "
                 "build), in the same run.\n")
    if any((r.get("oxigraph_load") or {}).get("cpu_seconds") for r in rows):
        lines.append("\nCPU time (user + system, the build's workers included), which a machine busy with other "
                     "work changes far less than wall time:\n")
        lines.append(table(["meetings", "build", "`oxigraph load`", "build / `oxigraph load`", "build, cores used",
                            "`oxigraph load`, cores used"], [
            [f"{r['meetings']:,}", fmt_seconds(r["build"].get("cpu_seconds")),
             fmt_seconds(r["oxigraph_load"].get("cpu_seconds")),
             fmt_ratio(r["build"]["cpu_seconds"] / r["oxigraph_load"]["cpu_seconds"]),
             f"{r['build']['cpu_seconds'] / r['build']['seconds']:.2f}",
             f"{r['oxigraph_load']['cpu_seconds'] / r['oxigraph_load']['seconds']:.2f}"]
            for r in rows if r["build"].get("cpu_seconds") and (r.get("oxigraph_load") or {}).get("cpu_seconds")]))
        lines.append("")
    step_names = []
    for r in rows:
        step_names += [k for k in r.get("steps", {}).get("steps", {}) if k not in step_names]
    if step_names:
        lines.append("Where `build()` spends its time (between the steps it reports to `progress`):\n")
        lines.append(table(["meetings", *step_names, "total"], [
            [f"{r['meetings']:,}"]
            + [(f"{fmt_seconds(r['steps']['steps'][k])} ({r['steps']['steps'][k] / r['steps']['total']:.0%})"
                if k in r.get("steps", {}).get("steps", {}) else "") for k in step_names]
            + [fmt_seconds(r.get("steps", {}).get("total"))] for r in rows]))
        lines.append("")
    if any("cpu_steps" in r.get("steps", {}) for r in rows):
        lines.append("CPU time of each step (user + system of the build's process, and of its workers in the step "
                     "they end in):\n")
        lines.append(table(["meetings", *step_names, "total"], [
            [f"{r['meetings']:,}"] + [fmt_seconds(r["steps"]["cpu_steps"].get(k)) if k in r["steps"]["cpu_steps"] else ""
                                      for k in step_names]
            + [fmt_seconds(r["steps"].get("cpu_total"))] for r in rows if "cpu_steps" in r.get("steps", {})]))
        lines.append("")
    stage_names = ["read", "validate", "serialize", "load"]
    lines.append("Stages through the public API, one process, no workers (`records.read_records`, "
                 "`rdfize.rdfize` and\n`Validator.validate` per record, `RecordGraph.nquads`, `EmbeddedStore.replace`; share of their total):\n")
    stage_rows = []
    for r in rows:
        s = r["stages"]
        if "stages" not in s:
            stage_rows.append([f"{r['meetings']:,}"] + ["not run" if s.get("skipped") else "n/a"] * (len(stage_names) + 2))
            continue
        total = sum(s["stages"][k] for k in stage_names)
        stage_rows.append([f"{r['meetings']:,}"]
                          + [f"{fmt_seconds(s['stages'][k])} ({s['stages'][k] / total:.0%})" for k in stage_names]
                          + [f"{s['max_rss_mb']:,.0f} MB", f"{s['errors']}"])
    lines.append(table(["meetings", *stage_names, "peak RSS", "errors"], stage_rows))
    if any("baseline" in r for r in rows):
        lines.append("\nBaseline: the same records, one whole-graph `pyshacl.validate` (shapes + subclass axioms):\n")
        base_rows = []
        for r in rows:
            b = r.get("baseline")
            if b is None:
                base_rows.append([f"{r['meetings']:,}", "skipped", "", "", "", "", ""])
            elif b.get("timed_out"):  # stopped: its time is a lower bound, and so are the ratios
                validate = r["stages"].get("stages", {}).get("validate")
                base_rows.append([f"{r['meetings']:,}", f"> {fmt_seconds(b['seconds'])} (stopped)",
                                  f"> {fmt_seconds(b['seconds'])}", f"≥ {b['max_rss_mb']:,.0f} MB", "",
                                  f"> {fmt_ratio(b['seconds'] / validate)}" if validate else "n/a",
                                  f"> {fmt_ratio(b['seconds'] / r['build']['seconds'])}"])
            elif "total" not in b:
                error = b["error"].strip().splitlines()[-1][:60] if b["error"].strip() else "no output"
                base_rows.append([f"{r['meetings']:,}", f"failed: {error}", "", "", "", "", ""])
            else:
                validate = r["stages"].get("stages", {}).get("validate")
                base_rows.append([
                    f"{r['meetings']:,}", fmt_seconds(b["shacl"]), fmt_seconds(b["total"]), f"{b['max_rss_mb']:,.0f} MB",
                    str(b["violations"]),
                    fmt_ratio(b["total"] / validate) if validate else "n/a",
                    fmt_ratio(b["total"] / r["build"]["seconds"]),
                ])
        lines.append(table(["meetings", "pyshacl.validate", "read+RDF+validate", "peak RSS", "violations",
                            "baseline / our validate stage", "baseline / our full build"], base_rows))
        lines.append("\nA ratio above 1× means our pipeline is faster than the baseline.")
    text = "\n".join(lines)

    xs = [r["meetings"] for r in rows]
    series = {"full build (csto-kg build)": [r["build"]["seconds"] if r["build"]["returncode"] == 0 else None for r in rows],
              "oxigraph load of the same quads": [load_seconds(r) for r in rows]}
    for name in [n for n in step_names if n != "import"]:
        series[f"build() step: {name}"] = [r.get("steps", {}).get("steps", {}).get(name) for r in rows]
    for name in stage_names:
        series[f"API stage: {name}"] = [r["stages"].get("stages", {}).get(name) for r in rows]
    series["baseline: whole-graph pyshacl (read+RDF+validate)"] = [(r.get("baseline") or {}).get("total") for r in rows]
    stopped = {"baseline, stopped (lower bound)": [
        (r.get("baseline") or {}).get("seconds") if (r.get("baseline") or {}).get("timed_out") else None for r in rows]}
    plot("build-time", "Build time", xs, series, "seconds", publish, lower_bounds=stopped)
    plot("build-memory", "Peak resident memory", xs, {
        "full build, all processes (PSS)": [r["build"].get("tree_peak_mb") for r in rows],
        "full build, largest process (RSS)": [r["build"]["max_rss_mb"] for r in rows],
        "stages (one process)": [r["stages"].get("max_rss_mb") for r in rows],
        "baseline: whole-graph pyshacl": [(r.get("baseline") or {}).get("max_rss_mb")
                                          if "total" in (r.get("baseline") or {}) else None for r in rows],
    }, "MB", publish, lower_bounds={"baseline, stopped (lower bound)": [
        (r.get("baseline") or {}).get("max_rss_mb") if (r.get("baseline") or {}).get("timed_out") else None
        for r in rows]})
    return text


def profile(meetings: int, top: int = 30) -> None:
    """cProfile one in-process build; print the top functions by cumulative and own time."""
    import cProfile
    import io
    import pstats

    from csto_kg.check.build import build
    from csto_kg.store.embedded import EmbeddedStore

    data = data_dir(meetings)
    store = OUT / f"profile-store-{meetings}"
    shutil.rmtree(store, ignore_errors=True)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    try:  # in this process, so that the profile sees the work (worker processes would hide it)
        build(data, EmbeddedStore(store), workers=1)
    except TypeError:  # a build() without workers
        build(data, EmbeddedStore(store))
    profiler.disable()
    print(f"build of {meetings:,} meetings under cProfile: {time.perf_counter() - started:.1f} s, "
          f"peak {_peak_mb():,.0f} MB")
    path = OUT / f"build-profile-{meetings}.prof"
    profiler.dump_stats(path)
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key).print_stats(top)
        print(f"\n--- top {top} by {key} ---")
        print("\n".join(buffer.getvalue().splitlines()[6:]))
    print(f"\nfull profile: {path} (python -m pstats {path})")
    shutil.rmtree(store, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="numbers of meetings")
    parser.add_argument("--large", action="store_true", help="also 100,000 meetings")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="skip the pyshacl baseline")
    parser.add_argument("--baseline-max", type=int, default=10000,
                        help="largest size the baseline runs at (it holds the whole graph in rdflib)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a child process may take")
    parser.add_argument("--baseline-timeout", type=float, default=900,
                        help="seconds the baseline may take; past it, the table shows a lower bound")
    parser.add_argument("--baseline-memory-gb", type=float, default=10,
                        help="address-space cap of the baseline process; past it, it fails with MemoryError")
    parser.add_argument("--detail-max", type=int, default=10000,
                        help="largest size at which the build's steps and the API stages are timed too "
                             "(the stages hold every record's graph in one process)")
    parser.add_argument("--load-max", type=int, default=None,
                        help="largest size at which `oxigraph load` of the same quads is timed too (default: all)")
    parser.add_argument("--merge", action="store_true",
                        help="add these sizes to the last run's table (out/build.json) instead of replacing it")
    parser.add_argument("--publish", action="store_true", help="copy the plots into benchmarks/ for the README")
    parser.add_argument("--replot", action="store_true", help="print the tables and plots of the last run (out/build.json)")
    parser.add_argument("--profile", type=int, metavar="MEETINGS", help="profile one build of this size and exit")
    parser.add_argument("--child-stages", nargs=2, metavar=("DATA", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-baseline", metavar="DATA", help=argparse.SUPPRESS)
    parser.add_argument("--child-steps", nargs=2, metavar=("DATA", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--memory-steps", nargs=2, metavar=("DATA", "STORE"),
                        help="one build in this process, its memory (and its workers') at each step; JSON on stdout")
    args = parser.parse_args(argv)
    if args.child_stages:
        print(json.dumps(child_stages(Path(args.child_stages[0]), Path(args.child_stages[1]))))
        return 0
    if args.child_steps:
        print(json.dumps(child_steps(Path(args.child_steps[0]), Path(args.child_steps[1]))))
        return 0
    if args.memory_steps:
        print(json.dumps(memory_steps(Path(args.memory_steps[0]), Path(args.memory_steps[1]))))
        return 0
    if args.child_baseline:
        print(json.dumps(child_baseline(Path(args.child_baseline))))
        return 0
    if args.profile:
        profile(args.profile)
        return 0
    if args.replot:
        saved = load_results("build")
        print(f"\n# Build ({saved['machine']})\n")
        print(report(saved["rows"], args.publish))
        return 0
    sizes = sorted(set(args.sizes + ([100000] if args.large else [])))
    rows = [measure(n, args.baseline and n <= args.baseline_max, args.timeout, args.baseline_timeout,
                    args.baseline_memory_gb, n <= args.detail_max, args.load_max is None or n <= args.load_max)
            for n in sizes]
    if args.merge and (OUT / "build.json").exists():
        kept = [r for r in load_results("build")["rows"] if r["meetings"] not in sizes]
        rows = sorted(kept + rows, key=lambda r: r["meetings"])
    save_results("build", {"machine": machine(), "rows": rows})
    print(f"\n# Build ({machine()})\n")
    print(report(rows, args.publish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
