"""Time from starting ``csto-kg serve`` on a built store to its first answered query.

    python benchmarks/serve_startup.py [--runs 5]

Builds the real records once into a temporary store, then starts ``csto-kg serve`` several
times (no rebuild: the store is up to date) and reports the median time to the first answer,
next to the start-up time of a bare ``python -c pass`` measured in the same run (the baseline).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import free_port  # noqa: E402


def time_to_first_answer(store: Path) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "csto_kg.cli", "serve", "--store", str(store), "--data",
                               str(ROOT / "data"), "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return time.perf_counter() - started
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("serve exited before answering")
                time.sleep(0.005)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        subprocess.run([sys.executable, "-m", "csto_kg.cli", "build", "--data", str(ROOT / "data"),
                        "--store", str(store)], check=True, capture_output=True)
        serve = [time_to_first_answer(store) for _ in range(args.runs)]
    bare = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env={**os.environ})
        bare.append(time.perf_counter() - started)
    s, b = statistics.median(serve), statistics.median(bare)
    print("| measure | median (s) | ratio to python start-up |")
    print("|---|---|---|")
    print(f"| python -c pass | {b:.3f} | 1.0 |")
    print(f"| csto-kg serve, first answer | {s:.3f} | {s / b:.1f} |")


if __name__ == "__main__":
    main()
