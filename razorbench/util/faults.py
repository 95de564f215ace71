"""Fault points: named places where the kill tests stop a process with SIGKILL, or where the signal tests hold it
(`RAZORBENCH_PAUSE_AT`) until they send it a signal of their own."""

from __future__ import annotations

import os
import signal
import sys
import time

FAULT_ENV = "RAZORBENCH_KILL_AT"
# Set by a process that runs the same code several times (a sequence's stages): "stage-2" lets a test kill it at
# "stage-2/training" only, not at the first stage's training.
SCOPE_ENV = "RAZORBENCH_FAULT_SCOPE"
PAUSE_ENV = "RAZORBENCH_PAUSE_AT"
PAUSED = "razorbench: paused at fault point"  # the line a paused process writes to stderr


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when RAZORBENCH_KILL_AT names this point (`name`, or `scope/name` within the
    scope RAZORBENCH_FAULT_SCOPE names): the kill tests use it to stop a run exactly during base evaluation,
    training, final evaluation or the record write. Sleep instead when RAZORBENCH_PAUSE_AT names it. A no-op
    otherwise."""
    if _named(os.environ.get(FAULT_ENV), name):
        os.kill(os.getpid(), signal.SIGKILL)
    if _named(os.environ.get(PAUSE_ENV), name):
        # Held here until a signal ends the process: a test sends it once it has read this line.
        print(f"{PAUSED} {name}", file=sys.stderr, flush=True)
        time.sleep(600)


def _named(wanted: str | None, name: str) -> bool:
    scope = os.environ.get(SCOPE_ENV)
    return wanted is not None and (wanted == name or (scope is not None and wanted == f"{scope}/{name}"))
