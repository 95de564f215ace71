"""BoundedPool: each call at most `timeout` seconds, a slow call holds no other, a dying or raising call fails
alone, and cheap calls stay cheap."""

from __future__ import annotations

import os
import time

import pytest

from razorbench.util.deadline_pool import FAILED, TIMED_OUT, WALL_FACTOR, BoundedPool


def behave(item):
    """What the test items ask the worker to do."""
    if item == "sleep":
        time.sleep(60)
    if item == "spin":  # busy in Python: no signal handler of the item's own would help the caller
        while True:
            pass
    if item == "regex":  # stuck in C (the re module does not check for signals while it backtracks)
        import re

        re.fullmatch(r"(a+)+b", "a" * 40)
    if item == "die":
        os._exit(3)
    if item == "raise":
        raise ValueError("boom")
    if item == "slow":
        time.sleep(0.3)
    return item.upper()


@pytest.fixture
def pool():
    pool = BoundedPool(behave, timeout=1.0, workers=2)
    yield pool
    pool.close()


def test_values_in_order_and_workers_kept(pool):
    assert pool.map(["a", "b", "c"]) == ["A", "B", "C"]
    assert pool.map([]) == []
    assert pool.map([str(i) for i in range(500)]) == [str(i) for i in range(500)]


def test_cheap_calls_do_not_spread_over_every_worker():
    pool = BoundedPool(behave, timeout=1.0, workers=8)
    try:
        for _ in range(5):
            pool.map(["x"] * 2000)
        assert pool.live_workers < 8  # one or two: a chunk of cheap calls is never slow enough to spread
    finally:
        pool.close()


@pytest.mark.parametrize("stuck", ["sleep", "spin", "regex"])
def test_a_stuck_call_times_out_alone_and_holds_nothing(pool, stuck):
    items = ["a"] * 20 + [stuck] + ["b"] * 200 + ["slow"] + ["c"] * 20
    began = time.monotonic()
    results = pool.map(items)
    elapsed = time.monotonic() - began
    assert results == [TIMED_OUT if i == stuck else i.upper() for i in items]
    # The stuck call costs its bound on one worker (1 s of CPU, or 4 s of wall time for one that sleeps); the
    # other worker did the rest meanwhile.
    assert elapsed < WALL_FACTOR * 1.0 + 2.0, elapsed
    assert pool.map(["after"]) == ["AFTER"]  # a fresh worker took over


def test_a_raising_or_dying_call_fails_alone(pool):
    items = ["a"] * 30 + ["raise"] + ["b"] * 30 + ["die"] + ["c"] * 30
    results = pool.map(items)
    assert results == [FAILED if i in ("raise", "die") else i.upper() for i in items]
    assert "exit code 3" in pool.last_error or "ValueError" in pool.last_error


def test_worst_case_is_about_ceil_n_over_workers_times_the_bound():
    pool = BoundedPool(behave, timeout=0.5, workers=2)
    try:
        began = time.monotonic()
        results = pool.map(["spin"] * 4 + ["a"])
        elapsed = time.monotonic() - began
        cpu_bound = time.monotonic() - began
        began = time.monotonic()
        assert pool.map(["sleep"] * 2) == [TIMED_OUT] * 2  # no CPU used: the wall-clock cap ends them
        sleeping = time.monotonic() - began
    finally:
        pool.close()
    assert results == [TIMED_OUT] * 4 + ["A"]
    # ceil(4 / 2) calls of 0.5 CPU seconds each on a worker: at least 1 s, at most the wall-clock cap for both.
    assert 2 * 0.5 <= elapsed < 2 * WALL_FACTOR * 0.5 + 1.5, cpu_bound
    assert WALL_FACTOR * 0.5 <= sleeping < WALL_FACTOR * 0.5 + 1.5, sleeping


def test_the_bound_is_cpu_time_so_a_loaded_machine_does_not_time_out_an_honest_call():
    # Two workers' worth of competing busy processes on this machine's CPUs: each call below needs 0.3 s of CPU,
    # under a 0.5 s bound, and gets less than a whole core; none may time out.
    import multiprocessing

    hogs = [multiprocessing.get_context("fork").Process(target=behave, args=("spin",), daemon=True)
            for _ in range(2 * (os.cpu_count() or 1))]  # fmt: skip
    for hog in hogs:
        hog.start()
    pool = BoundedPool(burn, timeout=0.5, workers=1)
    try:
        assert pool.map([0.3] * 3) == [0.3] * 3
    finally:
        pool.close()
        for hog in hogs:
            hog.kill()
            hog.join()


def burn(seconds: float) -> float:
    """Use `seconds` of CPU time."""
    began = time.process_time()
    while time.process_time() - began < seconds:
        pass
    return seconds


def test_cheap_calls_cost_little(pool):
    items = ["x"] * 2000
    pool.map(items[:10])  # the worker started
    began = time.perf_counter()
    assert pool.map(items) == ["X"] * 2000
    per_item = (time.perf_counter() - began) / len(items)
    assert per_item < 500e-6, per_item  # tens of microseconds measured (bench/checkers.py); generous on a loaded CI


def test_refuses_a_non_positive_bound():
    with pytest.raises(ValueError, match="positive"):
        BoundedPool(behave, timeout=0)


def _alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="reads /proc")
def test_a_pool_dropped_without_close_takes_its_workers_with_it():
    import gc

    pool = BoundedPool(behave, timeout=1.0, workers=1)
    assert pool.map(["a"]) == ["A"]
    pids = [w.process.pid for w in pool._workers]
    assert pids and all(_alive(p) for p in pids)
    del pool
    gc.collect()
    assert not any(_alive(p) for p in pids)


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="reads /proc")
def test_a_worker_ends_on_sigterm_even_when_its_caller_ignores_it():
    import signal

    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # e.g. a scheduler's or trainer's handler
    try:
        pool = BoundedPool(behave, timeout=1.0, workers=1)
        assert pool.map(["a"]) == ["A"]
        worker = pool._workers[0].process
        os.kill(worker.pid, signal.SIGTERM)
        worker.join(5)
        assert worker.exitcode == -signal.SIGTERM
        pool.close()
    finally:
        signal.signal(signal.SIGTERM, before)


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="Linux: the kernel's parent-death signal")
def test_workers_die_with_a_caller_killed_by_sigkill(tmp_path):
    import signal
    import subprocess
    import sys

    # A caller that starts a worker, writes its pid, and waits to be killed (no clean-up of its own can run).
    script = (
        "import sys, time\n"
        "from razorbench.util.deadline_pool import BoundedPool\n"
        "pool = BoundedPool(time.sleep, timeout=5.0, workers=2)\n"
        "pool.map([0.2] * 4)\n"  # slow items: a second worker starts, holding the first one's pipe too
        "print(*[w.process.pid for w in pool._workers], flush=True)\n"
        "time.sleep(60)\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in caller.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(w) for w in workers)
    caller.send_signal(signal.SIGKILL)
    caller.wait(10)
    deadline = time.time() + 10
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.05)
    for worker in workers:
        status = open(f"/proc/{worker}/stat").read().split(")")[1].split()[0] if _alive(worker) else "gone"
        assert status in ("gone", "Z"), status  # dead (a zombie until init reaps it)
