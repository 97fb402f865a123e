#!/usr/bin/env python3
"""The SPARQL endpoint against ``oxigraph serve-read-only`` (and rdflib-endpoint) on the same store.

    python benchmarks/endpoint.py                          # the real records in data/
    python benchmarks/endpoint.py --meetings 2700          # synthetic records (about 1M quads)
    python benchmarks/endpoint.py --meetings 1000 10000    # several sizes, one after the other
    python benchmarks/endpoint.py --rdflib-endpoint /path/to/venv/bin/rdflib-endpoint

Each server is started on loopback over the same data, then asked the same queries by the same
client (``requests``, SPARQL JSON, GET):

* latency: the competency questions (``tests/queries/cq*.rq``; with ``--meetings``, rewritten to a
  synthetic meeting, person and post as in ``queries.py``), one client, median of ``--repeat``,
  the servers asked in turn sample by sample;
* throughput: ``--connections`` clients asking the questions in turn for ``--seconds``; answers
  per second and errors (any non-200 answer or failed request).

Prints the figures and the ratios csto-kg / oxigraph (latency: lower is better; throughput:
higher is better) and csto-kg vs rdflib-endpoint, writes ``out/endpoint.json`` and plots the
median latency and the throughput of each server against the size (``out/endpoint.png``;
``--publish`` copies it to benchmarks/). ``oxigraph serve-read-only`` runs with
``--union-default-graph`` so both answer the same question. rdflib-endpoint (a separate install:
``pip install 'rdflib-endpoint[cli]'`` in its own environment) is run only when its command is
given; it loads an N-Quads export of the store into memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
from _common import free_port  # noqa: E402

BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
UNCACHED = "csto-kg, no answer cache"


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
    """Median seconds per server and query.

    Samples alternate between the servers in an order that rotates each round, so load spikes hit
    all alike and no server always follows the same one (a server still busy after its answer
    slows whoever comes next).
    """
    sessions = {name: requests.Session() for name in servers}
    samples: dict[str, dict[str, list[float]]] = {name: {q: [] for q in queries} for name in servers}
    names = list(servers)
    for q, query in queries.items():
        for name, url in servers.items():
            ask(sessions[name], url, query)  # warm-up
        for i in range(repeat):
            for name in names[i % len(names):] + names[:i % len(names)]:
                started = time.perf_counter()
                ask(sessions[name], servers[name], query)
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


def measure(meetings: int, args: argparse.Namespace) -> dict:
    """Start the servers over one store, ask them the same questions, stop them; the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="csto-kg-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        data, store, queries = prepare(meetings, workdir)
        servers = {}
        port = free_port()
        servers["csto-kg"] = f"http://127.0.0.1:{port}/sparql"
        env = {**os.environ, "CSTO_KG_SPARQL_TIME_LIMIT_MS": "60000", "CSTO_KG_SPARQL_MAX_ROWS": "100000"}
        procs.append(start("csto-kg", [str(BIN / "csto-kg"), "serve", "--data", str(data), "--store", str(store),
                                       "--port", str(port)], servers["csto-kg"], env))
        if args.uncached:  # every answer from a worker, none kept for the question asked again
            port = free_port()
            servers[UNCACHED] = f"http://127.0.0.1:{port}/sparql"
            procs.append(start(UNCACHED, [str(BIN / "csto-kg"), "serve", "--data", str(data), "--store", str(store),
                                          "--port", str(port)], servers[UNCACHED],
                               {**env, "CSTO_KG_SPARQL_CACHE_MB": "0"}))
        port = free_port()
        servers["oxigraph"] = f"http://127.0.0.1:{port}/query"
        procs.append(start("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location",
                                        str(store / "current"), "--bind", f"127.0.0.1:{port}",
                                        "--union-default-graph"], servers["oxigraph"]))
        from csto_kg.store.embedded import EmbeddedStore  # noqa: PLC0415

        quads = (EmbeddedStore(store).manifest() or {}).get("quads")
        if args.rdflib_endpoint and (not args.rdflib_max or meetings <= args.rdflib_max):
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
        return {"meetings": meetings, "quads": quads, "rows": rows, "servers": results,
                "repeat": args.repeat, "seconds": args.seconds, "connections": args.connections}
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def median_latency(run: dict, server: str) -> float:
    return statistics.median(run["servers"][server]["latency"].values())


def report(runs: list[dict], publish: bool = False) -> str:
    lines = []
    for run in runs:
        names = list(run["servers"])
        res = run["servers"]
        size = "real records" if not run["meetings"] else f"{run['meetings']:,} synthetic meetings"
        lines.append(f"\n{size}" + (f", {run['quads']:,} quads" if run.get("quads") else "")
                     + f"; median latency, ms ({run['repeat']} samples, one client)\n")
        lines.append("| query | " + " | ".join(names) + " | csto-kg / oxigraph |"
                     + (" rdflib-endpoint / csto-kg |" if "rdflib-endpoint" in res else ""))
        lines.append("|---|" + "---|" * (len(names) + 1 + ("rdflib-endpoint" in res)))
        for q in run["rows"]:
            cells = [f"{res[n]['latency'][q] * 1000:.2f}" for n in names]
            ratio = res["csto-kg"]["latency"][q] / res["oxigraph"]["latency"][q]
            extra = (f" {res['rdflib-endpoint']['latency'][q] / res['csto-kg']['latency'][q]:.1f}x |"
                     if "rdflib-endpoint" in res else "")
            lines.append(f"| {q} ({run['rows'][q]} rows) | " + " | ".join(cells) + f" | {ratio:.2f}x |" + extra)
        med = {n: median_latency(run, n) for n in names}
        lines.append("| median of the queries | " + " | ".join(f"{med[n] * 1000:.2f}" for n in names)
                     + f" | {med['csto-kg'] / med['oxigraph']:.2f}x |"
                     + (f" {med['rdflib-endpoint'] / med['csto-kg']:.1f}x |" if "rdflib-endpoint" in res else ""))
        if UNCACHED in res:
            lines.append(f"\n{UNCACHED}: median latency / oxigraph {med[UNCACHED] / med['oxigraph']:.2f}x, "
                         f"throughput / oxigraph {res[UNCACHED]['qps'] / res['oxigraph']['qps']:.2f}")
        lines.append(f"\nthroughput ({run['connections']} connections, {run['seconds']:g} s each): "
                     + "; ".join(f"{n} {res[n]['qps']:.0f} answers/s, {res[n]['errors']} errors" for n in names)
                     + f"; csto-kg / oxigraph {res['csto-kg']['qps'] / res['oxigraph']['qps']:.2f}"
                     + (f"; csto-kg / rdflib-endpoint {res['csto-kg']['qps'] / max(res['rdflib-endpoint']['qps'], 1e-9):.1f}"
                        if "rdflib-endpoint" in res else ""))
    synthetic = [r for r in runs if r["meetings"]]
    if synthetic:
        from _common import plot  # noqa: PLC0415 - matplotlib only when there is something to draw

        xs = [r["meetings"] for r in synthetic]
        servers = list(dict.fromkeys(n for r in synthetic for n in r["servers"]))
        series = {f"{n}: median latency (ms)": [median_latency(r, n) * 1000 if n in r["servers"] else None
                                                for r in synthetic] for n in servers}
        series.update({f"{n}: CQ1 latency (ms)": [r["servers"][n]["latency"].get("cq1-participants", 0) * 1000
                                                  if n in r["servers"] else None for r in synthetic]
                       for n in servers})
        plot("endpoint", "SPARQL endpoint latency over HTTP (competency questions)", xs, series, "ms", publish)
        plot("endpoint-throughput", f"Throughput, {synthetic[0]['connections']} connections", xs,
             {n: [r["servers"][n]["qps"] if n in r["servers"] else None for r in synthetic] for n in servers},
             "answers per second", publish)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", "--sizes", type=int, nargs="+", default=[0],
                        help="synthetic meetings, one or more sizes (0: the real records)")
    parser.add_argument("--repeat", type=int, default=30, help="latency samples per query")
    parser.add_argument("--seconds", type=float, default=10, help="throughput run per server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients for throughput")
    parser.add_argument("--rdflib-endpoint", help="the rdflib-endpoint command, to compare with it too")
    parser.add_argument("--uncached", action="store_true",
                        help="also a csto-kg server that keeps no answers (CSTO_KG_SPARQL_CACHE_MB=0)")
    parser.add_argument("--rdflib-max", type=int, default=0,
                        help="largest size rdflib-endpoint is run at (it holds the graph in memory; 0: every size)")
    parser.add_argument("--publish", action="store_true", help="copy the plots into benchmarks/ for the README")
    parser.add_argument("--replot", action="store_true", help="print the tables and plots of the last run")
    args = parser.parse_args(argv)
    from _common import load_results, machine, save_results  # noqa: PLC0415

    if args.replot:
        saved = load_results("endpoint")
    else:
        saved = {"machine": machine(), "runs": [measure(n, args) for n in sorted(set(args.meetings))]}
        save_results("endpoint", saved)
    print(f"\n# SPARQL endpoint ({saved['machine']})")
    print(report(saved["runs"], args.publish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
