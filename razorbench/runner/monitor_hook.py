"""The hook that starts the monitor in `razorbench run`: the forward-KL monitor (`razorbench.monitor`) built from the
run config's `monitor:` section on the run's own KL samples (the base evaluation's `kl_samples`, the points of the
final record's forward KL), so the last check is that number. It lives in the runner: the monitor knows no run."""

from __future__ import annotations

import logging
from typing import Any

from omegaconf import DictConfig

from razorbench.api.policy import Policy
from razorbench.monitor.budget import Budget
from razorbench.monitor.forecast import resolve_law
from razorbench.monitor.lightning import ForwardKLMonitor
from razorbench.monitor.monitor import KLMonitor
from razorbench.monitor.reference import ReferenceSide
from razorbench.runner.evaluate import EvalSettings
from razorbench.util.errors import ConfigError

log = logging.getLogger(__name__)


def check_monitor_config(cfg: DictConfig, task: str) -> None:
    """Refuse a bad `monitor:` section before any work."""
    m = cfg.monitor
    if m.every < 0:
        raise ConfigError(f"monitor.every={m.every}; valid: 0 (off) or a number of optimizer steps >= 1")
    Budget(m.kl_budget, m.forgetting_budget, m.action, m.forgetting_bound)  # raises ConfigError on a bad value
    if m.every and m.forgetting_budget is not None and resolve_law(m.law, cfg.track, task) is None:
        raise ConfigError(
            f"monitor.forgetting_budget needs a law, and monitor.law={m.law!r} gives none for {cfg.track}/"
            f"{task}; valid: the path of an analysis.json from `razorbench analyze`"
        )


def build_monitor(
    cfg: DictConfig, task: str, policy: Policy, reference: Policy | None, base: dict[str, Any], settings: EvalSettings
) -> ForwardKLMonitor | None:
    """The Lightning callback, or None when `monitor.every` is 0. `policy` is still π0 here."""
    m = cfg.monitor
    if not m.every:
        return None
    if str(cfg.trainer.strategy).startswith(("fsdp", "deepspeed")):
        # A check runs π's forward outside the strategy's training step, where sharded parameters (FSDP2's DTensors)
        # are not gathered; the final record's forward KL is still measured, on the gathered policy.
        log.warning("monitor off: trainer.strategy=%s shards the policy", cfg.trainer.strategy)
        return None
    side = ReferenceSide(policy, base["kl_samples"], settings, reference=reference)
    law = resolve_law(m.law, cfg.track, task)
    return ForwardKLMonitor(
        KLMonitor(
            side, m.every, law=law, budget=Budget(m.kl_budget, m.forgetting_budget, m.action, m.forgetting_bound)
        ),
        policy,
    )
