"""The local launcher: `launcher.parallel` runs at once on this machine, the CPU threads divided among them.

Runs execute in `parallel` worker processes (`python -m razorbench.launch.worker --serve`), each taking the next
point when its run ends, so the stack's start-up (seconds: torch, transformers, Lightning) is paid once per
worker, not per run. A run that crashes or is killed ends its worker only: the point is recorded failed in the
sweep folder (to be resumed on the next collect), a fresh worker takes the next point, and the others go on.
Workers do not share torch's thread pool: each gets `launcher.threads_per_run` threads (default: the cores this
process may use, divided by `parallel`), set before torch starts (OMP_NUM_THREADS) and again by the worker.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from razorbench.launch.config import LauncherConfig
from razorbench.launch.state import LAUNCH_DIR, write_launch_entry
from razorbench.launch.worker import RunSpec, evaluate_base


def cpu_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_run(cfg: LauncherConfig) -> int:
    return cfg.threads_per_run or max(1, cpu_cores() // cfg.parallel)


def _exit_reason(code: int, log: Path) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"worker process killed by {name} (log: {log})"
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()] if log.exists() else []
    return f"worker process exited with status {code}: {lines[-1] if lines else 'no output'} (log: {log})"


class _Worker:
    """One serving worker process; started again when the previous one died."""

    def __init__(self, threads: int, cwd: str) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        command = [sys.executable, "-m", "razorbench.launch.worker", "--serve", "--threads", str(threads)]
        # stderr before a run's log is opened (import errors) goes to the sweep's own stderr.
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd
        )

    def run(self, spec: RunSpec, log: Path) -> str | None:
        """Send one point and wait for its answer: None when its record was written, else why not."""
        try:
            self.process.stdin.write(json.dumps({"spec": spec.to_json(), "log": str(log)}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if line:
            return json.loads(line)["reason"]
        return _exit_reason(self.process.wait(), log)  # the worker died during the run

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive():
            self.process.stdin.close()
            self.process.wait()


def launch_local(
    specs: list[RunSpec],
    base: list[RunSpec],
    cfg: LauncherConfig,
    sweep_dir_of: Callable[[RunSpec], Path],
    on_end: Callable[[RunSpec, str | None], None],
) -> None:
    """The base evaluations here (every core), then `specs` `cfg.parallel` at a time; `on_end(spec, reason)` after
    each (reason None: its record was written)."""
    import torch

    threads = threads_per_run(cfg)
    before = torch.get_num_threads()
    torch.set_num_threads(min(cpu_cores(), threads * cfg.parallel))
    try:
        for spec in base:
            evaluate_base(spec)
    finally:
        torch.set_num_threads(before)
    todo: queue.SimpleQueue[RunSpec] = queue.SimpleQueue()
    for spec in specs:
        todo.put(spec)
        write_launch_entry(
            sweep_dir_of(spec),
            spec.run_id,
            launcher="local",
            job=None,
            pid=None,
            submitted=time.time(),
            ended=None,
            reason=None,
        )

    def serve_queue() -> None:
        worker: _Worker | None = None
        try:
            while True:
                try:
                    spec = todo.get_nowait()
                except queue.Empty:
                    return
                sweep_dir = sweep_dir_of(spec)
                log = sweep_dir / LAUNCH_DIR / f"{spec.run_id}.log"
                if worker is None or not worker.alive():
                    worker = _Worker(threads, spec.cwd)
                pid = worker.process.pid
                write_launch_entry(sweep_dir, spec.run_id, pid=pid, host=socket.gethostname(), log=str(log))
                reason = worker.run(spec, log)
                write_launch_entry(sweep_dir, spec.run_id, ended=time.time(), reason=reason)
                on_end(spec, reason)
        finally:
            if worker is not None:
                worker.close()

    for spec in specs:
        (sweep_dir_of(spec) / LAUNCH_DIR).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=cfg.parallel) as pool:  # threads only feed and wait on the workers
        for future in [pool.submit(serve_queue) for _ in range(min(cfg.parallel, len(specs)))]:
            future.result()
