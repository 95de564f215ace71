"""What SLURM's queue says of a sweep's jobs, read with `squeue` (no accounting database needed): the sweep folder's
state (`state`) and the SLURM launcher's wait (`slurm`) both ask it."""

from __future__ import annotations

import shutil
import subprocess

# squeue states of a job that is still the scheduler's (anything else: it has left, done or not).
IN_QUEUE = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "RESIZING", "SUSPENDED"}


def slurm_queue(jobs: list[str]) -> dict[str, tuple[str, str]] | None:
    """{job id: (state, reason)} for those of `jobs` (ids like 1234_5) still in this user's queue; None when the
    queue cannot be read (no squeue here, or the controller did not answer)."""
    if shutil.which("squeue") is None:
        return None
    try:
        out = subprocess.run(
            ["squeue", "--me", "--noheader", "--array", "--format=%i|%T|%r"], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    wanted, queue = set(jobs), {}
    for line in out.stdout.splitlines():
        job, _, rest = line.strip().partition("|")
        state, _, reason = rest.partition("|")
        if job in wanted and state in IN_QUEUE:
            queue[job] = (state, reason)
    return queue
