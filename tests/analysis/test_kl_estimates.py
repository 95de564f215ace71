"""`razorbench analyze` on the sampled-token KL estimates: bias against the exact KL computed by hand, and their R²
as forgetting predictors next to the exact one."""

import io

import numpy as np
import pytest
from rich.console import Console

from razorbench.analysis.analyze import analyze, summary_tables
from razorbench.analysis.fit import fit
from razorbench.analysis.kl_estimates import estimator_bias


def _records():
    rng = np.random.default_rng(0)
    out = []
    for i in range(6):
        kl = 0.1 * (i + 1)
        metrics = {
            "new_task_accuracy": 0.5,
            "prior_scores": {"p": {"base": 0.8, "final": 0.8 - 0.1 * kl * kl}},
            "forgetting": 0.1 * kl * kl,
            "forward_kl": kl,
            "reverse_kl": 0.9 * kl,
            "forward_kl_k1": kl + rng.normal(0, 0.05),
            "forward_kl_k2": 1.2 * kl,
            "forward_kl_k3": kl - 0.01,
        }
        out.append(
            {"run_id": f"r{i}", "track": "t", "task": "k", "method": "m", "config": {"lr": i}, "metrics": metrics}
        )
    return out


def test_bias_is_the_mean_difference_with_a_t_interval_and_a_relative_bias():
    records = _records()
    bias = estimator_bias(records)
    assert set(bias) == {"forward_kl_k1", "forward_kl_k2", "forward_kl_k3"}  # reverse estimates absent: left out
    differences = [r["metrics"]["forward_kl_k1"] - r["metrics"]["forward_kl"] for r in records]
    k1 = bias["forward_kl_k1"]
    assert k1["exact"] == "forward_kl" and k1["n"] == 6
    assert k1["bias"]["value"] == pytest.approx(np.mean(differences))
    assert k1["bias"]["ci_low"] < k1["bias"]["value"] < k1["bias"]["ci_high"]
    assert bias["forward_kl_k2"]["relative_bias"] == pytest.approx(0.2)
    assert bias["forward_kl_k3"]["bias"]["value"] == pytest.approx(-0.01)


def test_analyze_fits_forgetting_on_each_estimate_and_prints_them_beside_the_exact_one():
    records = _records()
    group = analyze(records)["t/k"]
    x = [r["metrics"]["forward_kl_k2"] for r in records]
    y = [r["metrics"]["forgetting"] for r in records]
    assert group["fits"]["forward_kl_k2"]["quadratic0"]["r2"] == pytest.approx(fit(x, y, "quadratic0")[1])
    assert group["kl_estimates"]["forward_kl_k1"]["n"] == 6
    console = Console(file=io.StringIO(), width=200, record=True)
    for item in summary_tables({"t/k": group}):
        console.print(item)
    text = console.export_text()
    assert "sampled-token KL estimates vs the exact KL" in text and "+20.0%" in text
