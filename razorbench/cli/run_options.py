"""What `razorbench run` and `razorbench eval` share, declared once: the options of a measured record (its track,
data, folder, config, `--force`, `--no-progress`, the `key=value` overrides), the config overrides they stand for,
and the lines that report a record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """The options both commands take, after their own (`--method`, `--task`, `--model`, ...)."""
    parser.add_argument("--track", help="a registered track (razorbench list tracks; default: the default track)")
    parser.add_argument("--data-dir", help="local copies of the task's data (config key: task.data_dir)")
    parser.add_argument("--output-dir", help="where <run-id>/ goes (config key: output_dir; default: runs)")
    parser.add_argument("--run-id", help="name of the record's (or sequence's) folder (config key: run_id)")
    parser.add_argument("--config", help="a YAML file of config keys, merged after the track, task and method YAML")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (logs and CI)")
    parser.add_argument(
        "--force", action="store_true", help="redo what already has a record (or was begun with another config)"
    )
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. eval.kl_prompts=50")


def config_overrides(args: argparse.Namespace, **flags: Any) -> list[str]:
    """The options given, as `key=value` config overrides (the command's own `flags` first: config key -> value),
    then the command line's own overrides in their order."""
    flags = {**flags, "output_dir": args.output_dir, "run_id": args.run_id, "task.data_dir": args.data_dir}
    return [f"{k}={v}" for k, v in flags.items() if v is not None] + list(args.overrides)


def print_record(record: dict[str, Any], path: Path) -> None:
    """A record's summary table, its wall time by phase, its priors' seconds and where it is."""
    from razorbench.cli.console import console
    from razorbench.runner.record_schema import prior_seconds_line, summary_table

    console.print(summary_table(record))
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in record["provenance"]["timings"].items())
    console.print(f"wall {record['provenance']['wall_seconds']:.1f}s ({timings})")
    if line := prior_seconds_line(record):
        console.print(line)
    console.print(f"record: {path}")
