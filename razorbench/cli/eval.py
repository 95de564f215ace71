"""`razorbench eval`: a checkpoint or PEFT adapter trained anywhere, measured against its base into a normal record."""

from __future__ import annotations

import argparse


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
    ev.add_argument("--track", help="a registered track (default: the default track)")
    ev.add_argument("--data-dir", help="local copies of the task's data (config key: task.data_dir)")
    ev.add_argument("--output-dir", help="where <run-id>/ goes (config key: output_dir)")
    ev.add_argument("--run-id", help="name of the record's folder (config key: run_id)")
    ev.add_argument("--config", help="a YAML file of config keys (eval.*, sampling.*, task.*)")
    ev.add_argument("--force", action="store_true", help="redo a checkpoint that already has a record")
    ev.add_argument("--no-progress", action="store_true", help="no progress bars (logs and CI)")
    ev.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. eval.kl_prompts=50")
    ev.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from rich.table import Table

    from razorbench.cli.console import console, disable_progress_bars

    if args.no_progress:
        disable_progress_bars()  # before the libraries are imported (below)
    from razorbench.runner.checkpoint_eval import TRAJECTORY_METRICS, evaluate_checkpoints
    from razorbench.runner.record_schema import prior_seconds_line, summary_table

    flags = {"output_dir": args.output_dir, "run_id": args.run_id, "task.data_dir": args.data_dir}
    overrides = [f"{k}={v}" for k, v in flags.items() if v is not None] + list(args.overrides)
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
        console.print(summary_table(record))
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in record["provenance"]["timings"].items())
        console.print(f"wall {record['provenance']['wall_seconds']:.1f}s ({timings})")
        if line := prior_seconds_line(record):
            console.print(line)
        console.print(f"record: {path}")
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
