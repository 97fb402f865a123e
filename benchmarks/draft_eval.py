#!/usr/bin/env python3
"""How good the drafts of `csto-kg draft` are: precision and recall per kind of field.

    python benchmarks/draft_eval.py                       # the gold set, tests/fixtures/drafts/
    python benchmarks/draft_eval.py -v                    # and every false or missed fact
    python benchmarks/draft_eval.py --seed PATH           # also the report of the 22nd meeting of the
                                                          # council on illegal migration, against its record

The gold set is pairs ``NN-name.txt`` (a report) and ``NN-name.yaml`` (the record a curator writes
from it). Each text is drafted against ``data/entities`` and both records are reduced to facts by
kind (``csto_kg.draft.score``); a drafted fact not in the curator's record is false, one of the
record's the draft lacks is missed. ``--seed`` takes the text of the Russian MIA's report on the
22nd meeting (not part of the repository) and compares its draft with
``data/meetings/2019-06-20-ccim-22.yaml``, whose facts from its other source (the preview: the
date) the report does not state.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "drafts"
SEED_RECORD = ROOT / "data" / "meetings" / "2019-06-20-ccim-22.yaml"


def gold_pairs(folder: Path = GOLD) -> list[tuple[Path, Path]]:
    """(text, record) of every text of the gold set that has its record."""
    return [(t, t.with_suffix(".yaml")) for t in sorted(folder.glob("*.txt")) if t.with_suffix(".yaml").exists()]


def evaluate(pairs: list[tuple[Path, Path]], data_dir: Path = ROOT / "data"):
    from csto_kg.draft import draft_text, lexicon
    from csto_kg.draft.score import Score

    lex = lexicon(data_dir)
    score = Score()
    for text_path, record_path in pairs:
        drafted = draft_text(text_path.read_text(encoding="utf-8"), "gold", lex=lex, text_name=text_path.name)
        score.add(text_path.stem, yaml.safe_load(drafted.record), yaml.safe_load(record_path.read_text(encoding="utf-8")))
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="folder of NN-name.txt and NN-name.yaml pairs")
    parser.add_argument("--seed", type=Path, help="the text of the MIA's report on the 22nd meeting")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every false and missed fact")
    args = parser.parse_args(argv)
    runs = [("gold set", gold_pairs(args.gold))]
    if args.seed:
        runs.append(("seed report", [(args.seed, SEED_RECORD)]))
    for name, pairs in runs:
        score = evaluate(pairs)
        print(f"{name}: {score.drafts} drafts")
        print(score.table())
        if args.verbose:
            for draft, kind, how, fact in score.errors:
                print(f"  {draft}: {kind}: {how} {fact!r}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
