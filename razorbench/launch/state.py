"""The sweep folder as the one source of truth: what each point is now, read from disk (and the scheduler's queue).

Per point `<sweep>/<run id>/` is the run's own folder (`razorbench.runner.run_directory`: record, status, failure,
lock); `<sweep>/.launch/<run id>.json` is what a launcher did with it (which launcher, job id, log, and why
the process ended when it ended without a record). A point is
- done: its record exists;
- running: a process holds its run lock, or the scheduler runs its job;
- failed: the run failed, or its process died mid-run (a killed worker: it resumes from its checkpoint);
- pending: not started, or queued (a SLURM job still waiting: not submitted again).
Only failed and not-queued pending points are (re)submitted: a rerun collects and never duplicates a run.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from razorbench.launch.squeue import slurm_queue
from razorbench.util.atomic import write_json_atomic

LAUNCH_DIR = ".launch"
STATES = ("done", "running", "failed", "pending")


@dataclass(frozen=True)
class PointState:
    run_id: str
    state: str  # one of STATES
    reason: str = ""
    active: bool = False
    """Running or queued right now: a rerun must not submit it again."""


def launch_entry_path(sweep_dir: Path, run_id: str) -> Path:
    return sweep_dir / LAUNCH_DIR / f"{run_id}.json"


def read_launch_entry(sweep_dir: Path, run_id: str) -> dict[str, Any]:
    path = launch_entry_path(sweep_dir, run_id)
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def write_launch_entry(sweep_dir: Path, run_id: str, **fields: Any) -> None:
    """Merge `fields` into the point's launch entry (written by the sweep process only, atomically)."""
    entry = {**read_launch_entry(sweep_dir, run_id), **fields, "updated": time.time()}
    write_json_atomic(launch_entry_path(sweep_dir, run_id), entry)


def write_submitted(sweep_dir: Path, run_id: str, launcher: str, job: str | None, **fields: Any) -> None:
    """The launch entry of a point `launcher` has just submitted (`job`: its id there, if any): not ended yet."""
    entry = {"launcher": launcher, "job": job, "submitted": time.time(), "ended": None, "reason": None, "pid": None}
    write_launch_entry(sweep_dir, run_id, **entry, **fields)


def write_ended(sweep_dir: Path, run_id: str, reason: str | None) -> None:
    """The launch entry of a point that has ended: now, and why it wrote no record (None: it wrote one)."""
    write_launch_entry(sweep_dir, run_id, ended=time.time(), reason=reason)


def lock_held(run_dir: Path) -> bool:
    """Whether a process holds the run's lock (probed without waiting; a missing lock file is not held)."""
    lock_file = run_dir / "run.lock"
    if not lock_file.exists():
        return False
    lock = FileLock(str(lock_file))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _local_process_alive(entry: dict[str, Any]) -> bool:
    pid = entry.get("pid")
    if entry.get("launcher") != "local" or not pid or entry.get("ended") or entry.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def point_state(sweep_dir: Path, run_id: str, queue: dict[str, tuple[str, str]] | None = None) -> PointState:
    """The point's state from its folder, its launch entry and `queue` ({job id: (scheduler state, reason)})."""
    run_dir = sweep_dir / run_id
    if (run_dir / "record.json").exists():
        return PointState(run_id, "done")
    entry = read_launch_entry(sweep_dir, run_id)
    job = entry.get("job")
    if lock_held(run_dir):
        where = f" ({entry['launcher']} job {job})" if job else ""
        return PointState(run_id, "running", f"run lock held{where}", active=True)
    if entry.get("launcher") == "slurm" and job and not entry.get("ended") and queue is None:
        return PointState(run_id, "pending", f"slurm job {job}: squeue did not answer, state unknown", active=True)
    if job and queue and job in queue:
        state, why = queue[job]
        if state == "PENDING":
            return PointState(run_id, "pending", f"queued: {entry['launcher']} job {job} ({why})", active=True)
        return PointState(run_id, "running", f"{entry['launcher']} job {job} {state.lower()}", active=True)
    if _local_process_alive(entry):
        return PointState(run_id, "running", f"local process {entry['pid']} starting", active=True)
    status = _read_json(run_dir / "status.json")
    ended = entry.get("reason") or ""
    if status.get("state") == "failed":
        failure = _read_json(run_dir / "failure.json")
        return PointState(run_id, "failed", failure.get("reason") or status.get("reason") or ended or "failed")
    if status.get("state") == "running":
        # The status says running but nobody holds the lock: the process died mid-run (killed, node lost, time out).
        why = ended or "no process holds its lock"
        return PointState(run_id, "failed", f"interrupted: {why}; resumes from its last checkpoint")
    if ended:
        return PointState(run_id, "failed", ended)
    if job and entry.get("launcher") == "slurm":
        return PointState(run_id, "failed", f"slurm job {job} left the queue without starting the run")
    return PointState(run_id, "pending", "not started")


def sweep_state(sweep_dir: Path, run_ids: list[str] | None = None) -> list[PointState]:
    """Every point of the sweep (`run_ids`, default: the runs its `sweep.json` lists), in grid order."""
    if run_ids is None:
        run_ids = list(_read_json(sweep_dir / "sweep.json").get("runs", []))
    entries = [read_launch_entry(sweep_dir, r) for r in run_ids]
    queue = scheduler_queue(entries)
    return [point_state(sweep_dir, r, queue) for r in run_ids]


def scheduler_queue(entries: list[dict[str, Any]]) -> dict[str, tuple[str, str]] | None:
    """{job id: (state, reason)} of the SLURM jobs these entries name that are still in the queue; None when they
    name some but the queue cannot be read."""
    jobs = sorted({e["job"] for e in entries if e.get("launcher") == "slurm" and e.get("job")})
    if not jobs:
        return {}
    return slurm_queue(jobs)
