#!/usr/bin/env python3
"""A remote build into each real SPARQL engine: ``oxigraph serve`` and OpenLink Virtuoso.

    python benchmarks/remote_build.py                    # 1,000 synthetic meetings
    python benchmarks/remote_build.py --meetings 300     # any size
    python benchmarks/remote_build.py --load update      # SPARQL Update batches instead of one PUT per graph

For each engine, on loopback in a temporary folder (the servers the tests use: tests/oxigraph_server.py,
tests/virtuoso_server.py; Virtuoso as a default install has it, writes with digest authentication
on /sparql-auth and /sparql-graph-crud-auth): ``csto-kg build --data DIR --store URL`` into the
empty store, then the same build again (a rebuild replaces every graph), then one competency
question through the store. Prints a table side by side and the command of each build; saves
``out/remote_build.json``. Virtuoso is skipped when ``virtuoso-t`` is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CLI, ROOT, data_dir, data_summary, fmt_seconds, machine, run_child, save_results, table  # noqa: E402
from queries import subject_of, synthetic_query  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.oxigraph_server import OxigraphServer  # noqa: E402
from tests.virtuoso_server import BINARY, SETTINGS, VirtuosoServer  # noqa: E402

QUESTION = ROOT / "tests" / "queries" / "cq3-delegations.rq"


def start(engine: str, folder: Path):
    if engine == "oxigraph":
        return OxigraphServer(folder / "oxigraph").start(), {}
    return VirtuosoServer(folder / "virtuoso").start(), dict(SETTINGS)


def measure(engine: str, data: Path, load: str) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"remote-{engine}-") as folder:
        started = time.perf_counter()
        server, settings = start(engine, Path(folder))
        startup = time.perf_counter() - started
        try:
            # the swap of a thousand graphs is one request, which may take minutes on a loaded machine
            env = {**os.environ, **settings, "CSTO_KG_STORE_LOAD": load, "CSTO_KG_STORE_TIMEOUT_S": "900"}
            command = [*CLI, "build", "--data", str(data), "--store", server.url]
            first = run_child(command, env=env)
            if first.returncode:
                raise SystemExit(f"{engine}: build failed:\n{first.stderr[-3000:]}")
            again = run_child(command, env=env)
            if again.returncode:
                raise SystemExit(f"{engine}: rebuild failed:\n{again.stderr[-3000:]}")
            # the question asked about a synthetic meeting, as benchmarks/queries.py asks it
            question = Path(folder) / QUESTION.name
            question.write_text(synthetic_query(QUESTION.read_text(encoding="utf-8"), subject_of(data)), encoding="utf-8")
            query = run_child([*CLI, "query", "--store", server.url, "--format", "csv", "-f", str(question)], env=env)
            if query.returncode:
                raise SystemExit(f"{engine}: query failed:\n{query.stderr[-3000:]}")
        finally:
            server.stop()
    shown = " ".join(f"{k}={'…' if 'PASSWORD' in k else v}" for k, v in {**settings, "CSTO_KG_STORE_LOAD": load, "CSTO_KG_STORE_TIMEOUT_S": "900"}.items())
    return {"engine": engine, "startup_s": startup, "build_s": first.seconds, "rebuild_s": again.seconds,
            "query_s": query.seconds, "rows": max(query.stdout.count("\n") - 1, 0),
            "command": f"{shown} {' '.join(command[-5:])}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--load", choices=("gsp", "update"), default="gsp")
    args = parser.parse_args(argv)
    data = data_dir(args.meetings)
    summary = data_summary(args.meetings)
    engines = ["oxigraph"] + (["virtuoso"] if shutil.which(BINARY) else [])
    if len(engines) == 1:
        print("virtuoso-t is missing (Debian: apt-get install virtuoso-opensource): Virtuoso is left out")
    results = [measure(engine, data, args.load) for engine in engines]
    print(f"\nRemote build of {args.meetings:,} synthetic meetings ({summary.get('files', '?')} record files), "
          f"CSTO_KG_STORE_LOAD={args.load}; {machine()}\n")
    print(table(["", *engines],
                [["server start-up", *(fmt_seconds(r["startup_s"]) for r in results)],
                 ["`csto-kg build` into the empty store", *(fmt_seconds(r["build_s"]) for r in results)],
                 ["`csto-kg build` again (every graph replaced)", *(fmt_seconds(r["rebuild_s"]) for r in results)],
                 [f"`csto-kg query` {QUESTION.name}", *(fmt_seconds(r["query_s"]) for r in results)],
                 ["its rows", *(str(r["rows"]) for r in results)]]))
    print("\nCommands (each from an empty store on loopback):")
    for r in results:
        print(f"  {r['engine']}: {r['command']}")
    print(f"\nsaved {save_results('remote_build', {'meetings': args.meetings, 'load': args.load, 'results': results})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
