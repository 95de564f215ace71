"""Fault points: named places where the kill tests stop a process with SIGKILL."""

from __future__ import annotations

import os
import signal

FAULT_ENV = "RAZORBENCH_KILL_AT"


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when RAZORBENCH_KILL_AT names this point: the kill tests use it to stop
    a run exactly during base evaluation, training, final evaluation or the record write. A no-op otherwise."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
