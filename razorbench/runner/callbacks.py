"""The Lightning callbacks of every run: they make it resumable (`AtomicCheckpoint`, `RNGState`) and keep non-finite
numbers out of its record (`FiniteGuard`). The run's folder they write into is `razorbench.runner.run_directory`'s."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

from razorbench.util.errors import RunFailure
from razorbench.util.faults import fault_point


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
