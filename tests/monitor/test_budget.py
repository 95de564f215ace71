"""The forgetting budget is held against the upper end of the forecast's 95% prediction interval by default (a run
stops once its forgetting may exceed the budget), against the point forecast on request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from razorbench.monitor.budget import Budget
from razorbench.monitor.forecast import Law
from razorbench.monitor.monitor import KLMonitor
from razorbench.util.errors import ConfigError

# forgetting = 0.1·KL, fitted on 12 runs with residual s.d. 0.02: at KL 1 the forecast is 0.1, its upper end ~0.145.
LAW = Law("quadratic0", [0.1, 0.0], n=12, residual_variance=0.02**2, unscaled_covariance=[[0.01, 0.0], [0.0, 0.001]])


def check(kl: float) -> dict:
    return {"forward_kl": kl, **LAW.predict(kl)}


def test_by_default_the_budget_is_crossed_when_the_intervals_upper_end_passes_it():
    at_one = check(1.0)
    assert at_one["forgetting"] < 0.12 < at_one["forgetting_high"]
    reason = Budget(forgetting=0.12).crossed(at_one)
    assert reason == f"forecast forgetting's 95% upper end {at_one['forgetting_high']:.4g} > forgetting_budget 0.12"
    assert Budget(forgetting=0.12, forgetting_bound="forecast").crossed(at_one) is None
    assert "forecast forgetting 0.13" in Budget(forgetting=0.12, forgetting_bound="forecast").crossed(check(1.3))


def test_a_monitor_stops_at_the_first_check_whose_upper_end_passes_the_budget_and_records_the_bound():
    kls = iter([0.0, 0.5, 1.0, 1.5])
    measure = lambda policy: {"forward_kl": next(kls), "forward_kl_per_token": 0.0}  # noqa: E731
    reference = SimpleNamespace(forward_kl=measure, mode="logprobs", samples=[])  # what KLMonitor reads of π0's side
    monitor = KLMonitor(reference, 1, law=LAW, budget=Budget(forgetting=0.12, action="stop"))
    for step in range(4):
        monitor.check(None, step)
        if monitor.stop:
            break
    # The point forecast would pass 0.12 only at KL 1.5 (step 3); its upper end passes it at KL 1 (step 2).
    assert monitor.crossing["step"] == 2
    assert monitor.record()["budget"]["forgetting_bound"] == "upper"


def test_an_unknown_bound_is_refused_naming_the_choices():
    with pytest.raises(ConfigError, match="monitor.forgetting_bound='mean'; valid: upper, forecast"):
        Budget(forgetting=0.1, forgetting_bound="mean")
