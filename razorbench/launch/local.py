"""The local launcher: `launcher.parallel` runs at once on this machine, the CPU threads divided among them.

Each run is its own process (`python -m razorbench.launch.worker`), so a run that crashes or is killed ends that
process only: the others go on, and the sweep folder records it as failed, to be resumed on the next collect.
Runs do not share torch's thread pool: each gets `launcher.threads_per_run` threads (default: the cores this
process may use, divided by `parallel`), set before torch starts (OMP_NUM_THREADS) and again by the worker.
"""

from __future__ import annotations

import os
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


def _run_one(spec: RunSpec, sweep_dir: Path, threads: int) -> str | None:
    """One point in its own process; None when it wrote its record, else why not."""
    folder = sweep_dir / LAUNCH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    spec_file = folder / f"{spec.run_id}.spec.json"
    spec_file.write_text(spec.to_json())
    log = folder / f"{spec.run_id}.log"
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    command = [sys.executable, "-m", "razorbench.launch.worker", str(spec_file), "--threads", str(threads)]
    with open(log, "a") as out:
        out.write(f"--- attempt at {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(command)}\n")
        out.flush()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=spec.cwd)
        write_launch_entry(sweep_dir, spec.run_id, pid=process.pid, host=socket.gethostname(), log=str(log))
        code = process.wait()
    if code == 0 and spec.record.exists():
        return None
    return _exit_reason(code, log) if code else f"worker process ended without a record (log: {log})"


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
    for spec in specs:
        write_launch_entry(
            sweep_dir_of(spec), spec.run_id, launcher="local", job=None, submitted=time.time(), ended=None, reason=None
        )

    def one(spec: RunSpec) -> None:
        sweep_dir = sweep_dir_of(spec)
        reason = _run_one(spec, sweep_dir, threads)
        write_launch_entry(sweep_dir, spec.run_id, ended=time.time(), reason=reason)
        on_end(spec, reason)

    with ThreadPoolExecutor(max_workers=cfg.parallel) as pool:  # threads only wait on the run processes
        for future in [pool.submit(one, s) for s in specs]:
            future.result()
