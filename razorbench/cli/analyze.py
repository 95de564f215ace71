"""`razorbench analyze`: frontiers, forgetting-law fits and the matched-accuracy comparison of many runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    analyze = sub.add_parser("analyze", help="frontiers, forgetting-law fits and matched-accuracy comparison")
    analyze.add_argument("paths", nargs="+", metavar="RUN_DIR", help="run folders, sweep folders or records")
    analyze.add_argument("--out", default="analysis", help="folder for analysis.json and plots")
    analyze.add_argument("--no-plots", action="store_true")
    analyze.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.analysis.analyze import analyze, find_records, plot, summary_tables, write
    from razorbench.cli.console import console
    from razorbench.util.errors import UsageError

    try:
        records = find_records(args.paths)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    if not records:
        raise UsageError(f"no record.json under {', '.join(args.paths)}")
    result = analyze(records)
    out = Path(args.out)
    path = write(result, out)
    plots = [] if args.no_plots else plot(result, records, out)
    for item in summary_tables(result):
        console.print(item)
    console.print(f"wrote {path}" + (f" and {len(plots)} plots" if plots else ""))
