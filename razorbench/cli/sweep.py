"""`razorbench sweep`: a hyperparameter grid (x seeds) as separate, resumable runs, on a launcher of choice;
`razorbench sweep --status DIR`: what each run of a sweep folder is now."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="run a hyperparameter grid (x seeds) as separate, resumable runs")
    sweep.add_argument("--method", help="a registered method (required unless --status)")
    sweep.add_argument("--task", help="a new task of the track (required unless --status)")
    sweep.add_argument("--track", help="a registered track (default: the default track)")
    sweep.add_argument("--grid", action="append", default=[], metavar="key=v1,v2", help="repeatable")
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per grid point (0, 1, ... N-1)")
    sweep.add_argument("--output-dir", default="runs", help="parent of the sweep folder")
    sweep.add_argument("--sweep-id", help="sweep folder name (default: <track>-<task>-<method>)")
    sweep.add_argument("--config", help="a YAML file of config keys (its launcher: section configures the launcher)")
    sweep.add_argument(
        "--launcher", choices=("local", "slurm", "ray"), help="where runs execute (config key: launcher.name)"
    )
    sweep.add_argument("--status", metavar="DIR", help="show done / running / failed / pending runs of a sweep folder")
    sweep.add_argument(
        "overrides", nargs="*", metavar="key=value", help="overrides for every run, and launcher.key=value"
    )
    sweep.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from razorbench.util.errors import UsageError

    if args.status:
        return show_status(Path(args.status))
    if not args.method or not args.task:
        raise UsageError("razorbench sweep needs --method and --task (or --status DIR)")
    from razorbench.api.registry import get_track
    from razorbench.cli.console import console
    from razorbench.launch.config import config_file_launcher, launcher_config, split_launcher_overrides
    from razorbench.launch.sweep import parse_grid, run_sweep

    run_overrides, launcher_overrides = split_launcher_overrides(list(args.overrides))
    launcher = launcher_config(args.launcher, config_file_launcher(args.config), launcher_overrides)
    if launcher.name == "local" and launcher.parallel > 1:
        from razorbench.launch.local import start_worker_template

        start_worker_template()  # it imports the stack for the workers while this process resolves the sweep
    track = get_track(args.track).name
    sweep_dir = Path(args.output_dir) / (args.sweep_id or f"{track}-{args.task}-{args.method}")
    paths = run_sweep(
        args.method,
        args.task,
        parse_grid(args.grid),
        seeds=args.seeds,
        sweep_dir=sweep_dir,
        track=track,
        config_file=args.config,
        overrides=run_overrides,
        launcher=launcher,
    )
    done = sum(p.exists() for p in paths)
    console.print(f"{done} of {len(paths)} runs done in {sweep_dir}")
    if done < len(paths):
        console.print(f"the others are queued: `razorbench sweep --status {sweep_dir}`")
    return 0


def show_status(sweep_dir: Path) -> int:
    from rich.table import Table

    from razorbench.cli.console import console
    from razorbench.launch.state import STATES, sweep_state
    from razorbench.util.errors import UsageError

    if not (sweep_dir / "sweep.json").is_file():
        raise UsageError(f"{str(sweep_dir)!r} is not a sweep folder (no sweep.json)")
    states = sweep_state(sweep_dir)
    table = Table(title=f"sweep {sweep_dir}")
    for column in ("run", "state", "reason"):
        table.add_column(column, overflow="fold")
    for s in states:
        table.add_row(s.run_id, s.state, s.reason)
    console.print(table)
    counts = {name: sum(s.state == name for s in states) for name in STATES}
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" of {len(states)}")
    return 0
