"""Latency of the pages for people, their queries run in the query workers or in the server's process.

Each page is asked through the Flask app in this process (no HTTP server, so the figures are the
app's own work: its queries, the workers' round trips, rendering), from two apps over the same
store: one as served (every page query in a query worker, under the time limit), one whose pages
query the store in the server's own thread (as pages did before they were put under the limit).
Requests alternate between the two, so a machine busy with other work slows both alike. The
largest entity of each kind is picked (most statements pointing at it).

    python benchmarks/pages.py [--meetings 1000] [--store PATH] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CLI, data_dir, store_dir  # noqa: E402

from csto_kg.query.workers import InlineRunner  # noqa: E402
from csto_kg.web import create_app  # noqa: E402
from csto_kg.web.entity import PageReader  # noqa: E402

ID = "https://w3id.org/csto-kg/id/"
KINDS = {  # kind: class of its resources
    "state": "https://w3id.org/csto-kg/ontology#State",
    "body": "https://w3id.org/csto-kg/ontology#Body",
    "post": "http://www.w3.org/ns/org#Post",
    "person": "http://xmlns.com/foaf/0.1/Person",
    "meeting": "https://w3id.org/csto-kg/ontology#Meeting",
}


def largest(store_path: Path, cls: str) -> str:
    """The resource of ``cls`` that the most statements point at."""
    store = ox.Store.read_only(str(store_path / "current"))
    query = (f"SELECT ?s (COUNT(?x) AS ?n) WHERE {{ ?s a <{cls}> . OPTIONAL {{ ?x ?p ?s }} }} "
             "GROUP BY ?s ORDER BY DESC(?n) LIMIT 1")
    (row,) = list(store.query(query, use_default_graph_as_union=True))
    return row["s"].value


def ensure_store(meetings: int) -> Path:
    store = store_dir(meetings)
    if not (store / "current").exists():
        subprocess.run([*CLI, "build", "--data", str(data_dir(meetings)), "--store", str(store)], check=True)
    return store


class Counting:
    """A query runner that counts the queries it is given."""

    def __init__(self, runner) -> None:
        self.runner, self.count = runner, 0

    def query(self, query: str, deadline: float | None = None):
        self.count += 1
        return self.runner.query(query, deadline)


def apps(store: Path):
    """The app as served, and one whose pages query the store in the server's thread."""
    served = create_app({"STORE": str(store), "SPARQL_WORKERS": 2})
    inline = create_app({"STORE": str(store), "SPARQL_WORKERS": 2})
    for app, in_process in ((served, False), (inline, True)):
        with app.app_context():
            from csto_kg.web.pages import _reader  # noqa: PLC0415

            reader = _reader()
            runner = InlineRunner(reader.store) if in_process else reader.runner
            app.extensions["csto_kg.page_reader"] = PageReader(reader.store, Counting(runner), reader.time_limit_ms)
    return served, inline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=1000, help="synthetic meetings (when --store is not given)")
    parser.add_argument("--store", type=Path, help="an embedded store to use instead of a synthetic one")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    store = args.store or ensure_store(args.meetings)
    served, inline = apps(store)
    pages = []
    for kind, cls in KINDS.items():
        path = "/id/" + largest(store, cls)[len(ID):]
        pages += [(f"{kind} page", path, {}), (f"{kind} as Turtle", path, {"Accept": "text/turtle"})]
    pages += [("404 with near matches", "/id/person/synth-persn-1", {}), ("workbench", "/", {})]
    print(f"store: {store}; {args.repeat} requests per page and way after one warm-up; "
          "milliseconds: medians, and the median of the differences of back-to-back pairs")
    print(f"{'page':<24} {'status':>6} {'queries':>7} {'in-process':>10} {'workers':>8} {'diff':>7} {'per query':>9}")
    for name, path, headers in pages:
        times: dict[str, list[float]] = {"inline": [], "served": []}
        statuses = set()
        counter = served.extensions["csto_kg.page_reader"].runner
        for app in (inline, served):  # warm-up: workers started, caches filled
            statuses.add(app.test_client().get(path, headers=headers).status_code)
        before = counter.count
        for _ in range(args.repeat):
            for key, app in (("inline", inline), ("served", served)):
                client = app.test_client()
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                times[key].append((time.perf_counter() - started) * 1000)
                statuses.add(response.status_code)
                response.close()
        queries = (counter.count - before) / args.repeat
        a, b = statistics.median(times["inline"]), statistics.median(times["served"])
        # the median of the paired differences: each pair ran back to back, under the same load
        diff = statistics.median(s - i for i, s in zip(times["inline"], times["served"]))
        print(f"{name:<24} {'/'.join(map(str, sorted(statuses))):>6} {queries:>7.0f} {a:>10.1f} {b:>8.1f} "
              f"{diff:>+7.1f} {diff / queries if queries else 0:>+9.2f}")
    for app in (served, inline):
        runner = app.extensions.get("csto_kg.sparql_runner")
        if runner is not None:
            runner.close()


if __name__ == "__main__":
    main()
