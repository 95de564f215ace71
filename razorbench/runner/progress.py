"""The training progress bar of `razorbench run`: optimizer steps of the whole run, not batches of an epoch.

A run is bounded by `trainer.max_steps` with `max_epochs=-1`, so Lightning's `RichProgressBar` would title the bar
"Epoch 0/-2" (its total is max_epochs - 1) and count the batches of the current epoch, which restart at every
epoch of an offline method's data and, in a resumed run, start mid-epoch against a shortened total.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar


class StepProgressBar(RichProgressBar):
    """One bar for the run: "Training", `global_step`/`max_steps`, and the logged metrics without the
    logger's version."""

    @property
    def total_train_batches(self) -> int:
        return self.trainer.max_steps

    def _get_train_description(self, current_epoch: int) -> str:
        return "Training"

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # A later epoch continues the bar (Lightning would reset it to 0 or, with leave=True, start another one).
        if self.train_progress_bar_id is None:
            super().on_train_epoch_start(trainer, pl_module)

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        # Lightning sets the bar to batch_idx + 1; the run's step count is what it should show.
        super().on_train_batch_end(trainer, pl_module, outputs, batch, trainer.global_step - 1)

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        # "v_num" is the tail of the CSV logger's version ("attempt-0" shows as "pt-0"): noise beside the losses.
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        return metrics
