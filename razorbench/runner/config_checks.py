"""Checks of a composed run config that need more than its own values (the registry, the hardware), made by
`razorbench.runner.run.resolve` before any model loads."""

from __future__ import annotations

import torch
from omegaconf import DictConfig

from razorbench.api.registry import get_task
from razorbench.util.errors import ConfigError, UsageError


def check_prior_limits(cfg: DictConfig, track: str) -> None:
    """Every name in `eval.prior_limits` is a prior of the track (a track's default may name priors a run leaves
    out, so the run's own list is not the test); a typo is refused, not silently ignored."""
    for name in cfg.eval.prior_limits:
        if get_task(name, track).kind != "prior":
            raise UsageError(f"eval.prior_limits names {name!r}, a new task of track {track!r}, not a prior")


def check_strategy(trainer_cfg: DictConfig) -> None:
    """Refuse before any work a strategy that Lightning refuses without a GPU (it would fail after the base
    evaluation): FSDP1 ("fsdp*") and DeepSpeed ("deepspeed*")."""
    name = str(trainer_cfg.strategy)
    cpu = trainer_cfg.accelerator == "cpu" or (trainer_cfg.accelerator == "auto" and not torch.cuda.is_available())
    if cpu and name != "fsdp2" and name.startswith(("fsdp", "deepspeed")):
        raise ConfigError(
            f"trainer.strategy={name} needs a GPU (Lightning refuses it on CPU); on CPU use one of: auto, ddp, fsdp2"
        )
