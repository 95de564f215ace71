"""`razorbench sweep`: a hyperparameter grid (x seeds) as separate, resumable runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="run a hyperparameter grid (x seeds) as separate, resumable runs")
    sweep.add_argument("--method", required=True)
    sweep.add_argument("--task", required=True)
    sweep.add_argument("--track", help="a registered track (default: the default track)")
    sweep.add_argument("--grid", action="append", default=[], metavar="key=v1,v2", help="repeatable")
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per grid point (0, 1, ... N-1)")
    sweep.add_argument("--output-dir", default="runs", help="parent of the sweep folder")
    sweep.add_argument("--sweep-id", help="sweep folder name (default: <track>-<task>-<method>)")
    sweep.add_argument("--config", help="a YAML file of config keys")
    sweep.add_argument("overrides", nargs="*", metavar="key=value", help="overrides for every run")
    sweep.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.api.registry import get_track
    from razorbench.cli.console import console
    from razorbench.runner.sweep import parse_grid, run_sweep

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
        overrides=list(args.overrides),
    )
    console.print(f"{len(paths)} runs in {sweep_dir}")
