#!/usr/bin/env python3
"""Latency of a batch of reconciliation queries against the entities of synthetic meetings.

A batch of ``--queries`` queries, as OpenRefine posts it (``queries=`` of a form), is answered by
the Flask app in this process over the store of ``--meetings`` synthetic meetings; the queries are
people's and posts' names as a spreadsheet holds them: initials (``Person 12 S.``), inverted order,
a typo, another case. Making the index ready (once per build: loaded from the file the build
wrote beside the store, or read with queries from a build without one) is timed apart. The baseline, measured in
the same run over the same names, is the usual way without an index: rapidfuzz's
``process.extract`` of each query over every name (``token_sort_ratio``).

    python benchmarks/reconcile.py [--meetings 10000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import build_store  # noqa: E402

from rapidfuzz import fuzz, process  # noqa: E402

from csto_kg.records.match import name  # noqa: E402
from csto_kg.web import create_app  # noqa: E402


def variants(text: str, rng: random.Random) -> str:
    words = text.split()
    how = rng.randrange(4)
    if how == 0 and len(words) > 1:  # initials: "Person 12 S."
        return " ".join(words[1:]) + f" {words[0][0]}."
    if how == 1 and len(words) > 1:  # inverted: "Person 12, Synthetic"
        return " ".join(words[1:]) + ", " + words[0]
    if how == 2:  # a typo in the longest word
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) > 4:
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1:]
        return " ".join(words)
    return text.upper()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meetings", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    store, _child = build_store(args.meetings)
    app = create_app({"STORE": str(store), "TESTING": True, "SPARQL_WORKERS": 1, "SPARQL_TIME_LIMIT_MS": 600000})
    client = app.test_client()
    started = time.perf_counter()
    warm = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "warm up"}})})
    assert warm.status_code == 200, warm.data[:500]
    read = time.perf_counter() - started
    index = app.extensions["csto_kg.reconcile"][1]
    rng = random.Random(args.seed)
    pool = [e for e in index.entities.values() if e.kind in ("person", "post")]
    chosen = [rng.choice(pool) for _ in range(args.queries)]
    batch = {f"q{i}": {"query": variants(e.name, rng), "type": e.kind, "limit": 3} for i, e in enumerate(chosen)}
    body = {"queries": json.dumps(batch)}
    started = time.perf_counter()
    response = client.post("/reconcile", data=body)
    took = time.perf_counter() - started
    assert response.status_code == 200, response.data[:500]
    answer = response.json
    right = sum(1 for i, e in enumerate(chosen) if answer[f"q{i}"]["result"] and answer[f"q{i}"]["result"][0]["id"] == e.id)
    names = [(e.id, " ".join(name(t).words)) for e in index.entities.values() for t in e.names]
    texts = [t for _, t in names]
    started = time.perf_counter()
    base_right = 0
    for i, e in enumerate(chosen):
        q = " ".join(name(batch[f"q{i}"]["query"]).words)
        found = process.extract(q, texts, scorer=fuzz.token_sort_ratio, limit=3)
        base_right += bool(found) and names[found[0][2]][0] == e.id
    base = time.perf_counter() - started
    print(f"entities: {len(index.entities):,} ({sum(e.kind == 'person' for e in index.entities.values()):,} people), "
          f"names: {len(texts):,}; index read in {read:.1f} s (once per build)")
    print(f"/reconcile, a batch of {args.queries:,} queries: {took:.2f} s "
          f"({took / args.queries * 1000:.2f} ms a query), first candidate right: {right}/{args.queries}")
    print(f"baseline, rapidfuzz process.extract over every name: {base:.2f} s, first right: {base_right}/{args.queries}")
    print("within 2 s:", "yes" if took <= 2.0 else "NO")
    runner = app.extensions.get("csto_kg.sparql_runner")
    if runner is not None:
        runner.close()
    return 0 if took <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
