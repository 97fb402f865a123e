"""Latency of the pages for people, their queries run in the query workers or in the server's process.

Each page is asked through the Flask app in this process (no HTTP server, so the figures are the
app's own work: its queries, the workers' round trips, rendering), from two apps over the same
store: one as served (every page query in a query worker, under the time limit), one whose pages
query the store in the server's own thread (as pages did before they were put under the limit).
Requests alternate between the two, so a machine busy with other work slows both alike. The
first request of each page, as served, is timed apart (``first``): it fills what the server keeps
per build (the near matches' index, the largest descriptions).

Every kind of resource (records.kinds: states, organizations, bodies, posts, people, meetings, ...,
and the parts of a meeting) is asked for in every representation its IRI offers: the HTML page and
the RDF description in each RDF format (by its suffix: ``.ttl``, ``.nt``, ``.nq``, ``.trig``,
``.jsonld``, ``.rdf``). The largest resource of each kind is picked (most statements pointing at
it); for the parts of a meeting, those of the largest meeting. Then three 404s with near matches
(a mistyped person, a mistyped meeting, a part of a meeting that does not exist). The pages whose
median as served is over ``--limit-ms`` are listed at the end.

    python benchmarks/pages.py [--meetings 1000] [--store PATH] [--repeat 20] [--limit-ms 500] [--only state,post]
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

from csto_kg.graph.formats import RDF_FORMATS  # noqa: E402
from csto_kg.graph.vocab import expand  # noqa: E402
from csto_kg.query.workers import InlineRunner  # noqa: E402
from csto_kg.records.kinds import KINDS as RECORD_KINDS, MEETING_PARTS  # noqa: E402
from csto_kg.web import create_app  # noqa: E402
from csto_kg.web.entity import PageReader  # noqa: E402

ID = "https://w3id.org/csto-kg/id/"
#: kind: the classes of its resources, every kind of records.kinds
KINDS = {kind.name: [str(expand(cls)) for cls in kind.classes] for kind in RECORD_KINDS}


def largest(store: ox.Store, kind: str, classes: list[str]) -> str | None:
    """The resource of ``kind`` (one of ``classes``, IRI ``id/{kind}/...``) that the most statements point at."""
    values = " ".join(f"<{c}>" for c in classes)
    query = (f"SELECT ?s (COUNT(?x) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ VALUES ?t {{ {values} }} ?s a ?t "
             f'FILTER STRSTARTS(STR(?s), "{ID}{kind}/") }} }} OPTIONAL {{ ?x ?p ?s }} }} '
             "GROUP BY ?s ORDER BY DESC(?n) LIMIT 1")
    found = list(store.query(query, use_default_graph_as_union=True))
    return found[0]["s"].value if found else None


def part_of(store: ox.Store, meeting: str, cls: str) -> str | None:
    """A part of class ``cls`` of ``meeting`` (the one with the most statements), or of any meeting when it has none."""
    for scope in (f'FILTER STRSTARTS(STR(?s), "{meeting}/")', ""):
        query = (f"SELECT ?s (COUNT(?o) AS ?n) WHERE {{ {{ SELECT ?s WHERE {{ ?s a <{cls}> {scope} }} LIMIT 100 }} "
                 "?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n) LIMIT 1")
        found = list(store.query(query, use_default_graph_as_union=True))
        if found:
            return found[0]["s"].value
    return None


def resources(store_path: Path) -> list[tuple[str, str]]:
    """(kind, IRI) of the largest resource of every kind, then of every part of the largest meeting."""
    store = ox.Store.read_only(str(store_path / "current"))
    found = [(kind, largest(store, kind, classes)) for kind, classes in KINDS.items()]
    meeting = dict(found).get("meeting")
    if meeting:
        found += [(part, part_of(store, meeting, str(expand(cls)))) for part, cls in MEETING_PARTS.items()]
    return [(kind, iri) for kind, iri in found if iri is not None]


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
    parser.add_argument("--limit-ms", type=float, default=500, help="pages slower than this (as served) are listed")
    parser.add_argument("--only", default="", help="comma-separated kinds to ask for (default: every kind)")
    args = parser.parse_args()
    store = args.store or ensure_store(args.meetings)
    served, inline = apps(store)
    only = {k for k in args.only.split(",") if k}
    pages = []
    found = resources(store)
    for kind, iri in found:
        if only and kind not in only:
            continue
        path = "/id/" + iri[len(ID):]
        pages += [(f"{kind} page", path, {})]
        pages += [(f"{kind} .{fmt.suffix}", f"{path}.{fmt.suffix}", {}) for fmt in RDF_FORMATS]
    if not only or "404" in only:
        meeting = dict(found).get("meeting", ID + "meeting/none")
        pages += [("404 person near matches", "/id/person/synth-persn-1", {}),
                  ("404 meeting near matches", "/id/" + meeting[len(ID):-1] + "x", {}),
                  ("404 part of a meeting", "/id/" + meeting[len(ID):] + "/participation/999999", {})]
    if not only or "workbench" in only:
        pages += [("workbench", "/", {})]
    print(f"store: {store}; {args.repeat} requests per page and way after one warm-up; "
          "milliseconds: medians, and the median of the differences of back-to-back pairs")
    print(f"{'page':<28} {'status':>6} {'queries':>7} {'in-process':>10} {'workers':>8} {'diff':>7} {'per query':>9} "
          f"{'first':>8}")
    over = []
    for name, path, headers in pages:
        times: dict[str, list[float]] = {"inline": [], "served": []}
        statuses = set()
        counter = served.extensions["csto_kg.page_reader"].runner
        first = 0.0
        for app in (served, inline):  # warm-up: workers started, caches filled; the first request as served timed
            started = time.perf_counter()
            statuses.add(app.test_client().get(path, headers=headers).status_code)
            first = first or (time.perf_counter() - started) * 1000
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
        flag = " over" if b > args.limit_ms else ""
        if flag:
            over.append((name, path, b))
        print(f"{name:<28} {'/'.join(map(str, sorted(statuses))):>6} {queries:>7.0f} {a:>10.1f} {b:>8.1f} "
              f"{diff:>+7.1f} {diff / queries if queries else 0:>+9.2f} {first:>8.1f}{flag}", flush=True)
    print(f"\n{len(over)} of {len(pages)} pages over {args.limit_ms:g} ms as served" + (":" if over else ""))
    for name, path, b in over:
        print(f"  {name:<28} {b:>8.1f} ms  {path}")
    for app in (served, inline):
        runner = app.extensions.get("csto_kg.sparql_runner")
        if runner is not None:
            runner.close()


if __name__ == "__main__":
    main()
