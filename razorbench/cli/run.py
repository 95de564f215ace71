"""`razorbench run`: train one method on one new task and write its record."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="train one method on one new task and write its record")
    run.add_argument("--method", required=True, help="a registered method (razorbench list methods)")
    run.add_argument(
        "--task",
        required=True,
        help="a new task of the track (razorbench list tasks); several, comma-separated (science,tool,math): a "
        "sequence, each stage trained from the previous stage's policy",
    )
    run.add_argument("--track", help="a registered track (razorbench list tracks; default: the default track)")
    run.add_argument("--model", help="base model path or hub id (default: the track's model)")
    run.add_argument("--seed", type=int, help="training seed (config key: seed)")
    run.add_argument("--data-dir", help="local copies of the task's data (config key: task.data_dir)")
    run.add_argument("--output-dir", help="where runs/<run-id>/ goes (config key: output_dir)")
    run.add_argument("--run-id", help="name of the run (or sequence) directory (config key: run_id)")
    run.add_argument("--config", help="a YAML file of config keys, merged after the task and method YAML")
    run.add_argument("--no-progress", action="store_true", help="no progress bars (logs and CI)")
    run.add_argument("--force", action="store_true", help="start a finished (or differently configured) run over")
    run.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. optim.lr=1e-4")
    run.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.cli.console import console, disable_progress_bars

    if args.no_progress:
        disable_progress_bars()  # before the libraries are imported (below)
    from razorbench.runner.record_schema import prior_seconds_line, summary_table
    from razorbench.runner.run import launcher_rank_zero, train_and_evaluate

    flags = {
        "seed": args.seed,
        "model": args.model,
        "output_dir": args.output_dir,
        "run_id": args.run_id,
        "task.data_dir": args.data_dir,
    }
    overrides = [f"{k}={v}" for k, v in flags.items() if v is not None] + list(args.overrides)
    if "," in args.task:
        return _sequence(args, overrides)
    record, path = train_and_evaluate(
        args.method,
        args.task,
        track=args.track,
        config_file=args.config,
        overrides=overrides,
        progress=not args.no_progress,
        force=args.force,
    )
    if launcher_rank_zero():  # the other ranks of a DDP run compute, rank 0 reports
        console.print(summary_table(record))
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in record["provenance"]["timings"].items())
        console.print(f"wall {record['provenance']['wall_seconds']:.1f}s ({timings})")
        if line := prior_seconds_line(record):
            console.print(line)
        console.print(f"record: {path}")


def _sequence(args: argparse.Namespace, overrides: list[str]) -> None:
    from razorbench.cli.console import console
    from razorbench.runner.sequence import parse_tasks, run_sequence, stage_table

    record, path = run_sequence(
        args.method,
        parse_tasks(args.task),
        track=args.track,
        config_file=args.config,
        overrides=overrides,
        progress=not args.no_progress,
        force=args.force,
        log=console.print,
    )
    console.print(stage_table(record))
    console.print(f"sequence record: {path}")
