"""Budgets on a monitored run: a forward KL (`kl_budget`, nats/sequence) and a forecast forgetting
(`forgetting_budget`, needs a law) not to exceed. A check past a budget warns, or stops training with a checkpoint
(`action`); the first crossing's step and reason go into the record.

The forgetting budget is held by default against the upper end of the forecast's 95% prediction interval
(`forgetting_bound="upper"`): a check crosses it as soon as the run's forgetting may exceed the budget, so a run
stopped there forgets less than the budget in about 97.5% of cases, as far as the law's assumptions hold. Against the
point forecast (`forgetting_bound="forecast"`) a run stops about where its expected forgetting reaches the budget,
by when about half of such runs are past it.
"""

from __future__ import annotations

from dataclasses import dataclass

from razorbench.util.errors import ConfigError

ACTIONS = ("warn", "stop")
# What the forgetting budget is held against: the check's key for each choice.
FORGETTING_BOUNDS = {"upper": "forgetting_high", "forecast": "forgetting"}


@dataclass(frozen=True)
class Budget:
    kl: float | None = None
    forgetting: float | None = None
    action: str = "warn"
    forgetting_bound: str = "upper"

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError(f"monitor.action={self.action!r}; valid: {', '.join(ACTIONS)}")
        if self.forgetting_bound not in FORGETTING_BOUNDS:
            raise ConfigError(
                f"monitor.forgetting_bound={self.forgetting_bound!r}; valid: {', '.join(FORGETTING_BOUNDS)}"
            )
        for name, value in (("kl_budget", self.kl), ("forgetting_budget", self.forgetting)):
            if value is not None and not value >= 0:
                raise ConfigError(f"monitor.{name}={value!r}; valid: a number >= 0, or null for none")

    def crossed(self, check: dict) -> str | None:
        """Why `check` (a monitor check: forward_kl and, with a law, the forecast `forgetting` and its interval
        `forgetting_low`, `forgetting_high`) is past a budget, else None."""
        if self.kl is not None and check["forward_kl"] > self.kl:
            return f"forward KL {check['forward_kl']:.4g} nats/sequence > kl_budget {self.kl:g}"
        value = check.get(FORGETTING_BOUNDS[self.forgetting_bound])
        if self.forgetting is not None and value is not None and value > self.forgetting:
            what = (
                "forecast forgetting" if self.forgetting_bound == "forecast" else "forecast forgetting's 95% upper end"
            )
            return f"{what} {value:.4g} > forgetting_budget {self.forgetting:g}"
        return None
