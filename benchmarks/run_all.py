#!/usr/bin/env python3
"""Run every benchmark, print their tables, then one table of all the ratios the targets are about.

    python benchmarks/run_all.py --quick            # small sizes, a few minutes
    python benchmarks/run_all.py                    # 1,000 and 10,000 meetings
    python benchmarks/run_all.py --large            # also 100,000 meetings (build only; long)
    python benchmarks/run_all.py --publish          # copy the plots into benchmarks/ for the README
    python benchmarks/run_all.py --rdflib-endpoint PATH   # compare the endpoint with rdflib-endpoint too
    python benchmarks/run_all.py --summary          # only the table of ratios, from the last runs' figures

Each benchmark runs as its own process, one after the other (never in parallel: they measure
time and memory). Synthetic records and built stores are cached in benchmarks/out/. Every ratio
is against a baseline measured in the same run of the same benchmark (``oxigraph load`` of the
same quads, ``oxigraph serve-read-only`` on the same store, ``python -c pass``, the build without
tenure reasoning); the summary reads the figures each benchmark saved in benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import OUT, fmt_ratio, fmt_seconds, table  # noqa: E402

QUICK = [100, 300]
FULL = [1000, 10000]
SCRIPTS = ["build", "validate_one", "queries", "endpoint", "pages", "tenures"]

# the targets of the ratios (what "met" is measured against)
LATENCY_MAX = 1.15  # /sparql median latency / oxigraph serve-read-only
THROUGHPUT_MIN = 0.95  # /sparql throughput / oxigraph's
BUILD_MAX = 1.25  # full build / oxigraph load of the same quads
GROWTH_MAX = 1.15  # ms per meeting at 100,000 / at 10,000
MEMORY_MAX_MB = 3 * 1024  # peak memory of the build at 100,000 meetings
PAGE_MAX = 0.5  # seconds, the slowest entity page
VALIDATE_MAX = 0.2  # seconds, csto-kg validate FILE
TENURES_MAX = 1.10  # build with tenure reasoning / without


def runs(args: argparse.Namespace, sizes: list[str]) -> list[list[str]]:
    extra = ["--publish"] if args.publish else []
    largest = sizes[-1]
    planned = {
        "build": ["build.py", "--sizes", *sizes, *(["--large"] if args.large else []), *extra],
        "validate_one": ["validate_one.py", "--sizes", *sizes, *extra],
        "queries": ["queries.py", "--sizes", *sizes, *extra],
        "endpoint": ["endpoint.py", "--meetings", *sizes,
                     *(["--repeat", "10", "--seconds", "5"] if args.quick else []),
                     *(["--rdflib-endpoint", args.rdflib_endpoint, "--rdflib-max", "3000"]
                       if args.rdflib_endpoint else []), *extra],
        "pages": ["pages.py", "--meetings", largest, *(["--repeat", "5"] if args.quick else [])],
        "tenures": ["tenures.py", "--sizes", largest, *(["--repeat", "1"] if args.quick else [])],
    }
    return [planned[name] for name in SCRIPTS if not args.only or name in args.only]


def _load(name: str) -> dict | None:
    path = OUT / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _met(value: float | None, limit: float, most: bool = True) -> str:
    if value is None:
        return "n/a"
    return "yes" if (value <= limit if most else value >= limit) else "no"


def pages_figures(text: str) -> dict | None:
    """The slowest entity page (as served) from pages.py's output: {page, seconds, meetings}."""
    found = None
    for line in text.splitlines():
        match = re.match(r"^([\w-]+ page)\s+[\d/]+\s+\d+\s+([\d.]+)\s+([\d.]+)\s", line)
        if match and (found is None or float(match.group(3)) > found["seconds"] * 1000):
            found = {"page": match.group(1), "seconds": float(match.group(3)) / 1000}
    return found


def summary(pages: dict | None) -> str:
    """One table of every ratio of the targets, from the figures the benchmarks saved."""
    rows: list[list[str]] = []
    endpoint = _load("endpoint")
    for run in (endpoint or {}).get("runs", []):
        servers = run.get("servers", {})
        if not run.get("meetings") or "csto-kg" not in servers or "oxigraph" not in servers:
            continue
        size = f"{run['meetings']:,}"
        for server, label in (("csto-kg", ""), ("csto-kg, no answer cache", " (no answer cache)")):
            if server not in servers:
                continue
            ours, theirs = servers[server], servers["oxigraph"]
            # saved by endpoint.py: the throughput ratio is the median of the per-round ratios, the
            # quartiles of the per-round ratios (q1, q3) beside each ratio
            found = run.get("ratios", {}).get(f"{server} / oxigraph", {})
            latency = found.get("latency", {}).get("ratio") or (
                statistics.median(ours["latency"].values()) / statistics.median(theirs["latency"].values()))
            throughput = found.get("throughput", {}).get("ratio") or (
                ours["qps"] / theirs["qps"] if theirs["qps"] else None)
            iqr = {k: f" (IQR {v['q1']:.2f}–{v['q3']:.2f})" if "q1" in v else "" for k, v in found.items()}
            rows.append([f"`/sparql`{label} median latency / `oxigraph serve-read-only`", size,
                         fmt_ratio(latency) + iqr.get("latency", ""), f"≤ {LATENCY_MAX:.2f}×",
                         _met(latency, LATENCY_MAX)])
            rows.append([f"`/sparql`{label} throughput / oxigraph's ({run.get('connections', 8)} connections)",
                         size, ("n/a" if throughput is None else f"{throughput:.2f}") + iqr.get("throughput", ""),
                         f"≥ {THROUGHPUT_MIN:.2f}", _met(throughput, THROUGHPUT_MIN, most=False)])
    build = _load("build")
    by_size = {r["meetings"]: r for r in (build or {}).get("rows", []) if r["build"].get("returncode") == 0}
    for meetings, row in sorted(by_size.items()):
        load = row.get("oxigraph_load") or {}
        ratio = row["build"]["seconds"] / load["seconds"] if load.get("returncode") == 0 else None
        rows.append(["full build / `oxigraph load` of the same quads", f"{meetings:,}",
                     fmt_ratio(ratio) + (f" ({fmt_seconds(row['build']['seconds'])} against "
                                         f"{fmt_seconds(load['seconds'])})" if ratio else ""),
                     f"≤ {BUILD_MAX:.2f}×", _met(ratio, BUILD_MAX)])
    sizes = sorted(by_size)
    if len(sizes) > 1:
        base = 10000 if 10000 in by_size and sizes[-1] > 10000 else sizes[-2]
        top = sizes[-1]
        per = {n: by_size[n]["build"]["seconds"] / n for n in (base, top)}
        growth = per[top] / per[base]
        rows.append([f"build time per meeting, {top:,} / {base:,}", f"{top:,}",
                     f"{growth:.2f} ({per[base] * 1000:.1f} → {per[top] * 1000:.1f} ms)",
                     f"≤ {GROWTH_MAX:.2f} (100,000 / 10,000)",
                     _met(growth, GROWTH_MAX) if (base, top) == (10000, 100000) else "n/a"])
    if sizes:
        top = sizes[-1]
        peak = max(by_size[top]["build"].get("tree_peak_mb", 0), by_size[top]["build"]["max_rss_mb"])
        rows.append(["build peak memory (all processes)", f"{top:,}", f"{peak:,.0f} MB",
                     f"< {MEMORY_MAX_MB:,} MB at 100,000", _met(peak, MEMORY_MAX_MB) if top >= 100000 else "n/a"])
    if pages:
        rows.append([f"slowest entity page ({pages['page']}, as served)", f"{pages['meetings']:,}",
                     fmt_seconds(pages["seconds"]), f"< {fmt_seconds(PAGE_MAX)}", _met(pages["seconds"], PAGE_MAX)])
    validate = _load("validate_one")
    for row in (validate or {}).get("rows", []):
        wall, start = row.get("cli_validate"), row.get("python_startup")
        rows.append(["`csto-kg validate FILE` (one meeting) / `python -c pass`", f"{row['meetings']:,}",
                     f"{fmt_seconds(wall)} / {fmt_seconds(start)} = {fmt_ratio(wall / start)}" if wall and start
                     else "n/a", f"< {fmt_seconds(VALIDATE_MAX)}", _met(wall, VALIDATE_MAX)])
    tenures = _load("tenures")
    for row in (tenures or {}).get("rows", []):
        ratio = row["with"] / row["without"]
        rows.append(["build with tenure reasoning / without", f"{row['meetings']:,}",
                     f"{fmt_ratio(ratio)} (reasoning {fmt_seconds(row['reason'])})", f"≤ {TENURES_MAX:.2f}×",
                     _met(ratio, TENURES_MAX)])
    if not rows:
        return "No figures saved yet in benchmarks/out/: run the benchmarks first."
    return table(["ratio", "meetings", "measured", "target", "met"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK} instead of {FULL}")
    parser.add_argument("--large", action="store_true", help="add 100,000 meetings to the build benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of meetings (overrides --quick)")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, help="run only these benchmarks (the summary "
                        "takes the others' figures from their last runs)")
    parser.add_argument("--summary", action="store_true", help="run nothing: the table of ratios of the last runs")
    parser.add_argument("--publish", action="store_true", help="copy the plots into benchmarks/")
    parser.add_argument("--rdflib-endpoint", default=shutil.which("rdflib-endpoint"),
                        help="the rdflib-endpoint command for the endpoint benchmark (default: found on PATH)")
    args = parser.parse_args(argv)
    sizes = [str(n) for n in sorted(args.sizes or (QUICK if args.quick else FULL))]
    pages_path = OUT / "pages-summary.json"
    if args.summary:
        pages = _load("pages-summary")
        print(summary(pages))
        return 0
    started = time.perf_counter()
    failed = []
    outputs = []
    pages = _load("pages-summary")
    for script, *rest in runs(args, sizes):
        print(f"\n>>> {script} {' '.join(rest)}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(HERE / script), *rest], stdout=subprocess.PIPE, text=True)
        outputs.append(result.stdout)
        if result.returncode != 0:
            failed.append(script)
        elif script == "pages.py":
            pages = pages_figures(result.stdout)
            if pages is not None:
                pages["meetings"] = int(rest[1])
                OUT.mkdir(parents=True, exist_ok=True)
                pages_path.write_text(json.dumps(pages), encoding="utf-8")
    print("\n".join(outputs))
    command = "python benchmarks/run_all.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"\n# All the ratios (`{command.strip()}`)\n")
    print(summary(pages))
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
