"""The one comparison of two methods at matched accuracy: the difference of their retention (mean prior score) at a
new-task accuracy, with a paired 95% interval. The reproduction reports judge their matched-accuracy claims by it
(`razorbench.analysis.verdict`). The leaderboard builds its own interval on the same reading and item variance
(`razorbench.leaderboard.interval`), adding a bound on the item term where per-item results are missing and
Welch–Satterthwaite degrees of freedom, so a board can call a tie where a report of the same runs does not.

At accuracy a each frontier is read between the two measured points that bracket it (`at_accuracy.bracket`); for
each seed s both methods ran, d_s = retention_A,s(a) − retention_B,s(a), each seed's value interpolated with its
frontier's weight. Seed s of A is paired with seed s of B: the same evaluation items and the same prompt order.

1. Over seeds: mean d ± t(n − 1)·SE, SE² = var(d_s)/n. Not a percentile bootstrap: with the protocol's 3 seeds a
   bootstrap has 10 distinct resampled means and its 95% interval is the range of the three d_s, which misses the
   true difference one time in four (`razorbench.metrics.stats`, choice 8).
2. Over items, where every run read at a on both sides holds per-item prior results (`per_example.priors`) on the
   same items: every seed scores the same items, so the seeds' spread misses the sampling of those items. The
   paired bootstrap over items (the same items drawn for both methods and every seed, stratified by prior) adds
   its variance to SE². That variance is computed exactly (the limit of infinitely many resamples), so the
   interval does not depend on a random seed: for the seed-averaged per-item differences D_p,i of prior p
   (m_p items), Var* = (1/P²) Σ_p (1/m_p²) Σ_i (D_p,i − mean_i D_p,i)².
A pair with fewer than 2 shared seeds has no interval (NaN bounds): it is never called different.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from razorbench.analysis.at_accuracy import Reading, Record, bracket
from razorbench.metrics.stats import Estimate, standard_error


@dataclass(frozen=True)
class Frontier:
    """One method's (or entry's) Pareto frontier, sorted by accuracy, and the records its points' run ids name."""

    points: list[dict[str, Any]]
    records: dict[str, Record]


def retention(record: Record) -> float:
    """Mean prior score of a run: what a frontier's "prior" coordinate averages over seeds."""
    scores = record["metrics"]["prior_scores"]
    return sum(s["final"] for s in scores.values()) / len(scores)


def item_scores(record: Record) -> dict[tuple[str, str], float] | None:
    """(prior, item id) -> the run's final score on it, or None when the record keeps no per-item prior results."""
    priors = record.get("per_example", {}).get("priors")
    if not priors:
        return None
    return {(p, str(i)): float(v) for p, sides in priors.items() for i, v in sides.get("final", {}).items()}


def item_bootstrap_variance(differences: dict[str, np.ndarray]) -> float:
    """Exact variance of the stratified paired bootstrap of mean_p mean_i D_p,i (items resampled within each prior).

    >>> item_bootstrap_variance({"p": np.array([0.0, 1.0])})  # (1/4)·((0 − ½)² + (1 − ½)²)
    0.125
    """
    groups = [np.asarray(d, dtype=np.float64) for d in differences.values() if len(d)]
    if not groups:
        return 0.0
    return sum(float(((d - d.mean()) ** 2).sum()) / d.size**2 for d in groups) / len(groups) ** 2


def paired_seed_difference(
    a: dict[int, float], b: dict[int, float], *, item_variance: float = 0.0, confidence: float = 0.95
) -> Estimate:
    """mean_s (a_s − b_s) over the seeds both have, with the interval of step 1 (and 2, via `item_variance`).

    >>> e = paired_seed_difference({0: 0.93, 1: 0.94, 2: 0.95}, {0: 0.92, 1: 0.92, 2: 0.92})
    >>> round(e.value, 6), round(e.ci_low, 4), round(e.ci_high, 4)
    (0.02, -0.0048, 0.0448)
    """
    from scipy.stats import t as student_t

    seeds = sorted(a.keys() & b.keys())
    d = np.array([a[s] - b[s] for s in seeds], dtype=np.float64)
    method = "paired over seeds, student t" + (" + items, exact bootstrap" if item_variance else "")
    if d.size < 2:
        value = float(d.mean()) if d.size else math.nan
        return Estimate(value, math.nan, math.nan, math.nan, int(d.size), method)
    se = math.sqrt(standard_error(d) ** 2 + item_variance)
    half = float(student_t.ppf(0.5 + confidence / 2, d.size - 1)) * se
    value = float(d.mean())
    return Estimate(value, se, value - half, value + half, int(d.size), method)


def retention_difference(a: Frontier, b: Frontier, accuracy: float, *, confidence: float = 0.95) -> Estimate | None:
    """Retention of `a` minus retention of `b` at new-task `accuracy`, with its paired interval; None where a
    frontier does not bracket `accuracy` (nothing is read beside a frontier)."""
    ra, rb = bracket(a.points, accuracy), bracket(b.points, accuracy)
    if ra is None or rb is None:
        return None
    seeds_a, seeds_b = ra.per_seed(a.records, retention), rb.per_seed(b.records, retention)
    items = _item_variance(ra, rb, a, b, seeds_a.keys() & seeds_b.keys())
    return paired_seed_difference(seeds_a, seeds_b, item_variance=items, confidence=confidence)


def _item_variance(ra: Reading, rb: Reading, a: Frontier, b: Frontier, seeds: set[int]) -> float:
    """Step 2's variance, or 0 when a run read on either side has no per-item prior results."""
    runs = [a.records[i] for p in (ra.lo, ra.hi) for i in p["run_ids"]]
    runs += [b.records[i] for p in (rb.lo, rb.hi) for i in p["run_ids"]]
    if not seeds or any(item_scores(r) is None for r in runs):
        return 0.0
    items_a, items_b = ra.per_seed(a.records, item_scores), rb.per_seed(b.records, item_scores)
    shared = set.intersection(*(set(items_a[s]) & set(items_b[s]) for s in seeds))
    by_prior: dict[str, list[float]] = {}
    for prior, item in sorted(shared):
        mean_d = sum(items_a[s][(prior, item)] - items_b[s][(prior, item)] for s in seeds) / len(seeds)
        by_prior.setdefault(prior, []).append(mean_d)
    return item_bootstrap_variance({p: np.array(v) for p, v in by_prior.items()})
