"""What every launcher executes for one sweep point: the run, or the base evaluation before the fan-out.

A `RunSpec` is plain data (picklable for submitit, Ray and the local worker processes). Run in a fresh process,
a point is one `train_and_evaluate` call; one that already has its record is collected, never run again.

The local launcher's worker processes `serve`: each runs the points it is sent one after another in one process
(the stack imported once, as in a sequential sweep), a run's output in its own log file.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
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
    from razorbench.runner.base_only import evaluate_base_model

    _enter(spec, threads)
    return evaluate_base_model(
        spec.method, spec.task, track=spec.track, config_file=spec.config_file, overrides=list(spec.overrides)
    )


def answer(spec: RunSpec, log: str, threads: int) -> str | None:
    """Run one point with its output in `log`: None when its record was written, else why not. A failed run is
    this point's failure, never the worker's: the worker serves the next point."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "a") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            run_point(spec, threads)
            reason = None if spec.record.exists() else "the run ended without a record"
        except Exception as e:
            first = str(e).splitlines()[0] if str(e) else ""
            reason = first if type(e).__name__ in ("RunFailure", "RunBusy") else f"{type(e).__name__}: {first}"
            print(f"razorbench: {reason}", file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    return reason


def serve(requests: Connection, threads: int, environ: dict[str, str]) -> None:
    """A local worker process: run the points received on `requests` (RunSpec, log path) one after another, each
    answered with its `answer`, until the sweep closes its end.

    Forked from the template process, which imported the stack before any torch computation (forking after one
    would leave libgomp's thread pool dead in the child); the environment is the sweep's now, not the template's at
    its start (an override set in between, e.g. a fault-injection variable, must reach the run)."""
    preloaded = "razorbench.runner.run" in sys.modules  # before anything here imports it
    os.environ.clear()
    os.environ.update({**environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})
    requests.send({"preloaded": preloaded})
    while True:
        try:
            spec, log = requests.recv()
        except EOFError:  # the sweep closed its end: no more points
            return
        requests.send({"reason": answer(spec, log, threads)})
