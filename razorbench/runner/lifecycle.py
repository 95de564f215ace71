"""A run's life cycle on disk, and the callbacks that make a run resumable and keep non-finite numbers out.

`runs/<run-id>/` holds:
- `status.json`: {"state": "running" | "finished" | "failed" | "interrupted", "reason", "updated"}, written
  atomically; an interrupted run (SIGTERM) also says where a rerun resumes: `resume_from` {"checkpoint", "step"},
  or null when it had no checkpoint yet (it starts over; the base evaluation is cached);
- `failure.json`: why a run failed (exception, non-finite loss); a failed run has no record;
- `checkpoints/last.ckpt`: the latest Lightning checkpoint (weights, optimizer, scheduler, loop counters,
  the RNG states below), replaced atomically every `trainer.checkpoint_every` steps;
- `record.json`: only when the run finished, written last and atomically.
A process holds `run.lock` while it works in the folder, so two processes never run the same run id.
"""

from __future__ import annotations

import os
import random
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import torch
from filelock import FileLock, Timeout
from lightning.pytorch.callbacks import Callback

from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import RunBusy, RunFailure
from razorbench.util.faults import fault_point


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


class AtomicCheckpoint(Callback):
    """Every `every_n_steps` optimizer steps, save a full checkpoint to a temporary file and rename it over
    `path`, so a kill at any moment leaves either the previous checkpoint or the new one, never half of one. Also
    at a step where another callback stopped training (the forward-KL monitor's budget)."""

    def __init__(self, path: Path, every_n_steps: int) -> None:
        self.path = path
        self.every_n_steps = every_n_steps

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if step % self.every_n_steps == 0 or step >= trainer.max_steps or trainer.should_stop:
            tmp = self.path.with_name(self.path.name + ".tmp")
            trainer.save_checkpoint(tmp)  # every rank must call it; rank 0 writes
            if trainer.is_global_zero:
                os.replace(tmp, self.path)
            if step >= 2 * self.every_n_steps:
                fault_point("training")  # a kill after a checkpoint, with steps still to go


class RNGState(Callback):
    """Saves and restores the Python, NumPy and torch RNG states with each checkpoint, so a resumed run
    draws the same samples as an uninterrupted one."""

    def state_dict(self) -> dict[str, Any]:
        # NumPy's key array as a tensor: the checkpoint stays loadable with weights_only=True, which Lightning
        # 2.6.6 uses whatever fit(weights_only=) says for strategies that restore after setup (FSDP, FSDP2, DeepSpeed).
        kind, keys, pos, has_gauss, cached = np.random.get_state()
        numpy_state = [kind, torch.from_numpy(keys.copy()), pos, has_gauss, cached]
        return {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        random.setstate(state_dict["python"])
        kind, keys, pos, has_gauss, cached = state_dict["numpy"]
        np.random.set_state((kind, keys.numpy(), pos, has_gauss, cached))
        torch.set_rng_state(state_dict["torch"])


class FiniteGuard(Callback):
    """Stops a run whose loss or weights stop being finite: it fails with a reason instead of writing NaN."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        if loss is not None and not torch.isfinite(loss).all():
            raise RunFailure(f"non-finite loss {loss.item()} at step {trainer.global_step}")

    def on_train_end(self, trainer, pl_module) -> None:
        for name, p in pl_module.named_parameters():
            if not torch.isfinite(p).all():
                raise RunFailure(f"non-finite weight in {name} after training")
