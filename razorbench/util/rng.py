"""Work that must not change what training draws: every global random stream (Python's, NumPy's, torch's CPU one
and, where present, CUDA's) is as it was afterwards.

A run's base evaluation and its methods' draws from π0 are read from a cache when an earlier run made them. Anything
they take from a global stream (a library drawing an id with `random.choices`, say) would then be taken in one run
and not in another, and the same configuration would train differently by whether the cache was warm: a rerun could
not reproduce its record.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch


@contextmanager
def streams_untouched() -> Iterator[None]:
    """Run the body, then put every global random stream back where it was."""
    python, numpy = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            random.setstate(python)
            np.random.set_state(numpy)
