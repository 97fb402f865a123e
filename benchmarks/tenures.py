#!/usr/bin/env python3
"""What reasoning tenures costs a full build: the build with it against the same build without it.

    python benchmarks/tenures.py                    # 10,000 meetings
    python benchmarks/tenures.py --sizes 1000 3000  # any sizes

For each size, on synthetic records from ``benchmarks/synth.py`` (whose secretary-general, chairman
and secretary posts are single-holder), each build in its own child process, into an empty store,
through ``csto_kg.check.build.build``, alternating the two kinds ``--repeat`` times:

* **with**: the build as it is: every record's evidence gathered while it is checked, the tenures
  reasoned over all of it and loaded as the ``.../graph/tenures`` graph;
* **without**: the same build with the tenures graph left empty (the evidence is still gathered);
* **reason**: the reasoning alone (claims -> tenures and conflicts -> N-Quads), timed inside the
  "with" build.

Prints the table and the ratio with/without (target: at most 1.10).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    OUT, PYTHON, child_json, data_dir, fmt_ratio, fmt_seconds, machine, save_results, table,
)

SCRIPT = str(Path(__file__).resolve())


def child(kind: str, data: Path, store: Path) -> dict:
    from csto_kg.check import build as building
    from csto_kg.store.embedded import EmbeddedStore

    reasoning = {"seconds": 0.0, "tenures": 0}
    original = building.write_tenures

    def timed(*args, on_file=None):
        counting = [0.0]

        def counted(path):  # each file as it is complete: the loader removes it once loaded
            started = time.perf_counter()
            reasoning["tenures"] += path.read_text(encoding="utf-8").count("ontology#Tenure>")
            counting[0] += time.perf_counter() - started
            if on_file is not None:
                on_file(path)

        started = time.perf_counter()
        files = original(*args, on_file=counted)
        reasoning["seconds"] += time.perf_counter() - started - counting[0]
        return files

    def without(records, processed, new_evidence, old_evidence, evidence_file, work, on_file=None):
        evidence_file.write_text("", encoding="utf-8")  # the file a build keeps beside the store: empty
        return []

    building.write_tenures = timed if kind == "with" else without
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    result = building.build(data, EmbeddedStore(store), incremental=False)
    return {"seconds": time.perf_counter() - started, "quads": result.quads, "reason_seconds": reasoning["seconds"],
            "tenures": reasoning["tenures"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DATA", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, data, store = args.child
        print(json.dumps(child(kind, Path(data), Path(store))))
        return
    print(machine())
    rows, saved = [], []
    for size in args.sizes:
        data = data_dir(size)
        runs: dict[str, list[dict]] = {"with": [], "without": []}
        for _ in range(args.repeat):
            for kind in ("without", "with"):
                found, proc = child_json([PYTHON, SCRIPT, "--child", kind, str(data), str(OUT / f"store-tenures-{kind}")])
                if found is None:
                    sys.exit(f"the {kind} build of {size} meetings failed:\n{proc.stderr[-2000:]}")
                runs[kind].append(found)
        with_s = statistics.median(r["seconds"] for r in runs["with"])
        without_s = statistics.median(r["seconds"] for r in runs["without"])
        reason_s = statistics.median(r["reason_seconds"] for r in runs["with"])
        rows.append([f"{size:,}", fmt_seconds(without_s), fmt_seconds(with_s), fmt_seconds(reason_s),
                     f"{runs['with'][0]['tenures']:,}", fmt_ratio(with_s / without_s)])
        saved.append({"meetings": size, "without": without_s, "with": with_s, "reason": reason_s,
                      "tenures": runs["with"][0]["tenures"]})
    save_results("tenures", {"machine": machine(), "rows": saved})
    print(table(["meetings", "build without", "build with", "reasoning", "tenures", "with / without"], rows))
    print("target: with / without at most 1.10")


if __name__ == "__main__":
    main()
