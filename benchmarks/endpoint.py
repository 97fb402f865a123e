#!/usr/bin/env python3
"""The SPARQL endpoint against ``oxigraph serve-read-only`` (and rdflib-endpoint) on the same store.

    python benchmarks/endpoint.py                          # the real records in data/
    python benchmarks/endpoint.py --meetings 10000         # synthetic records (about 1M triples)
    python benchmarks/endpoint.py --rdflib-endpoint /path/to/venv/bin/rdflib-endpoint

Each server is started on loopback over the same data, then asked the same queries by the same
client (``requests``, SPARQL JSON, GET):

* latency: the competency questions (``tests/queries/cq*.rq``; with ``--meetings``, rewritten to a
  synthetic meeting, person and post as in ``queries.py``), one client, median of ``--repeat``,
  the servers asked in turn sample by sample;
* throughput: ``--connections`` clients asking the questions in turn for ``--seconds``; answers
  per second and errors (any non-200 answer or failed request).

Prints the figures and the ratios csto-kg / oxigraph (latency: lower is better; throughput:
higher is better) and csto-kg vs rdflib-endpoint. ``oxigraph serve-read-only`` runs with
``--union-default-graph`` so both answer the same question. rdflib-endpoint (a separate install:
``pip install 'rdflib-endpoint[cli]'`` in its own environment) is run only when its command is
given; it loads an N-Quads export of the store into memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}: {' '.join(proc.args)}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {seconds:.0f} s")


def start(name: str, cmd: list[str], url: str, env: dict | None = None) -> subprocess.Popen:
    print(f"starting {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_up(url, proc)
    return proc


def ask(session: requests.Session, url: str, query: str) -> int:
    response = session.get(url, params={"query": query}, headers={"Accept": JSON}, timeout=120)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")
    return len(response.json().get("results", {}).get("bindings", []))


def latency(servers: dict[str, str], queries: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    """Median seconds per server and query; samples alternate between servers, so load spikes hit all alike."""
    sessions = {name: requests.Session() for name in servers}
    samples: dict[str, dict[str, list[float]]] = {name: {q: [] for q in queries} for name in servers}
    for q, query in queries.items():
        for name, url in servers.items():
            ask(sessions[name], url, query)  # warm-up
        for _ in range(repeat):
            for name, url in servers.items():
                started = time.perf_counter()
                ask(sessions[name], url, query)
                samples[name][q].append(time.perf_counter() - started)
    return {name: {q: statistics.median(t) for q, t in per.items()} for name, per in samples.items()}


def throughput(url: str, queries: list[str], connections: int, seconds: float) -> tuple[float, int]:
    done, errors, lock = [0], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        session, i = requests.Session(), offset
        while time.monotonic() < stop:
            try:
                ask(session, url, queries[i % len(queries)])
                with lock:
                    done[0] += 1
            except (requests.RequestException, RuntimeError):
                with lock:
                    errors[0] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started), errors[0]


def prepare(meetings: int, workdir: Path) -> tuple[Path, Path, dict[str, str]]:
    """(records folder, store folder, queries) for the real records or ``meetings`` synthetic ones."""
    queries = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "queries").glob("cq*.rq"))}
    if meetings:
        from _common import build_store, data_dir  # noqa: PLC0415 - synthetic data only when asked
        from queries import queries as synthetic_queries  # noqa: PLC0415
        from queries import subject_of  # noqa: PLC0415

        data = data_dir(meetings)
        store, _ = build_store(meetings)
        return data, store, {k: v for k, v in synthetic_queries(subject_of(data)).items() if k.startswith("cq")}
    store = workdir / "store"
    subprocess.run([str(BIN / "csto-kg"), "build", "--data", str(ROOT / "data"), "--store", str(store)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return ROOT / "data", store, queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=0, help="synthetic meetings (0: the real records)")
    parser.add_argument("--repeat", type=int, default=30, help="latency samples per query")
    parser.add_argument("--seconds", type=float, default=10, help="throughput run per server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients for throughput")
    parser.add_argument("--rdflib-endpoint", help="the rdflib-endpoint command, to compare with it too")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="csto-kg-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        data, store, queries = prepare(args.meetings, workdir)
        servers = {}
        port = free_port()
        servers["csto-kg"] = f"http://127.0.0.1:{port}/sparql"
        env = {**os.environ, "CSTO_KG_SPARQL_TIME_LIMIT_MS": "60000", "CSTO_KG_SPARQL_MAX_ROWS": "100000"}
        procs.append(start("csto-kg", [str(BIN / "csto-kg"), "serve", "--data", str(data), "--store", str(store),
                                       "--port", str(port)], servers["csto-kg"], env))
        port = free_port()
        servers["oxigraph"] = f"http://127.0.0.1:{port}/query"
        procs.append(start("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location",
                                        str(store / "current"), "--bind", f"127.0.0.1:{port}",
                                        "--union-default-graph"], servers["oxigraph"]))
        if args.rdflib_endpoint:
            dump = workdir / "all.nq"
            subprocess.run([str(BIN / "csto-kg"), "export", "--format", "nquads", "--store", str(store), "-o",
                            str(dump)], check=True)
            port = free_port()
            servers["rdflib-endpoint"] = f"http://127.0.0.1:{port}/"  # not /sparql, whatever its --help says
            procs.append(start("rdflib-endpoint", [args.rdflib_endpoint, "serve", str(dump), "--port", str(port),
                                                   "--host", "127.0.0.1"], servers["rdflib-endpoint"]))

        rows = {name: ask(requests.Session(), servers["oxigraph"], q) for name, q in queries.items()}
        for name, url in servers.items():
            same = {q: ask(requests.Session(), url, text) for q, text in queries.items()}
            if same != rows:
                print(f"warning: {name} answers with other row counts: {same} vs oxigraph {rows}", file=sys.stderr)
        lat = latency(servers, queries, args.repeat)
        results = {}
        for name, url in servers.items():
            qps, errors = throughput(url, list(queries.values()), args.connections, args.seconds)
            results[name] = {"latency": lat[name], "qps": qps, "errors": errors}
            print(f"measured {name}", file=sys.stderr, flush=True)

        quads = sum(1 for _ in open(workdir / "all.nq")) if (workdir / "all.nq").exists() else None
        print(f"\nstore: {store} ({'real records' if not args.meetings else f'{args.meetings:,} synthetic meetings'}"
              + (f", {quads:,} quads" if quads else "") + f"); {os.cpu_count()} cores")
        names = list(servers)
        print("\nmedian latency, ms (" + f"{args.repeat} samples, one client)")
        print("| query | " + " | ".join(names) + " | csto-kg / oxigraph |")
        print("|---|" + "---|" * (len(names) + 1))
        for q in queries:
            cells = [f"{results[n]['latency'][q] * 1000:.2f}" for n in names]
            ratio = results["csto-kg"]["latency"][q] / results["oxigraph"]["latency"][q]
            print(f"| {q} ({rows[q]} rows) | " + " | ".join(cells) + f" | {ratio:.2f}x |")
        med = {n: statistics.median(results[n]["latency"].values()) for n in names}
        print("| median of the queries | " + " | ".join(f"{med[n] * 1000:.2f}" for n in names)
              + f" | {med['csto-kg'] / med['oxigraph']:.2f}x |")
        print(f"\nthroughput ({args.connections} connections, {args.seconds:g} s each)")
        for n in names:
            print(f"  {n}: {results[n]['qps']:.0f} answers/s, {results[n]['errors']} errors")
        print(f"  csto-kg / oxigraph: {results['csto-kg']['qps'] / results['oxigraph']['qps']:.2f}")
        if "rdflib-endpoint" in results:
            print(f"\nrdflib-endpoint / csto-kg median latency: {med['rdflib-endpoint'] / med['csto-kg']:.1f}x; "
                  f"throughput csto-kg / rdflib-endpoint: "
                  f"{results['csto-kg']['qps'] / max(results['rdflib-endpoint']['qps'], 1e-9):.1f}x")
        return 0
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
