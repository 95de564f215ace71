"""Calls with a deadline: one function over many items in worker processes, each call given at most `timeout`
seconds, so that no item can stall the caller and a slow item does not hold the others.

A checker is code run on what a policy wrote, and a policy under RL is optimised to write whatever the checker
accepts; some inputs make a checker slow (math-verify on `\\boxed{9^{9^{9^{9}}}}` compares for seconds), and
Python cannot interrupt a thread, nor a signal handler C code that does not return. A process can always be
killed. So `BoundedPool.map` hands the items to worker processes and kills a worker whose call has run past
`timeout` (its item is `TIMED_OUT`; the items it had not begun go to another worker). A call that raises, or
whose worker dies (a crash in C, an `os._exit`), gives `FAILED`, with the reason in `BoundedPool.last_error`.

Workers are forked from the caller where the platform allows (Linux, macOS): they start in milliseconds, with
the function and everything the caller has imported (the function need not pickle; only items and results
travel). They are started as a batch needs them and live until `close`. Items go out in chunks sized from the
measured time per call, so one worker serves cheap calls at a few microseconds of overhead each (more workers
would only add messages); when a call has run `spread_after` seconds, the items queued behind it are taken back,
and another worker is started while every live one is on such a call and items wait, up to `workers`. So one
slow item costs the batch at most `timeout` on one worker while the others go on, and the worst case for a
batch of N items is about ceil(N / workers) * timeout. A worker sends its answers in batches but counts each
finished call in memory it shares with the caller, so the caller always knows which call is running and since
when: the bound is per call, and a killed worker's finished but unsent answers are simply computed again.

The bound is CPU time where Linux's /proc tells it (a call may use `timeout` seconds of CPU), with a wall-clock
cap of `WALL_FACTOR` * `timeout` for a call that sleeps or waits: on a loaded machine an honest call that gets
a quarter of a core is not timed out, and no call holds its worker longer than the cap. Elsewhere the bound is
`timeout` seconds of wall time.

>>> pool = BoundedPool(abs, timeout=5.0)
>>> pool.map([-1, 2, -3])
[1, 2, 3]
>>> pool.close()
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any


class _Outcome:
    """A call that gave no value: the marker `map` returns in its place."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


TIMED_OUT = _Outcome("TIMED_OUT")
FAILED = _Outcome("FAILED")


def _die_with(parent: int) -> None:
    """Linux: have the kernel kill this worker when the process that forked it dies. A caller killed with SIGKILL
    (a job scheduler, a fault test) runs no clean-up, and its workers would live on, blocked on pipes that their
    sibling workers still hold open (and holding the caller's own stdout open for whoever waits on it)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no prctl here: `close` and the pool's finaliser still end them
            pass
    if os.getppid() != parent:  # the caller died before the line above took effect
        os._exit(0)


def _serve(function: Callable[[Any], Any], connection: Connection, progress: Any, parent: int) -> None:
    """A worker: receive chunks of (index, item) and call `function` on each item in order. After each call it
    writes (calls finished, when) into `progress` (shared memory) and sends its answers
    [(index, ok, value or traceback text, when it finished), ...] at the end of a chunk, or when it last sent
    `FLUSH_SECONDS` ago."""
    # A forked worker inherits its caller's signal handlers (a job scheduler's that ignores SIGTERM, a trainer's
    # that checkpoints on it): back to the defaults, so that terminating it ends it; Ctrl-C is the caller's.
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    finished = 0
    while True:
        try:
            chunk = connection.recv()
        except (EOFError, OSError):
            return
        answers: list[tuple[int, bool, Any, float]] = []
        flushed = time.monotonic()
        progress[2] = _cpu_now()
        for position, (index, item) in enumerate(chunk):
            try:
                ok, value = True, function(item)
            except BaseException:  # noqa: B036 - the worker reports whatever the function raised, SystemExit too
                ok, value = False, traceback.format_exc(limit=8)
            now = time.monotonic()
            finished += 1
            progress[2] = _cpu_now()  # the next call's start: written before the count, which the caller reads first
            progress[1], progress[0] = now, finished
            answers.append((index, ok, value, now))
            if position == len(chunk) - 1 or now - flushed >= FLUSH_SECONDS:
                try:
                    connection.send(answers)
                except Exception:  # a value that does not pickle: a failure of its item, not of the worker
                    connection.send([(i, *_pickles(ok, value), at) for i, ok, value, at in answers])
                answers, flushed = [], now


def _cpu_now() -> float:
    """This process's CPU seconds, in the clock ticks /proc/<pid>/stat counts too."""
    times = os.times()
    return times.user + times.system


def _cpu_of(pid: int) -> float | None:
    """CPU seconds process `pid` has used (Linux /proc), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def _pickles(ok: bool, value: Any) -> tuple[bool, Any]:
    try:
        pickle.dumps(value)
        return ok, value
    except Exception:
        return False, traceback.format_exc(limit=4)


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class _Worker:
    def __init__(self, context: Any, function: Callable[[Any], Any]) -> None:
        self.connection, child = context.Pipe()
        # Written by the worker: calls finished, when the last one finished, its CPU seconds when the next began.
        self.progress = context.RawArray("d", 3)
        self.process = context.Process(target=_serve, args=(function, child, self.progress, os.getpid()), daemon=True)
        with warnings.catch_warnings():  # Python >= 3.12 warns that forking a threaded process may deadlock
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process.start()
        child.close()
        self.sent: deque[int] = deque()  # indices sent and not answered yet, in the order it runs them
        self.sent_at = 0.0  # when the last chunk was sent (it was idle then)
        self.answered = 0  # answers received, all chunks together
        self.last_finished = 0.0  # when the call of its last answer finished
        self.used = False  # given items in the current map

    def current(self) -> tuple[int, float]:
        """(position in `sent` of the call running now, when it began). time.monotonic is one clock for all
        processes on Linux and macOS; the counter is written after the time, so a torn read errs late."""
        finished, at = int(self.progress[0]), self.progress[1]
        return finished - self.answered, max(at, self.sent_at)

    def cpu_used(self) -> float | None:
        """CPU seconds its current call has used so far (None where /proc cannot tell)."""
        now = _cpu_of(self.process.pid)
        return None if now is None else max(now - self.progress[2], 0.0)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


_UNSET = object()
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
WALL_FACTOR = 4  # a call is killed past `timeout` CPU seconds, or past WALL_FACTOR * `timeout` wall seconds
CHUNK_SECONDS = 0.002  # a chunk of items sent at once is sized to take about this long (one item at first)
MAX_CHUNK = 64
FLUSH_SECONDS = 0.001  # a worker sends its answers at least this often while it works through a chunk


class BoundedPool:
    """`function` applied to items in worker processes, each call given at most `timeout` seconds.

    Args:
        function: called as `function(item)` in a worker; with a forked worker it need not pickle.
        timeout: seconds one call may take; past it the worker is killed and the item is `TIMED_OUT`.
        workers: most workers at once (default: the CPUs this process may use).
        spread_after: a call running this long is "slow": the items queued behind it go back to the others,
            and another worker is started while every live one is on a slow call and items wait.
    """

    def __init__(
        self,
        function: Callable[[Any], Any],
        *,
        timeout: float,
        workers: int | None = None,
        spread_after: float = 0.01,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        self.function = function
        self.timeout = timeout
        self.max_workers = workers or default_workers()
        self.spread_after = spread_after
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._workers: list[_Worker] = []
        # Workers die with the pool, or at exit if nobody closed it (before multiprocessing's exit handler would
        # wait for them).
        self._finalizer = weakref.finalize(self, _kill_all, self._workers)
        self._item_seconds: float | None = None  # running mean time of one call, which sizes the chunks
        self.last_error: str | None = None
        self.workers_used = 0

    def map(self, items: Sequence[Any]) -> list[Any]:
        """`function(item)` for each item in order; `TIMED_OUT` or `FAILED` where a call did not return a value.

        An item belongs to one worker at a time: the items queued behind a slow call are taken back and given
        to another worker, and the slow worker's later answers for them are ignored."""
        self._results: list[Any] = [_UNSET] * len(items)
        self._owner: list[_Worker | None] = [None] * len(items)
        self._waiting = deque(range(len(items)))
        self._left = len(items)
        self.workers_used = 0  # workers that took part in this map (started or kept)
        while self._left:
            now = time.monotonic()
            for worker in [w for w in self._workers if w.sent]:
                position, began = worker.current()
                if self._left_to(worker, now) <= 0:
                    self._receive(worker)  # what it answered since the last look
                    position, began = worker.current()
                    if worker in self._workers and position < len(worker.sent) and self._left_to(worker, now) <= 0:
                        self._settle(worker.sent[position], worker, TIMED_OUT)  # ran past the bound
                        self._drop(worker)
                elif now - began >= self.spread_after:
                    self._take_back(worker, keep=position + 1)
            idle = [w for w in self._workers if not w.sent]
            if self._waiting and not idle and len(self._workers) < self.max_workers:
                if all(now - w.current()[1] >= self.spread_after for w in self._workers):
                    idle.append(self._start())
            for worker in idle:
                if self._waiting:
                    self._give(worker, items)
            busy = [w for w in self._workers if w.sent]
            if not busy:
                continue
            now = time.monotonic()
            pause = min(self._left_to(w, now) for w in busy)
            if self._waiting or any(len(w.sent) > 1 for w in busy):
                pause = min(pause, self.spread_after)
            for connection in wait([w.connection for w in busy], timeout=max(pause, 0.0)):
                self._receive(next(w for w in busy if w.connection is connection))
        for worker in self._workers:
            worker.used = False
        for worker in [w for w in self._workers if w.sent]:
            self._drop(worker)  # still on items taken back from it: it would answer them in the next map
        results = self._results
        del self._results, self._owner, self._waiting
        return results

    def _left_to(self, worker: _Worker, now: float) -> float:
        """Seconds before `worker`'s current call has used its bound (<= 0: it has): `timeout` seconds of CPU
        where /proc tells (so a loaded machine does not time out an honest call), and `WALL_FACTOR` * `timeout`
        seconds of wall time in any case (a call that sleeps or waits uses no CPU)."""
        wall = now - worker.current()[1]
        if wall < self.timeout:
            return self.timeout - wall  # a call cannot use CPU faster than time passes
        cpu = worker.cpu_used()
        if cpu is None:
            return self.timeout - wall
        return min(self.timeout - cpu, WALL_FACTOR * self.timeout - wall)

    def _give(self, worker: _Worker, items: Sequence[Any]) -> None:
        """Send `worker` (idle) the next chunk of waiting items."""
        per_item = self._item_seconds
        size = 1 if per_item is None else max(1, min(MAX_CHUNK, int(CHUNK_SECONDS / max(per_item, 1e-7))))
        size = min(size, -(-len(self._waiting) // len(self._workers)))
        chunk = [self._waiting.popleft() for _ in range(size)]
        try:
            worker.connection.send([(i, items[i]) for i in chunk])
        except (BrokenPipeError, ConnectionError, EOFError):  # it died since the last call: its items wait again
            self._waiting.extendleft(reversed(chunk))
            self._drop(worker)
            return
        except Exception:  # an item that does not pickle (spawned workers only): those items fail
            reason = traceback.format_exc(limit=4)
            for i in chunk:
                self._settle(i, None, self._failed(reason))
            return
        for i in chunk:
            self._owner[i] = worker
        if not worker.used:
            worker.used, self.workers_used = True, self.workers_used + 1
        worker.sent.extend(chunk)
        worker.sent_at = time.monotonic()

    def _receive(self, worker: _Worker) -> None:
        """Read every answer `worker` has sent; a worker that died fails the call it was running."""
        try:
            while worker.connection.poll():
                for index, ok, value, finished in worker.connection.recv():
                    if not worker.sent or worker.sent[0] != index:
                        raise EOFError(f"answer for item {index} out of order")  # cannot happen: as if it died
                    worker.sent.popleft()
                    worker.answered += 1
                    seconds = max(finished - max(worker.last_finished, worker.sent_at), 0.0)
                    mean = self._item_seconds
                    self._item_seconds = seconds if mean is None else 0.8 * mean + 0.2 * seconds
                    worker.last_finished = finished
                    self._settle(index, worker, value if ok else self._failed(value))
        except (EOFError, OSError):
            position, _ = worker.current()
            if position < len(worker.sent):
                code = self._exit_code(worker)
                self._settle(worker.sent[position], worker, self._failed(f"the worker died (exit code {code})"))
            self._drop(worker)

    def _settle(self, index: int, worker: _Worker | None, value: Any) -> None:
        """Record item `index`'s outcome, if `worker` owns it (None: the caller does)."""
        if self._results[index] is _UNSET and self._owner[index] is worker:
            self._results[index] = value
            self._left -= 1

    def _take_back(self, worker: _Worker, keep: int) -> None:
        """Put the items `worker` owns, past the first `keep` in its queue, back in front of the waiting ones."""
        taken = [i for i in list(worker.sent)[keep:] if self._owner[i] is worker and self._results[i] is _UNSET]
        for i in taken:
            self._owner[i] = None
        self._waiting.extendleft(reversed(taken))

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.function)
        self._workers.append(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        """Kill `worker`; the items it owned and had not answered wait again (finished ones are redone)."""
        if hasattr(self, "_owner"):
            self._take_back(worker, keep=0)
        worker.kill()
        self._workers.remove(worker)

    def _failed(self, reason: str) -> _Outcome:
        self.last_error = reason
        return FAILED

    @staticmethod
    def _exit_code(worker: _Worker) -> int | None:
        worker.process.join(timeout=1.0)
        return worker.process.exitcode

    @property
    def live_workers(self) -> int:
        return len(self._workers)

    def close(self) -> None:
        """Stop every worker (a later `map` starts new ones)."""
        _kill_all(self._workers)


def _kill_all(workers: list[_Worker]) -> None:
    for worker in workers:
        try:
            worker.kill()
        except Exception:  # at exit: what is already gone stays gone
            pass
    workers.clear()
