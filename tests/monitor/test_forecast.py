"""The monitor's forecast (razorbench.monitor.forecast) reproduces the law of a saved `razorbench analyze` summary:
its prediction, and the textbook 95% prediction interval computed here by hand in float64."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from razorbench.analysis.analyze import analyze, write
from razorbench.monitor.budget import Budget
from razorbench.monitor.forecast import law_from_summary, resolve_law, shipped_law
from razorbench.util.errors import ConfigError

KL = [0.5, 1.0, 2.0, 3.0, 4.0, 6.0]
FORGETTING = [0.02, 0.05, 0.09, 0.2, 0.25, 0.5]


def record(i: int, kl: float, forgetting: float) -> dict:
    return {
        "run_id": f"r{i}", "track": "tiny", "task": "science", "method": "sft",
        "config": {"seed": 0, "optim": {"lr": i}},
        "metrics": {"new_task_accuracy": 0.5, "forgetting": forgetting, "forward_kl": kl,
                    "prior_scores": {"p": {"base": 1.0, "final": 1.0 - forgetting}}},
    }  # fmt: skip


def test_the_forecast_reproduces_the_saved_laws_prediction_and_interval(tmp_path):
    write(analyze([record(i, x, y) for i, (x, y) in enumerate(zip(KL, FORGETTING, strict=True))]), tmp_path)
    law = law_from_summary(tmp_path / "analysis.json", "tiny/science")
    saved = json.loads((tmp_path / "analysis.json").read_text())["tiny/science"]["fits"]["forward_kl"]["quadratic0"]
    a, b = saved["coefs"]
    # By hand: design [x, x²], s² = SS_res / (n − 2), half-width t(0.975, n − 2) · s · sqrt(1 + d (XᵀX)⁻¹ dᵀ)
    x, y = np.array(KL), np.array(FORGETTING)
    design = np.stack([x, x * x], axis=1)
    coefs = np.linalg.solve(design.T @ design, design.T @ y)
    s2 = ((y - design @ coefs) ** 2).sum() / (len(y) - 2)
    for x0 in (0.0, 2.5, 8.0):
        got = law.predict(x0)
        d = np.array([x0, x0 * x0])
        half = student_t.ppf(0.975, len(y) - 2) * math.sqrt(s2 * (1 + d @ np.linalg.inv(design.T @ design) @ d))
        assert got["forgetting"] == pytest.approx(a * x0 + b * x0 * x0, abs=1e-12)
        assert got["forgetting"] == pytest.approx(coefs @ d, abs=1e-9)
        assert got["forgetting_high"] - got["forgetting"] == pytest.approx(half, rel=1e-9)
        assert got["forgetting"] - got["forgetting_low"] == pytest.approx(half, rel=1e-9)


def test_a_law_is_found_or_refused_with_the_valid_choices(tmp_path):
    assert resolve_law("none", "tiny", "science") is None and resolve_law(None, "tiny", "science") is None
    law = shipped_law("tiny", "science")
    assert law is not None and law.n == 63 and law.form == "quadratic0"
    assert resolve_law("auto", "toy", "parity-mnist") is None  # no law shipped for the toy track
    with pytest.raises(ConfigError, match="is not a file"):
        resolve_law(str(tmp_path / "missing.json"), "tiny", "science")
    (tmp_path / "analysis.json").write_text(json.dumps({"tiny/math": {"fits": {}}}))
    with pytest.raises(ConfigError, match="valid: tiny/math"):
        resolve_law(str(tmp_path), "tiny", "science")
    old = {"tiny/science": {"fits": {"forward_kl": {"quadratic0": {"coefs": [0.1, 0.0], "r2": 0.5}}}}}
    (tmp_path / "analysis.json").write_text(json.dumps(old))  # written before the interval's terms were stored
    with pytest.raises(ConfigError, match="rerun `razorbench analyze`"):
        resolve_law(str(tmp_path), "tiny", "science")


def test_budgets_name_what_was_crossed():
    budget = Budget(kl=1.0, forgetting=0.1, action="stop")
    assert budget.crossed({"forward_kl": 1.0, "forgetting": 0.1}) is None  # at the budget is not past it
    assert "kl_budget 1" in budget.crossed({"forward_kl": 1.5})
    assert "forgetting_budget 0.1" in budget.crossed({"forward_kl": 0.5, "forgetting": 0.05, "forgetting_high": 0.2})
    with pytest.raises(ConfigError, match="valid: warn, stop"):
        Budget(action="halt")
    with pytest.raises(ConfigError, match="monitor.kl_budget=-1"):
        Budget(kl=-1)
