"""What every launcher executes for one sweep point: the run, or the base evaluation before the fan-out.

A `RunSpec` is plain data (picklable for submitit and Ray, JSON for a local subprocess). Run in a fresh process,
a point is one `train_and_evaluate` call; one that already has its record is collected, never run again.

    python -m razorbench.launch.worker SPEC.json [--threads N] [--base]   (the local launcher's subprocesses)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BUSY_RETRIES = 3  # a status probe holds a run's lock for an instant: a run starting just then tries again


@dataclass(frozen=True)
class RunSpec:
    method: str
    task: str
    track: str
    config_file: str | None
    overrides: tuple[str, ...]
    """Every run override, the point's own (seed, output_dir, run_id) included."""
    run_dir: str
    cwd: str
    """The sweep command's working directory: relative paths in overrides mean the same on every worker."""

    @property
    def run_id(self) -> str:
        return Path(self.run_dir).name

    @property
    def record(self) -> Path:
        return Path(self.run_dir) / "record.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        data = json.loads(text)
        return cls(**{**data, "overrides": tuple(data["overrides"])})


def _enter(spec: RunSpec, threads: int) -> None:
    if os.path.isdir(spec.cwd):
        os.chdir(spec.cwd)
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


def run_point(spec: RunSpec, threads: int = 0) -> str:
    """Run one point (resuming its checkpoint if a killed attempt left one); returns its record path."""
    from razorbench.runner.run import train_and_evaluate
    from razorbench.util.errors import RunBusy

    _enter(spec, threads)
    for attempt in range(BUSY_RETRIES):
        if spec.record.exists():
            return str(spec.record)
        try:
            _, path = train_and_evaluate(
                spec.method,
                spec.task,
                track=spec.track,
                config_file=spec.config_file,
                overrides=list(spec.overrides),
                progress=False,
            )
            return str(path)
        except RunBusy:
            if attempt == BUSY_RETRIES - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def evaluate_base(spec: RunSpec, threads: int = 0) -> bool:
    """The base evaluation of `spec`'s config into the shared cache; whether it was cached already."""
    from razorbench.runner.run import evaluate_base_model

    _enter(spec, threads)
    return evaluate_base_model(
        spec.method, spec.task, track=spec.track, config_file=spec.config_file, overrides=list(spec.overrides)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m razorbench.launch.worker")
    parser.add_argument("spec", help="a RunSpec as JSON, in a file")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--base", action="store_true", help="only the base evaluation, into the cache")
    args = parser.parse_args(argv)
    spec = RunSpec.from_json(Path(args.spec).read_text())
    from razorbench.util.errors import ConfigError, RunBusy, RunFailure, UsageError

    try:
        if args.base:
            evaluate_base(spec, args.threads)
        else:
            run_point(spec, args.threads)
    except (ConfigError, UsageError, RunBusy, RunFailure) as e:
        print(f"razorbench: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
