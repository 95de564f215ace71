"""A run's folder: its state on disk, its lock, and where an interrupted run resumes from.

`runs/<run-id>/` holds:
- `status.json`: {"state": "running" | "finished" | "failed" | "interrupted", "reason", "updated"}, written
  atomically; an interrupted run (SIGTERM) also says where a rerun resumes: `resume_from` {"checkpoint", "step"},
  or null when it had no checkpoint yet (it starts over; the base evaluation is cached);
- `failure.json`: why a run failed (exception, non-finite loss); a failed run has no record;
- `checkpoints/last.ckpt`: the latest Lightning checkpoint (weights, optimizer, scheduler, loop counters,
  the RNG states; `razorbench.runner.callbacks`), replaced atomically every `trainer.checkpoint_every` steps;
- `record.json`: only when the run finished, written last and atomically.
A process holds `run.lock` while it works in the folder, so two processes never run the same run id.
"""

from __future__ import annotations

import shutil
import time
import traceback
from pathlib import Path
from typing import Any

import torch
from filelock import FileLock, Timeout

from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import RunBusy


class RunDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.record = path / "record.json"
        self.checkpoint = path / "checkpoints" / "last.ckpt"
        self._lock = FileLock(str(path / "run.lock"))

    def acquire(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise RunBusy(f"cannot write the run folder {str(self.path)!r}: {e.strerror or e}") from None
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise RunBusy(f"run folder {str(self.path)!r} is in use by another process") from None

    def release(self) -> None:
        self._lock.release()

    def set_status(self, state: str, reason: str | None = None, **details: Any) -> None:
        status = {"state": state, "reason": reason, **details, "updated": time.time()}
        write_json_atomic(self.path / "status.json", status)

    def interrupt(self, reason: str) -> dict[str, Any] | None:
        """Record that a signal stopped the run, and where a rerun resumes from (returned): the last checkpoint and
        its optimizer step, or None when there is none yet."""
        resume = None
        if self.checkpoint.exists():
            resume = {"checkpoint": str(self.checkpoint), "step": checkpoint_step(self.checkpoint)}
        self.set_status("interrupted", reason, resume_from=resume)
        return resume

    def fail(self, error: BaseException) -> Path:
        """Record why the run failed (no record is written); returns the failure file."""
        reason = f"{type(error).__name__}: {error}"
        path = self.path / "failure.json"
        try:
            write_json_atomic(path, {"reason": reason, "traceback": traceback.format_exception(error)})
            self.set_status("failed", reason)
        except OSError:  # the disk that failed the run may refuse these too; the error message still says why
            pass
        return path

    def clear(self) -> None:
        """Remove everything but the lock (for --force)."""
        for child in self.path.iterdir():
            if child.name == "run.lock":
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def checkpoint_step(path: Path) -> int:
    """The optimizer step a Lightning checkpoint was saved at; memory-mapped, so the weights are not read."""
    return int(torch.load(path, map_location="cpu", mmap=True, weights_only=False)["global_step"])
