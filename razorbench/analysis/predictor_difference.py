"""Whether one predictor of forgetting fits better than another: the difference of their R², with a paired bootstrap
interval over runs.

Two predictors are fitted on the same runs, so their R² are correlated; comparing their separate intervals (do they
overlap?) is neither a test nor the verdict rule's interval. Here every bootstrap resample of runs is fitted with both
predictors and the difference of the two R² is taken on that resample: the 95% percentile interval of those
differences is the interval the verdict rule (`razorbench.analysis.verdict`) reads, "told apart" only where it
excludes 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from razorbench.analysis.fit import fit
from razorbench.metrics.stats import percentile_interval


def r2_difference(
    x_a: Any, x_b: Any, y: Any, form: str = "quadratic0", *, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """R²(y on x_a) − R²(y on x_b) on the same points, with its paired 95% percentile-bootstrap interval:
    {"value", "low", "high", "n"}; value None when either R² is undefined (y constant), low/high None when no
    resample gives both.

    A resample on which either R² is undefined or a least-squares solve fails is left out, as in
    `razorbench.analysis.fit.fit_with_interval`.
    """
    x_a, x_b = np.asarray(x_a, dtype=np.float64), np.asarray(x_b, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if not len(x_a) == len(x_b) == len(y):
        raise ValueError(f"the predictors and forgetting differ in length: {len(x_a)}, {len(x_b)}, {len(y)}")
    r2_a, r2_b = fit(x_a, y, form)[1], fit(x_b, y, form)[1]
    if r2_a is None or r2_b is None:
        return {"value": None, "low": None, "high": None, "n": len(y)}
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), size=len(y))
        try:
            a, b = fit(x_a[idx], y[idx], form)[1], fit(x_b[idx], y[idx], form)[1]
        except np.linalg.LinAlgError:  # the SVD did not converge
            continue
        if a is not None and b is not None:
            differences.append(a - b)
    low, high = percentile_interval(np.array(differences)) if differences else (None, None)
    return {"value": r2_a - r2_b, "low": low, "high": high, "n": len(y)}


def paired_values(records: list[dict[str, Any]], a: str, b: str, value) -> tuple[list[float], list[float], list[float]]:
    """The runs that report both predictors: (their `a` values, their `b` values, their forgetting). `value(record,
    name)` reads a predictor from a record (None where it is absent)."""
    rows = [(value(r, a), value(r, b), r["metrics"]["forgetting"]) for r in records]
    rows = [row for row in rows if row[0] is not None and row[1] is not None]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
