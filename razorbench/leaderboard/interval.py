"""The leaderboard's 95% interval of a difference in retention at a target accuracy, over seeds and over items.

Two sides A and B are read at one target, each frontier between the two measured points that bracket it
(`razorbench.analysis.at_accuracy`); seed s of A is paired with seed s of B, and every seed scores the same items
of each prior. For seed s and prior p (P priors; m_p items; M = Σ_p m_p), A_sp and B_sp are the prior's scores,
and a_spi, b_spi its item scores where the runs read keep them (`items.py`); every score is in [0, 1].

    d_s     = (1/P) Σ_p (A_sp − B_sp)                   the difference in retention on seed s; d = mean_s d_s (n seeds)
    V_seed  = var_s(d_s) / n                             (sample variance, n − 1 degrees of freedom)
    V_item  = (1/P²) Σ_p (1/m_p²) Σ_i (D_pi − D̄_p)²      exact, D_pi = mean_s (a_spi − b_spi), D̄_p = mean_i D_pi
           ≤ (1/P²) Σ_p (1/m_p) (mean_s u_sp − D̄_p²)     bound, u_sp = min(A_sp + B_sp, 2 − A_sp − B_sp)
    ν       = (V_seed + V_item)² / (V_seed²/(n − 1) + V_item²/(M − P))      (Welch–Satterthwaite)
    interval: d ± t_0.975(ν) · √(V_seed + V_item)

V_seed is what training's randomness moves; V_item is what the choice of items moves, which the seeds cannot show
(they all score the same items): the variance of the paired bootstrap over items, stratified by prior, computed
exactly (`analysis.difference.item_bootstrap_variance`). Where a run read on either side keeps no per-item results
(curve points never do; submissions before per-item results were kept do not), V_item is replaced by its bound,
the largest value the prior scores allow: by Jensen Σ_i D_pi² ≤ mean_s Σ_i (a_spi − b_spi)², each square is at most
|a_spi − b_spi| ≤ min(a + b, 2 − a − b), and Σ_i (D_pi − D̄_p)² = Σ_i D_pi² − m_p·D̄_p². ν combines the seeds'
n − 1 degrees of freedom with the items' M − P, so seeds that agree exactly leave an interval of the items' width,
and the items' term cannot shrink the seeds'.

One entry's own interval is the same with B ≡ 0 (its bound is then Ā(1 − Ā)/m_p, the binomial variance); its
forgetting's is A = its base scores (the same on every seed), B = the entry. Fewer than 2 shared seeds: no interval
(NaN bounds), and the pair is never told apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from razorbench.analysis.difference import item_bootstrap_variance

EXACT, BOUND = "exact", "bound"


@dataclass(frozen=True)
class Side:
    """One side of a comparison at a target: per seed, each prior's score; per seed, each prior's item scores
    (sorted by item id) where every run read keeps them, else None; and each prior's item ids (their sha256)."""

    scores: dict[int, dict[str, float]]
    items: dict[int, dict[str, np.ndarray]] | None = None
    ids: dict[str, str] | None = None

    def zero(self) -> Side:
        """A side scoring 0 on every item of the same priors and seeds: `difference(a, a.zero())` is a's own
        interval."""
        scores = {s: dict.fromkeys(p, 0.0) for s, p in self.scores.items()}
        items = None if self.items is None else {s: {p: v * 0 for p, v in i.items()} for s, i in self.items.items()}
        return Side(scores, items, self.ids)


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float
    seeds: int
    item_term: str  # EXACT or BOUND

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def difference(a: Side, b: Side, sizes: dict[str, int], *, confidence: float = 0.95) -> Interval:
    """mean_s d_s with the module's interval; `sizes`: each prior's item count m_p."""
    from scipy.stats import t as student_t

    seeds = sorted(a.scores.keys() & b.scores.keys())
    priors = sorted(sizes)
    d = np.array([sum(a.scores[s][p] - b.scores[s][p] for p in priors) / len(priors) for s in seeds])
    exact = a.items is not None and b.items is not None and a.ids == b.ids and set(priors) <= set(a.ids or {})
    term = EXACT if exact else BOUND
    if d.size < 2:
        return Interval(float(d.mean()) if d.size else math.nan, math.nan, math.nan, int(d.size), term)
    v_seed = float(np.var(d, ddof=1)) / d.size
    v_item = _exact(a, b, seeds, priors) if exact else _bound(a, b, seeds, sizes)
    value, variance = float(d.mean()), v_seed + v_item
    if variance == 0:
        return Interval(value, value, value, int(d.size), term)
    item_df = max(sum(sizes.values()) - len(priors), 1)
    df = variance**2 / (v_seed**2 / (d.size - 1) + v_item**2 / item_df)
    half = float(student_t.ppf(0.5 + confidence / 2, df)) * math.sqrt(variance)
    return Interval(value, value - half, value + half, int(d.size), term)


def _exact(a: Side, b: Side, seeds: list[int], priors: list[str]) -> float:
    assert a.items is not None and b.items is not None
    mean_d = {p: sum(a.items[s][p] - b.items[s][p] for s in seeds) / len(seeds) for p in priors}
    return item_bootstrap_variance(mean_d)


def _bound(a: Side, b: Side, seeds: list[int], sizes: dict[str, int]) -> float:
    total = 0.0
    for p, m in sizes.items():
        u = [min(a.scores[s][p] + b.scores[s][p], 2 - a.scores[s][p] - b.scores[s][p]) for s in seeds]
        d_p = sum(a.scores[s][p] - b.scores[s][p] for s in seeds) / len(seeds)
        total += max(sum(u) / len(u) - d_p**2, 0.0) / m  # ≥ 0 in exact arithmetic; round-off can dip below
    return total / len(sizes) ** 2
