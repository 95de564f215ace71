"""`razorbench run`: train one method on one new task and write its record."""

from __future__ import annotations

import argparse

from razorbench.cli.run_options import add_record_options, config_overrides, print_record


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="train one method on one new task and write its record")
    run.add_argument("--method", required=True, help="a registered method (razorbench list methods)")
    run.add_argument(
        "--task",
        required=True,
        help="a new task of the track (razorbench list tasks); several, comma-separated (science,tool,math): a "
        "sequence, each stage trained from the previous stage's policy",
    )
    run.add_argument("--model", help="base model path or hub id (default: the track's model)")
    run.add_argument("--seed", type=int, help="training seed (config key: seed)")
    add_record_options(run)
    run.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.cli.console import disable_progress_bars

    if args.no_progress:
        disable_progress_bars()  # before the libraries are imported (below)
    from razorbench.runner.run import launcher_rank_zero, train_and_evaluate

    overrides = config_overrides(args, seed=args.seed, model=args.model)
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
        print_record(record, path)


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
