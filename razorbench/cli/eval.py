"""`razorbench eval`: a checkpoint or PEFT adapter trained anywhere, measured against its base into a normal record."""

from __future__ import annotations

import argparse

from razorbench.cli.run_options import add_record_options, config_overrides, print_record


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "eval",
        help="measure checkpoints or PEFT adapters trained anywhere against their base (one record each)",
        description="Evaluate model folders or PEFT adapter folders against their base model: new-task accuracy, "
        "prior scores, forgetting, forward KL (exact and sampled-token estimates) and the other predictors, written "
        "as records of method 'external'. Several checkpoints give one record each and a trajectory.",
    )
    ev.add_argument("--model", required=True, nargs="+", metavar="PATH", help="model or PEFT adapter folder(s)")
    ev.add_argument("--task", required=True, help="the new task it was trained on (razorbench list tasks)")
    ev.add_argument(
        "--base", help="the base model folder (default: an adapter's own base, else the track's model; config: model)"
    )
    add_record_options(ev)
    ev.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from rich.table import Table

    from razorbench.cli.console import console, disable_progress_bars

    if args.no_progress:
        disable_progress_bars()  # before the libraries are imported (below)
    from razorbench.runner.checkpoint_eval import TRAJECTORY_METRICS, evaluate_checkpoints

    overrides = config_overrides(args)
    results, trajectory = evaluate_checkpoints(
        args.model,
        args.task,
        track=args.track,
        base=args.base,
        config_file=args.config,
        overrides=overrides,
        force=args.force,
    )
    for record, path in results:
        print_record(record, path)
    if trajectory:
        table = Table(title=f"trajectory ({len(results)} checkpoints)")
        for column in ("step", *TRAJECTORY_METRICS):
            table.add_column(column, justify="right")
        for record, _ in results:
            m = record["metrics"]
            values = [m.get(k) for k in TRAJECTORY_METRICS]
            table.add_row(str(record["model"]["step"]), *("" if v is None else f"{v:.4f}" for v in values))
        console.print(table)
        console.print(f"trajectory: {trajectory}")
