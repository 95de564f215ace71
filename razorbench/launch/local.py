"""The local launcher: `launcher.parallel` runs at once on this machine, the CPU threads divided among them.

Runs execute in `parallel` worker processes (`razorbench.launch.worker.serve`), each taking the next point when its
run ends, so the stack's start-up is paid once per worker, not per run. Workers are forked from one template
process (multiprocessing's forkserver) that imported the stack (torch, transformers, Lightning: ~9 CPU-seconds
here) once and computed nothing: a worker is ready in milliseconds, and the template's import overlaps the sweep's
own start-up when `start_worker_template` is called early (the sweep command does). Without forkserver (not
POSIX), workers are spawned and each imports the stack. A run that crashes or is killed ends its worker only: the
point is recorded failed in the sweep folder (to be resumed on the next collect), a fresh worker takes the next
point, and the others go on. Workers do not share torch's thread pool: each gets `launcher.threads_per_run` threads
(default: the cores this process may use, divided by `parallel`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from razorbench.launch.config import LauncherConfig
from razorbench.launch.launcher import OnEnd, Runs, SweepDirOf
from razorbench.launch.state import LAUNCH_DIR, write_ended, write_launch_entry, write_submitted
from razorbench.launch.worker import RunSpec, evaluate_base, serve

WORKER_STACK = ["razorbench.launch.worker", "razorbench.runner.run"]
"""What the template imports before forking workers: everything a run needs."""


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def start_worker_template() -> None:
    """Start the process local workers are forked from, importing the stack in the background (seconds); a no-op
    when it runs already, or where workers are spawned."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        context.set_forkserver_preload(WORKER_STACK)
        forkserver.ensure_running()


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

    def __init__(self, threads: int) -> None:
        self.connection, child = multiprocessing.Pipe()
        # Not a daemon: a run's checker pool and sandboxes are child processes of the worker.
        self.process = _context().Process(target=serve, args=(child, threads, dict(os.environ)))
        self.process.start()  # waits, the first time, until the template has imported the stack
        child.close()  # the worker's end lives in the worker only: its death reads as EOF here
        try:
            self.preloaded = self.connection.recv()["preloaded"]
        except EOFError:  # it died starting (its error is on the sweep's stderr): `run` says how it ended
            self.preloaded = False

    def run(self, spec: RunSpec, log: Path) -> str | None:
        """Send one point and wait for its answer: None when its record was written, else why not."""
        try:
            self.connection.send((spec, str(log)))
            return self.connection.recv()["reason"]
        except (EOFError, BrokenPipeError, ConnectionResetError):  # the worker died during the run
            self.process.join()
            return _exit_reason(self.process.exitcode, log)

    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self) -> None:
        self.connection.close()  # the worker reads EOF and returns
        self.process.join()


def launch_local(specs: Runs, base: Runs, cfg: LauncherConfig, sweep_dir_of: SweepDirOf, on_end: OnEnd) -> None:
    """The base evaluations here (every core), then `specs` `cfg.parallel` at a time; `on_end(spec, reason)` after
    each (reason None: its record was written)."""
    import torch

    start_worker_template()  # its import overlaps the base evaluation below, where the sweep did not start it yet
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
        write_submitted(sweep_dir_of(spec), spec.run_id, "local", None)

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
                    worker = _Worker(threads)
                write_launch_entry(
                    sweep_dir,
                    spec.run_id,
                    pid=worker.process.pid,
                    host=socket.gethostname(),
                    log=str(log),
                    worker="forked, stack preloaded" if worker.preloaded else "spawned, imports the stack",
                )
                reason = worker.run(spec, log)
                write_ended(sweep_dir, spec.run_id, reason)
                on_end(spec, reason)
        finally:
            if worker is not None:
                worker.close()

    for spec in specs:
        (sweep_dir_of(spec) / LAUNCH_DIR).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=cfg.parallel) as pool:  # threads only feed and wait on the workers
        for future in [pool.submit(serve_queue) for _ in range(min(cfg.parallel, len(specs)))]:
            future.result()
