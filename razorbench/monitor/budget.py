"""Budgets on a monitored run: a forward KL (`kl_budget`, nats/sequence) and a forecast forgetting
(`forgetting_budget`, needs a law) not to exceed. A check past a budget warns, or stops training with a checkpoint
(`action`); the first crossing's step and reason go into the record."""

from __future__ import annotations

from dataclasses import dataclass

from razorbench.util.errors import ConfigError

ACTIONS = ("warn", "stop")


@dataclass(frozen=True)
class Budget:
    kl: float | None = None
    forgetting: float | None = None
    action: str = "warn"

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError(f"monitor.action={self.action!r}; valid: {', '.join(ACTIONS)}")
        for name, value in (("kl_budget", self.kl), ("forgetting_budget", self.forgetting)):
            if value is not None and not value >= 0:
                raise ConfigError(f"monitor.{name}={value!r}; valid: a number >= 0, or null for none")

    def crossed(self, check: dict) -> str | None:
        """Why `check` (a monitor check: forward_kl and, with a law, forgetting) is past a budget, else None. The
        forgetting budget is held against the forecast itself, not its interval's upper end."""
        if self.kl is not None and check["forward_kl"] > self.kl:
            return f"forward KL {check['forward_kl']:.4g} nats/sequence > kl_budget {self.kl:g}"
        if (
            self.forgetting is not None
            and check.get("forgetting") is not None
            and check["forgetting"] > self.forgetting
        ):
            return f"forecast forgetting {check['forgetting']:.4g} > forgetting_budget {self.forgetting:g}"
        return None
