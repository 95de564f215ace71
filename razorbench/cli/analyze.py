"""`razorbench analyze`: frontiers, forgetting-law fits and the matched-accuracy comparison of many runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    analyze = sub.add_parser("analyze", help="frontiers, forgetting-law fits and matched-accuracy comparison")
    analyze.add_argument("paths", nargs="+", metavar="RUN_DIR", help="run, sweep or sequence folders, or records")
    analyze.add_argument("--out", default="analysis", help="folder for analysis.json and plots")
    analyze.add_argument("--no-plots", action="store_true")
    analyze.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.analysis.analyze import analyze, find_records, plot, summary_tables, write
    from razorbench.analysis.curve_points import with_curve_points
    from razorbench.analysis.pairs import compare_methods
    from razorbench.analysis.sequence import find_sequences
    from razorbench.cli.console import console
    from razorbench.util.errors import UsageError

    try:
        records = find_records(args.paths)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    sequences = find_sequences(args.paths)
    if sequences:
        _sequences(sequences, Path(args.out), args.no_plots)
        if not records:
            return
    if not records:
        raise UsageError(f"no record.json or sequence.json under {', '.join(args.paths)}")
    records = with_curve_points(records)  # a run's curve points count as the runs stopped there, as in every report
    result = analyze(records)
    for group in result.values():  # each pair of methods judged by the reports' one rule
        runs = [r for r in records if (r["track"], r["task"]) == (group["track"], group["task"])]
        group["pairs"] = compare_methods(group, runs)
    out = Path(args.out)
    path = write(result, out)
    plots = [] if args.no_plots else plot(result, records, out)
    for item in summary_tables(result):
        console.print(item)
    console.print(f"wrote {path}" + (f" and {len(plots)} plots" if plots else ""))


def _sequences(sequences: list, out: Path, no_plots: bool) -> None:
    """Sequence records: forgetting of earlier capabilities against the predictors, on-policy vs offline at
    matched final accuracy, the stage-by-stage plot; into `out/sequences.json`."""
    import json

    from razorbench.analysis.sequence import analyze_sequences, plot_sequences, summary_tables
    from razorbench.api.method_index import method_infos
    from razorbench.cli.console import console

    result = analyze_sequences(sequences, {i["name"]: bool(i["on_policy"]) for i in method_infos()})
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sequences.json"
    path.write_text(json.dumps(result, indent=1))
    plots = [] if no_plots else plot_sequences(sequences, out)
    for item in summary_tables(result):
        console.print(item)
    console.print(f"wrote {path}" + (f" and {len(plots)} plots" if plots else ""))
