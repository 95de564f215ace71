"""What every launcher executes for one sweep point: the run, or the base evaluation before the fan-out.

A `RunSpec` is plain data (picklable for submitit and Ray, JSON for a local subprocess). Run in a fresh process,
a point is one `train_and_evaluate` call; one that already has its record is collected, never run again.

    python -m razorbench.launch.worker --serve [--threads N]   (the local launcher's worker processes)

A serving worker runs the points it is sent, one JSON line each on stdin ({"spec", "log"}), one after another in
one process (the stack is imported once, as in a sequential sweep), and answers each with one JSON line
({"reason": null} when the record was written, else why not). A run's output goes to its own log file.
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


def serve(threads: int) -> None:
    """Answer point requests on stdin until it closes; replies go to the original stdout, everything else to logs."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    for line in iter(sys.stdin.readline, ""):
        request = json.loads(line)
        spec = RunSpec.from_json(request["spec"])
        sys.stdout.flush()
        sys.stderr.flush()
        with open(request["log"], "a") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                run_point(spec, threads)
                reason = None if spec.record.exists() else "the run ended without a record"
            except Exception as e:  # a failed run is this point's failure, never the worker's: it serves the next
                first = str(e).splitlines()[0] if str(e) else ""
                reason = first if type(e).__name__ in ("RunFailure", "RunBusy") else f"{type(e).__name__}: {first}"
                print(f"razorbench: {reason}", file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
        replies.write(json.dumps({"reason": reason}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m razorbench.launch.worker")
    parser.add_argument("--serve", action="store_true", help="run the points sent on stdin (JSON lines)")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    serve(args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
