"""A task's checker run over a batch of responses, each response given a bounded time (`Task.check_timeout`).

Every place that scores what a policy wrote (the RL rewards, new-task accuracy, the tiny track's prior scores,
the offline methods' rejection sampling, the learning curve) goes through `Task.rewards` / `Task.check_all`,
which use one `BoundedChecker` per task object: the task's own `check` / `reward`, called in worker processes
by `razorbench.util.deadline_pool.BoundedPool`. A response whose check runs past the bound, or on which the checker
raises or dies, is wrong, and counted here; the run writes the counts into its record
(`method_stats.checker`).
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Sequence
from typing import Any, Protocol

from razorbench.util.deadline_pool import FAILED, TIMED_OUT, BoundedPool


class Task(Protocol):
    """What the checker needs of a task (`razorbench.api.task.Task` is one): named here, not imported, so that
    task.py, which makes a task's checker, and this module do not import each other."""

    name: str
    check_timeout: float

    def prepare_checker(self) -> None: ...


Example = Any  # a task's example (`razorbench.api.task.Example`), passed through to its check / reward


def _call(task: Task, item: tuple[str, str, Example]) -> Any:
    method, response, example = item
    return getattr(task, method)(response, example)


class BoundedChecker:
    """`task.check` / `task.reward` over batches, `task.check_timeout` seconds at most per response."""

    def __init__(self, task: Task, *, timeout: float | None = None, workers: int | None = None) -> None:
        self.task = task
        self.timeout = timeout if timeout is not None else task.check_timeout
        self.pool = BoundedPool(functools.partial(_call, task), timeout=self.timeout, workers=workers)
        self.responses = self.timeouts = self.failures = 0
        self.seconds = 0.0
        self._prepared = self._warned = False

    def __call__(self, method: str, responses: Sequence[str], examples: Sequence[Example], wrong: Any) -> list[Any]:
        """`task.<method>(response, example)` of each pair; `wrong` where the check timed out or failed."""
        if len(responses) != len(examples):
            raise ValueError(f"{len(responses)} responses for {len(examples)} examples")
        if not self._prepared:
            self.task.prepare_checker()  # in this process, so the forked workers start with it done
            self._prepared = True
        began = time.perf_counter()
        values = self.pool.map([(method, r, e) for r, e in zip(responses, examples, strict=True)])
        self.seconds += time.perf_counter() - began
        self.responses += len(values)
        self.timeouts += sum(v is TIMED_OUT for v in values)
        failures = sum(v is FAILED for v in values)
        if failures and not self._warned:
            reason = (self.pool.last_error or "").strip().splitlines()[-1:] or ["?"]
            message = f"task {self.task.name!r}: the checker failed on a response, counted wrong: {reason[0]}"
            warnings.warn(message, stacklevel=3)
            self._warned = True
        self.failures += failures
        return [wrong if v is TIMED_OUT or v is FAILED else v for v in values]

    def stats(self) -> dict[str, Any]:
        """What the record keeps: responses checked, how many ran past the bound or failed, the bound, the time."""
        return {
            "responses": self.responses,
            "timeouts": self.timeouts,
            "failures": self.failures,
            "timeout_seconds": self.timeout,
            "seconds": round(self.seconds, 3),
        }

    def reset(self) -> None:
        """Start the counts over (one record per checkpoint when several are evaluated in one process)."""
        self.responses = self.timeouts = self.failures = 0
        self.seconds = 0.0

    def close(self) -> None:
        self.pool.close()
