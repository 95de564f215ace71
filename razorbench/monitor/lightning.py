"""`ForwardKLMonitor`: the monitor (`razorbench.monitor.monitor.KLMonitor`) as a Lightning Callback. Checks at step 0
(before the first update), every `every` optimizer steps and at the last step; logs each to the Trainer's loggers
under `monitor/`; on a budget crossed with action "stop", stops training (`trainer.should_stop`), after which a
checkpoint callback placed after it saves (razorbench's `AtomicCheckpoint` saves on a stop)."""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback

from razorbench.api.policy import Policy
from razorbench.monitor.monitor import KLMonitor


class ForwardKLMonitor(Callback):
    def __init__(self, monitor: KLMonitor, policy: Policy) -> None:
        self.monitor, self.policy = monitor, policy

    def _check(self, trainer: L.Trainer, step: int) -> None:
        point = self.monitor.check(self.policy, step)
        for logger in trainer.loggers:
            logger.log_metrics(self.monitor.metrics(point), step=step)
        if self.monitor.stop:
            trainer.should_stop = True

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.monitor.stop:  # resumed from the checkpoint a budget stop wrote: stay stopped
            trainer.should_stop = True
        elif self.monitor.due(trainer.global_step):
            self._check(trainer, trainer.global_step)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        step = trainer.global_step
        if self.monitor.due(step, last=step >= (trainer.max_steps or 0) > 0):
            self._check(trainer, step)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Training ended elsewhere than at a check (max_epochs, another callback's stop): measure where it ended.
        if self.monitor.due(trainer.global_step, last=True):
            self._check(trainer, trainer.global_step)

    def state_dict(self) -> dict[str, Any]:
        return self.monitor.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.monitor.load_state_dict(state_dict)
