"""Fault points: named places where the kill tests stop a process with SIGKILL."""

from __future__ import annotations

import os
import signal

FAULT_ENV = "RAZORBENCH_KILL_AT"
# Set by a process that runs the same code several times (a sequence's stages): "stage-2" lets a test kill it at
# "stage-2/training" only, not at the first stage's training.
SCOPE_ENV = "RAZORBENCH_FAULT_SCOPE"


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when RAZORBENCH_KILL_AT names this point (`name`, or `scope/name` within the
    scope RAZORBENCH_FAULT_SCOPE names): the kill tests use it to stop a run exactly during base evaluation,
    training, final evaluation or the record write. A no-op otherwise."""
    wanted = os.environ.get(FAULT_ENV)
    if wanted is None:
        return
    scope = os.environ.get(SCOPE_ENV)
    if wanted == name or (scope is not None and wanted == f"{scope}/{name}"):
        os.kill(os.getpid(), signal.SIGKILL)
