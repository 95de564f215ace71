"""The forward-KL monitor, whatever trains: every `every` optimizer steps (and at step 0 and the last step) the exact
forward KL of the policy from π0 on a fixed monitor set (`razorbench.monitor.reference`), the forgetting a law
forecasts from it (`razorbench.monitor.forecast`), and the budgets (`razorbench.monitor.budget`). The Lightning and
transformers callbacks (`lightning.py`, `transformers.py`) only say when to check and where to log.

A check draws no random number (the monitor set was sampled once, before training; the policy runs in eval mode), so
a monitored run trains exactly as the same run without the monitor.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from razorbench.api.policy import Policy
from razorbench.monitor.budget import Budget
from razorbench.monitor.forecast import Law
from razorbench.monitor.reference import ReferenceSide

log = logging.getLogger(__name__)


class KLMonitor:
    def __init__(self, reference: ReferenceSide, every: int, *, law: Law | None = None, budget: Budget | None = None):
        if every < 1:
            raise ValueError(f"monitor.every={every}; valid: an integer >= 1 (0 turns the monitor off)")
        budget = budget or Budget()
        if budget.forgetting is not None and law is None:
            raise ValueError("monitor.forgetting_budget needs a law (monitor.law: auto or an analysis.json)")
        self.reference, self.every, self.law, self.budget = reference, every, law, budget
        self.checks: list[dict[str, Any]] = []
        self.crossing: dict[str, Any] | None = None  # the first check past a budget: {step, reason, action}
        self.seconds = 0.0

    def due(self, step: int, last: bool = False) -> bool:
        return (step % self.every == 0 or last) and step not in {c["step"] for c in self.checks}

    def check(self, policy: Policy, step: int) -> dict[str, Any]:
        """Measure now, forecast, and hold the budgets; returns the check (also kept in `checks`)."""
        t = time.perf_counter()
        point: dict[str, Any] = {"step": step, **self.reference.forward_kl(policy)}
        if self.law is not None:
            point.update(self.law.predict(point["forward_kl"]))
        point["seconds"] = time.perf_counter() - t
        self.seconds += point["seconds"]
        self.checks.append(point)
        reason = self.budget.crossed(point)
        if reason and self.crossing is None:
            self.crossing = {"step": step, "reason": reason, "action": self.budget.action}
            log.warning("step %d: %s (%s)", step, reason, "stopping" if self.budget.action == "stop" else "warning")
        return point

    @property
    def stop(self) -> bool:
        return self.crossing is not None and self.crossing["action"] == "stop"

    def metrics(self, point: dict[str, Any]) -> dict[str, float]:
        """A check as logger metrics, under `monitor/`."""
        return {f"monitor/{k}": float(v) for k, v in point.items() if k not in ("step", "seconds")}

    def record(self) -> dict[str, Any]:
        """What the run record keeps under `monitor`."""
        return {
            "every": self.every,
            "cache": self.reference.mode,
            "n_prompts": len(self.reference.samples),
            "law": self.law.to_dict() if self.law else None,
            "budget": {
                "kl": self.budget.kl,
                "forgetting": self.budget.forgetting,
                "forgetting_bound": self.budget.forgetting_bound,
                "action": self.budget.action,
            },
            "checks": self.checks,
            "crossed": self.crossing,
            "seconds": self.seconds,
        }

    def state_dict(self) -> dict[str, Any]:
        return {"checks": self.checks, "crossing": self.crossing, "seconds": self.seconds}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.checks, self.crossing, self.seconds = list(state["checks"]), state["crossing"], state["seconds"]
