"""`razorbench compare`: a paired comparison of two runs on the same task and base model."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    compare = sub.add_parser("compare", help="paired comparison of two runs on the same task and base model")
    compare.add_argument("run_a", metavar="RUN_A", help="run folder or its record.json (the reference, A)")
    compare.add_argument("run_b", metavar="RUN_B", help="run folder or its record.json (differences are B - A)")
    compare.add_argument("--json", metavar="PATH", help="also write the full comparison as JSON")
    compare.add_argument("--alpha", type=float, default=0.05, help="family-wise error rate; CIs at 1 - alpha")
    compare.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and permutation draws")
    compare.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.analysis.compare import compare_records, render_table
    from razorbench.cli.console import console
    from razorbench.runner.record_schema import load_record
    from razorbench.util.atomic import write_json_atomic
    from razorbench.util.errors import UsageError

    records = []
    for path in (args.run_a, args.run_b):
        try:
            records.append(load_record(path))
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read a record at {path}: {e}") from None
    try:
        result = compare_records(*records, seed=args.seed, alpha=args.alpha)
    except ValueError as e:
        raise UsageError(str(e)) from None
    console.print(render_table(result))
    if args.json:
        write_json_atomic(Path(args.json), result)
        console.print(f"wrote {args.json}")
