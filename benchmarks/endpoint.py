#!/usr/bin/env python3
"""The SPARQL endpoint against ``oxigraph serve-read-only`` (and rdflib-endpoint) on the same store.

    python benchmarks/endpoint.py                          # the real records in data/
    python benchmarks/endpoint.py --meetings 2700          # synthetic records (about 1M quads)
    python benchmarks/endpoint.py --meetings 1000 10000    # several sizes, one after the other
    python benchmarks/endpoint.py --rdflib-endpoint /path/to/venv/bin/rdflib-endpoint

Each server is started on loopback over the same data, then asked the same queries by the same
client (``requests``, SPARQL JSON, GET):

* latency: the competency questions (``tests/queries/cq*.rq``; with ``--meetings``, rewritten to a
  synthetic meeting, person and post as in ``queries.py``), one client, median of ``--repeat``
  samples. The samples are taken in ``--repeat`` rounds; a round asks every question once of
  every server, each question of the servers in turn, in an order that rotates from one question
  to the next and, for each question, from round to round;
* throughput: ``--connections`` clients asking the questions in turn, ``--seconds`` per server in
  all, in short interleaved rounds (``--round-seconds``, 1 s by default): each round gives every
  server its turn, in an order that rotates from round to round, so a change in the machine's
  load lands on every server alike. Answers per second per round and in all, and errors (any
  non-200 answer or failed request);
* CPU per answer: the user and system time each server's process and its workers spent in its
  throughput rounds (from /proc), per answer, and the clients' own; it moves less with the
  machine's load than the rates.

A ratio is taken round by round, from the two servers' figures of the same round: the
throughput and CPU ratios are the medians of the per-round ratios, the latency ratio that of
the medians over all rounds; beside each, the interquartile range of the per-round ratios (the
latency of a round: the median over its questions) says how much the figure moves.

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
import math
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
from _common import free_port, tree_cpu_seconds  # noqa: E402

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


def rotated(names: list[str], k: int) -> list[str]:
    """``names`` starting from the ``k``-th (modulo their number): the order of turn ``k``."""
    k %= len(names)
    return names[k:] + names[:k]


def latency(servers: dict[str, str], queries: dict[str, str], repeat: int
            ) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    """Median seconds per server and query, and per server the median over the questions of each round.

    Each of the ``repeat`` rounds asks every question once of every server, each question of the
    servers in turn; the order rotates from one question to the next and, for each question,
    from one round to the next, so load spikes hit all alike and no server always follows the
    same one (a server still busy after its answer slows whoever comes next). A round takes a few tens of milliseconds, so the
    servers' figures of one round were measured under the same load.
    """
    sessions = {name: requests.Session() for name in servers}
    samples: dict[str, dict[str, list[float]]] = {name: {q: [] for q in queries} for name in servers}
    names = list(servers)
    for query in queries.values():
        for name, url in servers.items():
            ask(sessions[name], url, query)  # warm-up
    for i in range(repeat):
        for j, (q, query) in enumerate(queries.items()):
            for name in rotated(names, i + j):
                started = time.perf_counter()
                ask(sessions[name], servers[name], query)
                samples[name][q].append(time.perf_counter() - started)
    medians = {name: {q: statistics.median(t) for q, t in per.items()} for name, per in samples.items()}
    rounds = {name: [statistics.median(per[q][i] for q in queries) for i in range(repeat)]
              for name, per in samples.items()}
    return medians, rounds


class Clients:
    """``connections`` clients of one server, each with its own session (kept open from round to
    round) and its place in the list of questions (each asks them in turn, from its own offset)."""

    def __init__(self, url: str, queries: list[str], connections: int) -> None:
        self.url, self.queries = url, queries
        self.sessions = [requests.Session() for _ in range(connections)]
        self.next = list(range(connections))
        self.errors = 0

    def round(self, seconds: float) -> tuple[int, float]:
        """Every client asks questions for ``seconds`` (the one asked when time is up is answered and
        counted); the answers and their rate: the sum over the clients of each one's answers over
        the time it took, from the start to its last answer."""
        done = [0] * len(self.sessions)
        took = [0.0] * len(self.sessions)
        errors = [0] * len(self.sessions)
        started = time.monotonic()
        stop = started + seconds

        def client(n: int) -> None:
            session = self.sessions[n]
            while time.monotonic() < stop:
                try:
                    ask(session, self.url, self.queries[self.next[n] % len(self.queries)])
                    done[n] += 1
                except (requests.RequestException, RuntimeError):
                    errors[n] += 1
                self.next[n] += 1
            took[n] = time.monotonic() - started

        threads = [threading.Thread(target=client, args=(n,)) for n in range(len(self.sessions))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.errors += sum(errors)
        return sum(done), sum(d / t for d, t in zip(done, took) if t > 0)


def throughput(servers: dict[str, str], queries: list[str], connections: int, seconds: float,
               round_seconds: float, pids: dict[str, int]) -> dict[str, dict]:
    """Answers per second of each server under ``connections`` clients, in interleaved rounds.

    ``seconds`` per server in all, in ``ceil(seconds / round_seconds)`` rounds of equal length;
    each round gives every server its turn, in an order that rotates from round to round, after
    a warm-up turn each (not counted). Per server: ``qps`` (the answers of all rounds over their
    time), ``round_qps`` (each round's rate, in the order of the rounds), ``errors``, and the CPU
    time the server's process and its workers (``pids``) spent per answer: ``cpu_ms`` in all,
    ``round_cpu_ms`` per round -- a figure that moves less with the machine's load than the rates;
    and ``client_cpu_ms``, the CPU this process (the clients) spent per answer, on the same cores.
    """
    rounds = max(1, math.ceil(seconds / round_seconds - 1e-9))
    length = seconds / rounds
    clients = {name: Clients(url, queries, connections) for name, url in servers.items()}
    names = list(servers)
    for name in names:
        clients[name].round(min(length, 0.5))  # warm-up: connections opened, workers busy once
        clients[name].errors = 0
    per_round: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    client_cpu: dict[str, float] = {name: 0.0 for name in names}
    counts: dict[str, list[int]] = {name: [] for name in names}
    for r in range(rounds):
        for name in rotated(names, r):
            before, ours = tree_cpu_seconds(pids[name]), time.process_time()
            done, rate = clients[name].round(length)
            cpu[name].append(tree_cpu_seconds(pids[name]) - before)
            client_cpu[name] += time.process_time() - ours
            counts[name].append(done)
            per_round[name].append(rate)
    # the rounds are of equal length: the mean of their rates is the answers of all of them over their time
    return {name: {"qps": statistics.fmean(per_round[name]), "round_qps": per_round[name],
                   "answers": sum(counts[name]), "errors": clients[name].errors,
                   "cpu_ms": 1000 * sum(cpu[name]) / max(sum(counts[name]), 1),
                   "round_cpu_ms": [1000 * c / max(n, 1) for c, n in zip(cpu[name], counts[name])],
                   "client_cpu_ms": 1000 * client_cpu[name] / max(sum(counts[name]), 1)}
            for name in names}


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) of ``values``."""
    if len(values) < 2:
        return (values[0],) * 3 if values else (math.nan,) * 3
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return statistics.median(values), q1, q3


def _per_round(ours: list[float], theirs: list[float]) -> dict[str, float]:
    """The median and quartiles of the ratios of two servers' figures of the same rounds (none if no rounds)."""
    pairs = [a / b for a, b in zip(ours, theirs) if b > 0]
    if not pairs:
        return {}
    median, q1, q3 = spread(pairs)
    return {"median": median, "q1": q1, "q3": q3, "rounds": len(pairs)}


def ratios(run: dict, server: str, baseline: str) -> dict[str, dict[str, float]]:
    """``server`` against ``baseline`` in one run, each ``{"ratio", "median", "q1", "q3", "rounds"}``:
    the ratio, and the median and quartiles of the per-round ratios (absent from figures saved
    before there were rounds).

    ``latency`` (``server`` / ``baseline``, lower is better): the ratio of the medians over the
    questions of each server's per-question medians; a round's figure is the median over the
    questions of its one sample of each. ``throughput`` (higher is better): the median of the
    per-round ratios (the ratio of the overall answers per second when the rounds were not
    saved). ``cpu`` (lower is better): the median of the per-round ratios of the CPU time the
    server and its workers spent per answer.
    """
    ours, theirs = run["servers"][server], run["servers"][baseline]
    found = {"latency": {"ratio": median_latency(run, server) / median_latency(run, baseline),
                         **_per_round(ours.get("round_latency", []), theirs.get("round_latency", []))}}
    rounds = _per_round(ours.get("round_qps", []), theirs.get("round_qps", []))
    found["throughput"] = {"ratio": rounds["median"] if rounds else (
        ours["qps"] / theirs["qps"] if theirs["qps"] else math.nan), **rounds}
    rounds = _per_round(ours.get("round_cpu_ms", []), theirs.get("round_cpu_ms", []))
    if rounds:
        found["cpu"] = {"ratio": rounds["median"], **rounds}
    return found


def with_spread(figure: dict[str, float], unit: str = "") -> str:
    """``1.05 (rounds: IQR 0.98–1.10, 8 rounds)``, with the per-round median when the ratio is not
    it; the bare ratio when there were no rounds."""
    text = f"{figure['ratio']:.2f}{unit}"
    if "q1" in figure:
        median = "" if figure["median"] == figure["ratio"] else f"median {figure['median']:.2f}{unit}, "
        text += f" (per round: {median}IQR {figure['q1']:.2f}–{figure['q3']:.2f}, {figure['rounds']} rounds)"
    return text


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
        lat, round_latency = latency(servers, queries, args.repeat)
        print("measured latency", file=sys.stderr, flush=True)
        pids = {name: proc.pid for name, proc in zip(servers, procs, strict=True)}  # started in that order
        rates = throughput(servers, list(queries.values()), args.connections, args.seconds, args.round_seconds,
                           pids)
        print("measured throughput", file=sys.stderr, flush=True)
        results = {name: {"latency": lat[name], "round_latency": round_latency[name], **rates[name]}
                   for name in servers}
        run = {"meetings": meetings, "quads": quads, "rows": rows, "servers": results,
               "repeat": args.repeat, "seconds": args.seconds, "connections": args.connections,
               "rounds": len(rates["oxigraph"]["round_qps"]), "round_seconds": args.seconds / len(
                   rates["oxigraph"]["round_qps"])}
        run["ratios"] = {f"{name} / {base}": ratios(run, name, base) for name, base in comparisons(run)}
        return run
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


def comparisons(run: dict) -> list[tuple[str, str]]:
    """The (server, baseline) pairs a run's ratios are about."""
    res = run["servers"]
    pairs = [(name, "oxigraph") for name in ("csto-kg", UNCACHED) if name in res]
    return pairs + ([("csto-kg", "rdflib-endpoint")] if "rdflib-endpoint" in res else [])


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
        found = {name: ratios(run, name, "oxigraph") for name in ("csto-kg", UNCACHED) if name in res}
        for name, figures in found.items():
            lines.append(f"\n{name}: median latency / oxigraph {with_spread(figures['latency'], 'x')}; "
                         f"throughput / oxigraph {with_spread(figures['throughput'])}"
                         + (f"; CPU per answer / oxigraph's {with_spread(figures['cpu'], 'x')}" if "cpu" in figures
                            else ""))
        rounds = (f", {run['rounds']} interleaved rounds of {run['round_seconds']:.2f} s" if run.get("rounds")
                  else "")
        lines.append(f"\nthroughput ({run['connections']} connections, {run['seconds']:g} s each{rounds}): "
                     + "; ".join(f"{n} {res[n]['qps']:.0f} answers/s, {res[n]['errors']} errors"
                                 + (f", {res[n]['cpu_ms']:.2f} ms CPU per answer (the clients: "
                                    f"{res[n]['client_cpu_ms']:.2f} ms)" if "cpu_ms" in res[n] else "")
                                 for n in names)
                     + f"; csto-kg / oxigraph {with_spread(found['csto-kg']['throughput'])}"
                     + (f"; csto-kg / rdflib-endpoint {res['csto-kg']['qps'] / max(res['rdflib-endpoint']['qps'], 1e-9):.1f}"
                        if "rdflib-endpoint" in res else ""))
        if run.get("rounds"):
            lines.append("\n| throughput per round, answers/s (ms CPU per answer) | " + " | ".join(names) + " | "
                         + " | ".join(f"{n} / oxigraph" for n in found) + " |")
            lines.append("|---|" + "---|" * (len(names) + len(found)))
            for i in range(run["rounds"]):
                ox = res["oxigraph"]["round_qps"][i]
                cells = [f"{res[n]['round_qps'][i]:.0f}" + (f" ({res[n]['round_cpu_ms'][i]:.2f})"
                                                             if "round_cpu_ms" in res[n] else "") for n in names]
                cells += [f"{res[n]['round_qps'][i] / ox:.2f}" if ox else "n/a" for n in found]
                lines.append(f"| round {i + 1} | " + " | ".join(cells) + " |")
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
    parser.add_argument("--seconds", type=float, default=10, help="throughput run per server, in all")
    parser.add_argument("--round-seconds", type=float, default=1.0,
                        help="length of a round of throughput (the servers take turns, round by round)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients for throughput")
    parser.add_argument("--rdflib-endpoint", help="the rdflib-endpoint command, to compare with it too")
    parser.add_argument("--uncached", action="store_true",
                        help="also a csto-kg server that keeps no answers (CSTO_KG_SPARQL_CACHE_MB=0)")
    parser.add_argument("--rdflib-max", type=int, default=0,
                        help="largest size rdflib-endpoint is run at (it holds the graph in memory; 0: every size)")
    parser.add_argument("--publish", action="store_true", help="copy the plots into benchmarks/ for the README")
    parser.add_argument("--replot", action="store_true", help="print the tables and plots of the last run")
    args = parser.parse_args(argv)
    if args.round_seconds <= 0 or args.seconds <= 0:
        parser.error("--seconds and --round-seconds must be positive")
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
