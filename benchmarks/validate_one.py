#!/usr/bin/env python3
"""The curator's loop: validating one meeting record, and rebuilding after editing one record.

    python benchmarks/validate_one.py                   # 1,000 and 10,000 meetings in the graph
    python benchmarks/validate_one.py --sizes 100 300

For each size, on synthetic records from ``benchmarks/synth.py``:

* **in-process**: ``csto_kg.check.files.validate_files([one meeting], DIR, validator)`` with a
  ``Validator`` made once (the shapes parsed once); the first call and the median of the next,
  with the referenced entities read from the entity files on each call, and with a context read
  once from the built store (``check.context.context_from_store``), as a long-running process would;
* **command**: the wall time of ``csto-kg validate FILE --data DIR --store S`` (S built from DIR),
  against the start-up of a bare interpreter (``python -c pass``), the baseline no command can beat.
  Both run in the same environment, with Python's bytecode cache on as an installed package runs
  (``PYTHONDONTWRITEBYTECODE`` is removed: with it every start compiles every module), each after
  one untimed run (which writes the bytecode, and the validator's cache if the store has none yet);
* **rebuild**: ``csto-kg build`` of a copy of the records into an empty store (full), then again
  after editing one meeting record (an agenda item's subject).

Prints a table and ratios, writes ``out/validate_one.json`` and ``out/validate-one.png``
(``--publish`` copies the plot to benchmarks/).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CLI, OUT, PYTHON, build_store, child_json, data_dir, fmt_ratio, fmt_seconds, load_results, machine, plot, run_child,
    save_results, table,
)

SCRIPT = str(Path(__file__).resolve())


def pick_meeting(data: Path) -> Path:
    """The meeting in the middle of the folder (its references are neither the first nor the last)."""
    meetings = sorted((data / "meetings").glob("*.yaml"))
    return meetings[len(meetings) // 2]


def child_inprocess(data: Path, record: Path, repeat: int, store: Path) -> dict:
    from csto_kg.check.files import validate_files
    from csto_kg.check.validate import Validator

    validator = Validator()

    def timed(**options) -> tuple[float, float, int]:
        times, errors = [], 0
        for _ in range(repeat + 1):
            started = time.perf_counter()
            report, _unreadable = validate_files([record], data, validator, **options)
            times.append(time.perf_counter() - started)
            errors = len(report.errors())
        return times[0], statistics.median(times[1:]), errors

    first, warm, errors = timed()
    out = {"first": first, "warm": warm, "errors": errors}
    try:  # the referenced entities read once from the built store, as a server or a loop would
        from csto_kg.store.embedded import EmbeddedStore
        from csto_kg.check.context import context_from_store

        started = time.perf_counter()
        ctx = context_from_store(EmbeddedStore(store), data, validator)
        out["store_context"] = time.perf_counter() - started
        if ctx is not None:
            _first, out["store_warm"], out["store_errors"] = timed(ctx=ctx)
    except (ImportError, TypeError) as err:  # a validate module without store contexts
        out["store_error"] = str(err)
    return out


def timing_env() -> dict[str, str]:
    """The environment the timed commands run in: this one with the bytecode cache on, as users run
    them (``PYTHONDONTWRITEBYTECODE`` set makes every start compile every module from source)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def csto_kg_source(env: dict[str, str]) -> str:
    """Where the timed commands import csto_kg from (this checkout's src/, with PYTHONPATH)."""
    found = subprocess.run([PYTHON, "-c", "import csto_kg; print(csto_kg.__file__)"], env=env,
                           capture_output=True, text=True)
    return found.stdout.strip() or found.stderr.strip()[-300:]


def wall(cmd: list[str], repeat: int, env: dict[str, str] | None = None, cpu: dict | None = None) -> tuple[float, int]:
    """The median wall time of ``repeat`` runs of ``cmd`` in ``env``, after one untimed run
    (``cpu``, when given, gets the median CPU time, user and system, under ``"seconds"``)."""
    run_child(cmd, env=env)
    runs = [run_child(cmd, env=env) for _ in range(repeat)]
    if cpu is not None:
        cpu["seconds"] = statistics.median(r.cpu_seconds for r in runs)
    return statistics.median(r.seconds for r in runs), runs[-1].returncode


def measure(meetings: int, repeat: int, rebuild: bool, timeout: float) -> dict:
    data = data_dir(meetings)
    store, _built = build_store(meetings)
    record = pick_meeting(data)
    row: dict = {"meetings": meetings, "record": record.name}
    print(f"\n== {meetings:,} meetings, validating {record.name}", file=sys.stderr, flush=True)

    result, child = child_json([PYTHON, SCRIPT, "--child-inprocess", str(data), str(record), str(repeat),
                                str(store)], timeout)
    row["inprocess"] = result or {"error": child.stderr[-2000:]}
    if result:
        print(f"   in-process: first {fmt_seconds(result['first'])}, warm {fmt_seconds(result['warm'])}, "
              f"{result['errors']} errors; with the store's context {fmt_seconds(result.get('store_warm'))} "
              f"(context read in {fmt_seconds(result.get('store_context'))})", file=sys.stderr, flush=True)

    env = timing_env()
    row["bytecode"] = True  # the commands below run with the bytecode cache on (timing_env)
    row["csto_kg_source"] = csto_kg_source(env)
    row["python_startup"], _ = wall([PYTHON, "-c", "pass"], max(5, repeat), env)
    row["cli_help"], _ = wall([*CLI, "--help"], repeat, env)
    cpu: dict = {}
    row["cli_validate"], row["cli_validate_exit"] = wall([*CLI, "validate", str(record), "--data", str(data),
                                                          "--store", str(store)], repeat, env, cpu)
    row["cli_validate_cpu"] = cpu["seconds"]
    row["validator_cache"] = (store / "validator.cache").is_file()
    print(f"   csto-kg validate: {fmt_seconds(row['cli_validate'])} (exit {row['cli_validate_exit']}; CPU "
          f"{fmt_seconds(row['cli_validate_cpu'])}, validator cache in the store: {row['validator_cache']}); "
          f"python -c pass: {fmt_seconds(row['python_startup'])}; both with the bytecode cache on, "
          f"csto_kg from {row['csto_kg_source']}", file=sys.stderr, flush=True)

    if rebuild:
        scratch = OUT / f"edit-{meetings}"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(data, scratch / "data")
        store = scratch / "store"
        cmd = [*CLI, "build", "--data", str(scratch / "data"), "--store", str(store)]
        full = run_child(cmd, timeout)
        edited = scratch / "data" / "meetings" / record.name
        text = edited.read_text(encoding="utf-8")
        assert "Synthetic agenda item 1 on" in text
        edited.write_text(text.replace("Synthetic agenda item 1 on", "Synthetic agenda item 1 (edited) on", 1),
                          encoding="utf-8")
        again = run_child(cmd, timeout)
        row["full_build"] = {"seconds": full.seconds, "returncode": full.returncode, "max_rss_mb": full.max_rss_mb}
        row["rebuild_one_edit"] = {"seconds": again.seconds, "returncode": again.returncode,
                                   "max_rss_mb": again.max_rss_mb}
        print(f"   full build {fmt_seconds(full.seconds)} (exit {full.returncode}), after one edit "
              f"{fmt_seconds(again.seconds)} (exit {again.returncode})", file=sys.stderr, flush=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return row


def report(rows: list[dict], publish: bool) -> str:
    lines = ["Validating one meeting record (median of repeated runs):\n"]
    body = []
    for r in rows:
        ip = r["inprocess"]
        body.append([
            f"{r['meetings']:,}",
            fmt_seconds(ip.get("first")), fmt_seconds(ip.get("warm")),
            fmt_seconds(ip.get("store_warm")), fmt_seconds(ip.get("store_context")),
            fmt_seconds(r["cli_validate"]) + ("" if r["cli_validate_exit"] == 0 else f" (exit {r['cli_validate_exit']})"),
            fmt_seconds(r["python_startup"]), fmt_ratio(r["cli_validate"] / r["python_startup"]),
            fmt_seconds(r["cli_help"]),
        ])
    lines.append(table(["meetings in graph", "in-process, first", "in-process, warm",
                        "in-process, store context", "reading the store context", "`csto-kg validate FILE`",
                        "`python -c pass`", "validate / start-up", "`csto-kg --help`"], body))
    if any(r.get("bytecode") for r in rows):
        lines.append("\nThe commands and `python -c pass` ran in the same environment, with Python's bytecode cache "
                     "on (as an installed package runs), each after one untimed run; csto_kg from "
                     f"{rows[0].get('csto_kg_source', '?')}.")
    if any("rebuild_one_edit" in r for r in rows):
        lines.append("\nRebuilding after editing one meeting record (`csto-kg build`):\n")
        lines.append(table(["meetings", "full build (empty store)", "rebuild after one edit", "rebuild / full"], [
            [f"{r['meetings']:,}", fmt_seconds(r["full_build"]["seconds"]), fmt_seconds(r["rebuild_one_edit"]["seconds"]),
             fmt_ratio(r["rebuild_one_edit"]["seconds"] / r["full_build"]["seconds"])]
            for r in rows if "rebuild_one_edit" in r]))
    xs = [r["meetings"] for r in rows]
    plot("validate-one", "Validating one meeting record / rebuilding after one edit", xs, {
        "in-process validate_files, entity files (warm)": [r["inprocess"].get("warm") for r in rows],
        "in-process validate_files, store context (warm)": [r["inprocess"].get("store_warm") for r in rows],
        "csto-kg validate FILE (wall)": [r["cli_validate"] for r in rows],
        "python -c pass (start-up baseline)": [r["python_startup"] for r in rows],
        "csto-kg build after one edit": [r.get("rebuild_one_edit", {}).get("seconds") for r in rows],
        "csto-kg build, full": [r.get("full_build", {}).get("seconds") for r in rows],
    }, "seconds", publish)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="numbers of meetings")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false", help="skip the rebuild measurement")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a child process may take")
    parser.add_argument("--publish", action="store_true", help="copy the plot into benchmarks/ for the README")
    parser.add_argument("--replot", action="store_true", help="print the table and plot of the last run (out/validate_one.json)")
    parser.add_argument("--child-inprocess", nargs=4, metavar=("DATA", "FILE", "REPEAT", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_inprocess:
        data, record, repeat, store = args.child_inprocess
        print(json.dumps(child_inprocess(Path(data), Path(record), int(repeat), Path(store))))
        return 0
    if args.replot:
        saved = load_results("validate_one")
        print(report(saved["rows"], args.publish))
        return 0
    rows = [measure(n, args.repeat, args.rebuild, args.timeout) for n in sorted(set(args.sizes))]
    save_results("validate_one", {"machine": machine(), "rows": rows})
    print(f"\n# Validating one record ({machine()})\n")
    print(report(rows, args.publish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
