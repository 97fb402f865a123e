#!/usr/bin/env python3
"""Latency of each competency question on the embedded store as the graph grows.

    python benchmarks/queries.py                    # 1,000 and 10,000 meetings
    python benchmarks/queries.py --sizes 100 300

The queries are ``tests/queries/cq*.rq`` with their meeting, person and post IRIs (and the date
of CQ4) replaced by synthetic ones: the first synthetic meeting with a place and an appointment,
the first person named in it, the post it appoints to and the day the appointment takes effect. The same query shape is
asked at every size, so a single-meeting or single-person question should take about the same
time whatever the size of the graph (indexes, not scans). Two reference queries run beside
them: ``ASK {}`` (the floor: parsing and the call itself) and a count of every quad (a full scan).

Stores come from ``csto-kg build`` of the synthetic records (reused while up to date). Prints a
table with the growth ratio largest/smallest size, writes ``out/queries.json`` and
``out/queries.png`` (``--publish`` copies the plot to benchmarks/).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ROOT, build_store, data_dir, fmt_ratio, fmt_seconds, load_results, machine, median_time, plot, save_results,
    table,
)

QUERIES = ROOT / "tests" / "queries"
ID = "https://w3id.org/csto-kg/id/"
REFERENCE = {
    "ref-ask-empty": "ASK {}",
    "ref-count-all-quads (scan)": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def subject_of(data: Path) -> dict[str, str]:
    """The synthetic meeting, person, post and date the queries are asked about.

    The first meeting (in date order) that has a place, a named person and an appointment; the
    first person it names; the post it appoints to, on the day the appointment takes effect.
    """
    fallback = None
    for path in sorted((data / "meetings").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\nplace: " not in text or "\n    person: " not in text:
            continue
        date = re.search(r"^date: (\S+)", text, re.M).group(1)
        subject = {
            "meeting": path.stem,
            "person": re.search(r"^    person: (\S+)", text, re.M).group(1),
            "post": re.search(r"^body: (\S+)", text, re.M).group(1) + "-secretary",
            "date": date,
        }
        if "\ndecisions:" in text:
            effective = re.search(r"^    effective_from: (\S+)", text, re.M)
            return {**subject, "date": effective.group(1) if effective else date}
        fallback = fallback or subject
    if fallback is None:
        raise SystemExit(f"no meeting with a place and a person in {data}")
    return fallback


def synthetic_query(text: str, subject: dict[str, str]) -> str:
    text = re.sub(rf"<{ID}meeting/[^>]+>", f"<{ID}meeting/{subject['meeting']}>", text)
    text = re.sub(rf"<{ID}person/[^>]+>", f"<{ID}person/{subject['person']}>", text)
    text = re.sub(rf"<{ID}post/[^>]+>", f"<{ID}post/{subject['post']}>", text)
    return re.sub(r'"\d{4}-\d{2}-\d{2}"', f'"{subject["date"]}"', text)


def queries(subject: dict[str, str]) -> dict[str, str]:
    found = {p.stem: synthetic_query(p.read_text(encoding="utf-8"), subject) for p in sorted(QUERIES.glob("cq*.rq"))}
    return {**found, **REFERENCE}


def consume(answer) -> int:
    """Read the whole answer (the time to the last row counts); return the number of rows."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QueryBoolean):
        return int(bool(answer))
    return sum(1 for _ in answer)


def measure(meetings: int, repeat: int) -> dict:
    from csto_kg.store.embedded import EmbeddedStore

    data = data_dir(meetings)
    store_path, built = build_store(meetings)
    subject = subject_of(data)
    print(f"\n== {meetings:,} meetings: store {'built' if built else 'reused'}; meeting {subject['meeting']}, "
          f"person {subject['person']}", file=sys.stderr, flush=True)
    store = EmbeddedStore(store_path)
    row: dict = {"meetings": meetings, "subject": subject, "quads": (store.manifest() or {}).get("quads"), "queries": {}}
    for name, text in queries(subject).items():
        rows = consume(store.query(text))
        seconds = median_time(lambda: consume(store.query(text)), repeat, warmup=2)
        row["queries"][name] = {"seconds": seconds, "rows": rows}
        print(f"   {name}: {fmt_seconds(seconds)} ({rows} rows)", file=sys.stderr, flush=True)
    return row


def report(rows: list[dict], publish: bool) -> str:
    names = list(rows[0]["queries"])
    headers = ["query"] + [f"{r['meetings']:,} meetings" for r in rows]
    if len(rows) > 1:
        headers.append(f"{rows[-1]['meetings']:,} / {rows[0]['meetings']:,}")
    body = []
    for name in names:
        cells = [name]
        for r in rows:
            q = r["queries"].get(name)
            cells.append(f"{fmt_seconds(q['seconds'])} ({q['rows']} rows)" if q else "n/a")
        if len(rows) > 1:
            cells.append(fmt_ratio(rows[-1]["queries"][name]["seconds"] / rows[0]["queries"][name]["seconds"]))
        body.append(cells)
    text = ("Median latency on the embedded store (rows in the answer in brackets); the last column is the\n"
            "growth from the smallest to the largest graph (1.00× = flat):\n\n" + table(headers, body))
    plot("queries", "Competency-question latency (embedded store)", [r["meetings"] for r in rows],
         {name: [r["queries"][name]["seconds"] * 1000 for r in rows] for name in names}, "milliseconds", publish)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="numbers of meetings")
    parser.add_argument("--repeat", type=int, default=20, help="runs per query (the median is shown)")
    parser.add_argument("--publish", action="store_true", help="copy the plot into benchmarks/ for the README")
    parser.add_argument("--replot", action="store_true", help="print the table and plot of the last run (out/queries.json)")
    args = parser.parse_args(argv)
    if args.replot:
        saved = load_results("queries")
        print(report(saved["rows"], args.publish))
        return 0
    rows = [measure(n, args.repeat) for n in sorted(set(args.sizes))]
    save_results("queries", {"machine": machine(), "rows": rows})
    print(f"\n# Competency-question latency ({machine()})\n")
    print(report(rows, args.publish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
