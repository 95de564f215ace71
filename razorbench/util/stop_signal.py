"""SIGTERM as an exception: `timeout`, a scheduler's preemption or its time limit end a process with SIGTERM, whose
default action kills it on the spot, in the middle of a write and with its run folder saying "running". Within
`sigterm_raises()` the signal raises `RunInterrupted` in the main thread instead, so the code on the way out records
the interruption and releases what it holds.

Lightning's Trainer installs its own SIGTERM handler during `fit` and calls the one it found (this one) after its
own, so the exception also comes out of a run's training."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from razorbench.util.errors import RunInterrupted


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    # The clean-up the exception starts runs once: a second SIGTERM (a scheduler's repeat) must not cut it short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise RunInterrupted(signal.Signals(signum).name)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises `RunInterrupted`; the previous handler is restored on the way out. Outside
    the main thread (where Python delivers signals) it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
