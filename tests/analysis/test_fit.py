"""razorbench.analysis.fit against float64 references, its bootstrap's coverage, and the one convention for an
undefined R² (None, shown "n/a")."""

import io

import numpy as np
import pytest
from rich.console import Console

from razorbench.analysis.analyze import analyze, summary_tables
from razorbench.analysis.fit import fit, fit_with_interval
from razorbench.analysis.report import r2_cell
from razorbench.metrics.fit_forms import FORMS


def reference(x: np.ndarray, y: np.ndarray, form: str) -> tuple[np.ndarray, float]:
    """Normal equations solved in float64, and R² from the sums of squares written out."""
    design = np.stack([np.ones_like(x), x] if form == "linear" else [x, x * x], 1)
    beta = np.linalg.solve(design.T @ design, design.T @ y)
    residual = y - design @ beta
    return beta, 1 - (residual @ residual) / ((y - y.mean()) @ (y - y.mean()))


@pytest.mark.parametrize("form", FORMS)
def test_fit_matches_the_float64_normal_equations(form):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 2, 30)
    y = 0.3 * x + 0.2 * x**2 + rng.normal(0, 0.05, 30)
    coefs, r2 = fit(x, y, form)
    beta, r2_reference = reference(x, y, form)
    assert coefs == pytest.approx(beta.tolist(), rel=1e-10)
    assert r2 == pytest.approx(r2_reference, rel=1e-10)


def test_linear_r2_is_the_squared_correlation_and_a_fit_through_0_can_score_below_0():
    rng = np.random.default_rng(2)
    x = rng.uniform(size=25)
    y = 1 - 3 * x + rng.normal(0, 0.3, size=25)
    assert fit(x, y, "linear")[1] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-10)
    flat = 1 + 0.1 * x + rng.normal(0, 0.05, size=25)  # about 1 at x = 0, which a fit through 0 cannot follow
    assert fit(x, flat, "quadratic0")[1] < 0


def test_unknown_form_is_refused():
    with pytest.raises(ValueError, match="valid: linear, quadratic0"):
        fit([1.0, 2.0], [1.0, 2.0], "cubic")


def test_fit_with_interval_keeps_the_point_fit_and_brackets_it():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 3, 20)
    y = 0.1 * x + 0.05 * x**2 + rng.normal(0, 0.05, 20)
    out = fit_with_interval(x, y, "quadratic0", n_boot=300)
    assert (out["coefs"], out["r2"]) == fit(x, y, "quadratic0")
    assert out["r2_low"] <= out["r2"] <= out["r2_high"] <= 1
    for low, coef, high in zip(out["coefs_low"], out["coefs"], out["coefs_high"], strict=True):
        assert low <= coef <= high
    assert fit_with_interval(x, y, "quadratic0", n_boot=300) == out  # seeded


def test_fit_with_interval_covers_the_slope():
    # 300 replications: the band of tests/metrics/test_stats.py for a percentile bootstrap (0.887–0.988).
    rng, hits = np.random.default_rng(0), 0
    for r in range(300):
        x = rng.uniform(0, 1, size=40)
        y = 0.5 + 2.0 * x + rng.normal(0, 0.5, size=40)
        out = fit_with_interval(x, y, "linear", n_boot=200, seed=r)
        hits += out["coefs_low"][1] <= 2.0 <= out["coefs_high"][1]
    assert 0.95 - 0.025 - 0.038 <= hits / 300 <= 0.95 + 0.038


def test_undefined_r2_is_none_everywhere_and_shown_as_n_a():
    x = np.array([0.1, 0.5, 1.0, 2.0])
    for form in FORMS:
        coefs, r2 = fit(x, np.full(4, 0.2), form)
        assert r2 is None and all(np.isfinite(coefs))
        out = fit_with_interval(x, np.full(4, 0.2), form)
        assert {k: out[k] for k in ("coefs", "r2")} == {"coefs": coefs, "r2": None} and "coefs_low" not in out
        assert out["n"] == 4 and out["residual_variance"] >= 0.0
        # Three 0.2s average to 0.20000000000000004: SS_tot ≈ 2e-33, not 0, and R² was once reported as −8.
        assert fit([1.0, 2.0, 3.0], [0.2, 0.2, 0.2], form)[1] is None
    assert r2_cell({"coefs": coefs, "r2": None}) == "n/a"
    # Resamples that happen to be constant are left out; the interval comes from the others.
    out = fit_with_interval(x, np.array([0.0, 0.0, 0.0, 1.0]), "linear", n_boot=200)
    assert out["r2"] is not None and out["r2_low"] <= out["r2"] <= out["r2_high"]

    records = [
        {
            "run_id": f"r{i}",
            "track": "t",
            "task": "k",
            "method": "m",
            "config": {"lr": i},
            "metrics": {
                "new_task_accuracy": 0.5,
                "prior_scores": {"p": {"base": 0.7, "final": 0.7}},
                "forgetting": 0.0,  # no run forgot anything
                "forward_kl": float(i),
            },
        }
        for i in range(4)
    ]
    result = analyze(records)
    law = result["t/k"]["fits"]["forward_kl"]
    assert law["linear"]["r2"] is None and law["quadratic0"]["r2"] is None
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(summary_tables(result)[0])
    assert "forward_kl │ 4 │ n/a (forgetting constant) │ n/a (forgetting constant)" in console.export_text()


def test_prediction_terms_match_the_textbook_formulas_in_float64():
    """s² = SS_res / (n − 2) and (XᵀX)⁻¹, by hand for the line through (0, 0), (1, 1), (2, 1), (3, 3)."""
    from razorbench.analysis.fit import prediction_terms

    out = prediction_terms([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 3.0], "linear")
    # x̄ = 1.5, Sxx = 5, slope = 4.5 / 5 = 0.9, intercept = 1.25 − 1.35 = −0.1; residuals 0.1, 0.2, −0.7, 0.4
    assert out["n"] == 4
    assert out["residual_variance"] == pytest.approx((0.01 + 0.04 + 0.49 + 0.16) / 2, rel=1e-12)
    # XᵀX = [[4, 6], [6, 14]], det 20: inverse [[0.7, −0.3], [−0.3, 0.2]]
    assert np.allclose(out["unscaled_covariance"], [[0.7, -0.3], [-0.3, 0.2]], rtol=1e-12)
