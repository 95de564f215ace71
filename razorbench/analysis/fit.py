"""The forgetting law: forgetting fitted against one predictor (a KL, a weight distance, ...) over runs.

Two forms (`razorbench.metrics.fit_forms`), both by least squares in float64:
- "linear": y = a + b·x, coefficients [a, b];
- "quadratic0": y = a·x + b·x², the paper's quadratic through the origin, coefficients [a, b].
R² = 1 − SS_res / SS_tot, with SS_tot about the mean of y for both forms (so a fit through the origin can
score below 0). Intervals: a percentile bootstrap over runs (points resampled with replacement, seeded).
`fit_with_interval` also returns what a prediction interval for a new point needs (`prediction_interval`): the
number of runs n, the residual variance s² = SS_res / (n − 2) and the unscaled covariance (XᵀX)⁻¹ of the design.

Undefined values are None, never NaN or 0: R² is undefined when forgetting does not vary (SS_tot = 0), and
then so is its interval; reports render None as "n/a".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from razorbench.metrics.fit_forms import design_matrix
from razorbench.metrics.stats import percentile_interval


def fit(x: Any, y: Any, form: str) -> tuple[list[float], float | None]:
    """Least-squares fit of y on x in `form`: (coefficients, R²), R² None when y is constant.

    >>> coefs, r2 = fit([1.0, 2.0, 3.0], [0.5, 2.0, 4.5], "quadratic0")
    >>> [round(c, 6) for c in coefs], round(r2, 6)
    ([0.0, 0.5], 1.0)
    >>> fit([1.0, 2.0, 3.0], [0.2, 0.2, 0.2], "linear")[1] is None
    True
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    design = design_matrix(x, form)
    coefs, *_ = np.linalg.lstsq(design, y, rcond=None)
    if y.min() == y.max():
        # Tested on the values, not on SS_tot: the float mean of equal values can miss them in the last bit
        # (three 0.2s average to 0.20000000000000004), which leaves SS_tot ≈ 1e-33 and a meaningless ratio.
        return coefs.tolist(), None
    ss_tot = float(((y - y.mean()) ** 2).sum())
    ss_res = float(((y - design @ coefs) ** 2).sum())
    return coefs.tolist(), 1.0 - ss_res / ss_tot


def prediction_terms(x: Any, y: Any, form: str) -> dict[str, Any]:
    """{"n", "residual_variance", "unscaled_covariance"}: s² = SS_res / (n − 2) (None when n ≤ 2) and (XᵀX)⁻¹ (None
    when singular), the terms of the prediction interval ŷ ± t(n − 2) · s · sqrt(1 + x0ᵀ (XᵀX)⁻¹ x0)."""
    design, y = design_matrix(x, form), np.asarray(y, dtype=np.float64)
    coefs, *_ = np.linalg.lstsq(design, y, rcond=None)
    n = len(y)
    dof = n - design.shape[1]
    variance = float(((y - design @ coefs) ** 2).sum() / dof) if dof > 0 else None
    try:
        covariance = np.linalg.inv(design.T @ design).tolist()
    except np.linalg.LinAlgError:
        covariance = None
    return {"n": n, "residual_variance": variance, "unscaled_covariance": covariance}


def fit_with_interval(x: Any, y: Any, form: str, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """`fit`'s coefficients and R² with 95% percentile-bootstrap intervals and the terms of a prediction interval:
    {"coefs", "r2", "coefs_low", "coefs_high", "r2_low", "r2_high", "n", "residual_variance",
    "unscaled_covariance"}; only {"coefs", "r2": None, prediction terms} when y is constant.

    A resample on which R² is undefined (every drawn run forgot the same) or the least-squares solver fails
    is left out; the intervals come from the others (None if none is left).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} points, y has {len(y)}")
    coefs, r2 = fit(x, y, form)
    terms = prediction_terms(x, y, form)
    if r2 is None:
        return {"coefs": coefs, "r2": None, **terms}
    rng = np.random.default_rng(seed)
    coef_replicates, r2_replicates = [], []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), size=len(y))
        try:
            c, r = fit(x[idx], y[idx], form)
        except np.linalg.LinAlgError:  # the SVD did not converge
            continue
        if r is not None:
            coef_replicates.append(c)
            r2_replicates.append(r)
    columns = np.array(coef_replicates).reshape(len(r2_replicates), len(coefs)).T
    bounds = [_interval(column) for column in columns]
    r2_low, r2_high = _interval(np.array(r2_replicates))
    return {
        "coefs": coefs,
        "r2": r2,
        "r2_low": r2_low,
        "r2_high": r2_high,
        "coefs_low": [b[0] for b in bounds],
        "coefs_high": [b[1] for b in bounds],
        **terms,
    }


def _interval(replicates: np.ndarray) -> tuple[float | None, float | None]:
    """The 95% percentile interval of bootstrap replicates; (None, None) when there are none."""
    if replicates.size == 0:
        return None, None
    return percentile_interval(replicates)
