#!/usr/bin/env python3
"""Run every benchmark and print their tables.

    python benchmarks/run_all.py --quick            # small sizes, a few minutes
    python benchmarks/run_all.py                    # 1,000 and 10,000 meetings
    python benchmarks/run_all.py --large            # also 100,000 meetings (build only; long)
    python benchmarks/run_all.py --publish          # copy the plots into benchmarks/ for the README
    python benchmarks/run_all.py --rdflib-endpoint PATH   # compare the endpoint with rdflib-endpoint too

Each benchmark runs as its own process, one after the other (never in parallel: they measure
time and memory). Synthetic records and built stores are cached in benchmarks/out/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = [100, 300]
FULL = [1000, 10000]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK} instead of {FULL}")
    parser.add_argument("--large", action="store_true", help="add 100,000 meetings to the build benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of meetings (overrides --quick)")
    parser.add_argument("--publish", action="store_true", help="copy the plots into benchmarks/")
    parser.add_argument("--rdflib-endpoint", default=shutil.which("rdflib-endpoint"),
                        help="the rdflib-endpoint command for the endpoint benchmark (default: found on PATH)")
    args = parser.parse_args(argv)
    sizes = [str(n) for n in (args.sizes or (QUICK if args.quick else FULL))]
    extra = ["--publish"] if args.publish else []
    runs = [
        ["build.py", "--sizes", *sizes, *(["--large"] if args.large else []), *extra],
        ["validate_one.py", "--sizes", *sizes, *extra],
        ["queries.py", "--sizes", *sizes, *extra],
        ["endpoint.py", "--meetings", *sizes, *(["--repeat", "10", "--seconds", "5"] if args.quick else []),
         *(["--rdflib-endpoint", args.rdflib_endpoint, "--rdflib-max", "3000"] if args.rdflib_endpoint else []),
         *extra],
    ]
    started = time.perf_counter()
    failed = []
    outputs = []
    for script, *rest in runs:
        print(f"\n>>> {script} {' '.join(rest)}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(HERE / script), *rest], stdout=subprocess.PIPE, text=True)
        outputs.append(result.stdout)
        if result.returncode != 0:
            failed.append(script)
    print("\n".join(outputs))
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
