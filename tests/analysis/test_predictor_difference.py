"""The paired difference of two predictors' R² (razorbench.analysis.predictor_difference), against hand values."""

import numpy as np
import pytest

from razorbench.analysis.fit import fit_with_interval
from razorbench.analysis.predictor_difference import paired_values, r2_difference


def test_the_difference_by_hand_a_perfect_and_an_uncorrelated_predictor():
    # y on x_a (y = x_a): R² 1. y on x_b = [1, 0, 0, 1]: cov(x_b, y) = .5(-1.5) - .5(-.5) - .5(.5) + .5(1.5) = 0, R² 0.
    out = r2_difference([1, 2, 3, 4], [1, 0, 0, 1], [1, 2, 3, 4], "linear")
    assert out["value"] == pytest.approx(1.0, abs=1e-12) and out["n"] == 4


def test_a_predictor_against_itself_differs_by_exactly_zero_on_every_resample():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, 20)
    y = x**2 + rng.normal(0, 0.5, 20)
    out = r2_difference(x, x, y)
    assert out["value"] == 0.0 and out["low"] == 0.0 and out["high"] == 0.0


def test_pairing_separates_two_close_predictors_that_separate_intervals_would_not():
    # x_b is x_a plus a little noise: both R² are high with wide, overlapping separate intervals, but on every
    # resample x_a (the true predictor) fits at least as well, so the paired interval sits above 0.
    rng = np.random.default_rng(1)
    x_a = rng.uniform(0, 3, 30)
    y = x_a**2 + rng.normal(0, 1.0, 30)
    x_b = x_a + rng.normal(0, 0.3, 30)
    a, b = fit_with_interval(x_a, y, "quadratic0"), fit_with_interval(x_b, y, "quadratic0")
    assert a["r2_low"] < b["r2_high"]  # the separate intervals overlap
    out = r2_difference(x_a, x_b, y)
    assert out["value"] > 0 and out["low"] > 0


def test_undefined_when_forgetting_is_constant_and_a_clear_error_on_mismatched_lengths():
    assert r2_difference([1, 2, 3], [3, 2, 1], [0.2, 0.2, 0.2])["value"] is None
    with pytest.raises(ValueError, match="differ in length: 3, 2, 3"):
        r2_difference([1, 2, 3], [1, 2], [1, 2, 3])


def test_paired_values_keep_only_runs_reporting_both():
    records = [
        {"metrics": {"a": 1.0, "b": 2.0, "forgetting": 0.1}},
        {"metrics": {"a": 3.0, "forgetting": 0.2}},
        {"metrics": {"a": 4.0, "b": 5.0, "forgetting": 0.3}},
    ]
    xs = paired_values(records, "a", "b", lambda r, n: r["metrics"].get(n))
    assert xs == ([1.0, 4.0], [2.0, 5.0], [0.1, 0.3])
