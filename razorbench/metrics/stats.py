"""Uncertainty for every number razorbench reports: standard errors, 95% intervals and paired tests.

Pure functions of numpy arrays; nothing here knows what a record is (`razorbench.metrics.intervals` does).
All resampling is seeded, so the same data and seed give the same interval on any machine.

Choices, once:
1. A mean of 0/1 items (a prior score, new-task accuracy at one sample per prompt) gets the Wilson score
   interval: unlike the normal interval p ± z·SE it never leaves [0, 1] and does not collapse to zero width
   at p = 0 or 1, which the tiny track's priors hit (E. B. Wilson, JASA 1927). Any other mean (per-prompt
   means of several samples, a KL) gets a percentile bootstrap over examples; it runs a little narrow on
   small skewed samples (about 92% coverage for 60 exponential values, 94% for 150).
2. A paired difference mean(a − b) on the same example ids (the forgetting of one prior is base − final)
   gets a percentile bootstrap over examples, resampling pairs so the correlation of a and b is kept.
3. The standard error is always the sample standard deviation (ddof = 1) / √n of what is averaged.
4. McNemar's test for paired 0/1 items uses only the discordant counts b (right→wrong) and c (wrong→right):
   exact two-sided binomial test of b ~ Bin(b + c, ½) when b + c < 25, otherwise χ² = (|b − c| − 1)² / (b + c)
   with Edwards' continuity correction (clipped at 0) on 1 degree of freedom.
5. Real-valued paired scores are tested with a sign-flip permutation test of mean(a − b): exact over all
   2ⁿ sign patterns when that is at most `n_resamples`, else Monte Carlo with p = (1 + #extreme) / (1 + R).
6. Chance adjustment for a multiple-choice prior with chance level c rescales a score to the range above
   chance, s' = (s − c) / (1 − c); a forgetting (a difference of scores) becomes (base − final) / (1 − c).
7. Several benchmarks tested at once are corrected with Holm–Bonferroni (Holm, Scand. J. Stat. 1979).
8. A mean over a few independent runs (the seeds of one configuration) gets the Student-t interval
   mean ± t(n − 1) · SE: three values are too few to bootstrap (they have 10 distinct resampled means).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from statistics import NormalDist
from typing import Any

import numpy as np

# Largest number of floats one resampling chunk materialises (32 MiB): a bootstrap of 10k examples is chunked.
_CHUNK = 4_000_000
EXACT_MCNEMAR_BELOW = 25


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error, a confidence interval, the sample size and how the interval
    was made. Quantities that are undefined (the SE of one example) are NaN and become None in `to_dict`."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        def finite(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "value": finite(self.value),
            "se": finite(self.se),
            "ci_low": finite(self.ci_low),
            "ci_high": finite(self.ci_high),
            "n": self.n,
            "method": self.method,
        }

    def scaled(self, factor: float, method: str) -> Estimate:
        """The estimate of factor · quantity (a linear rescaling moves the interval with it)."""
        low, high = sorted((self.ci_low * factor, self.ci_high * factor))
        return Estimate(self.value * factor, self.se * abs(factor), low, high, self.n, method)


@dataclass(frozen=True)
class HypothesisTest:
    """The outcome of a test: its statistic, the two-sided p-value and which test it was."""

    statistic: float
    p_value: float
    method: str


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def is_binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


def standard_error(values: Sequence[float] | np.ndarray) -> float:
    """Sample standard deviation (ddof=1) over √n; NaN for fewer than two values.

    >>> standard_error([0.0, 1.0, 0.0, 1.0])
    0.288...
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return math.nan
    return float(values.std(ddof=1) / math.sqrt(values.size))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (choice 1 of the module docstring).

    >>> [round(x, 4) for x in wilson_interval(10, 10)]
    [0.7225, 1.0]
    """
    if n == 0:
        return math.nan, math.nan
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, center - half), min(1.0, center + half)


def percentile_interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The (1 − confidence)/2 and (1 + confidence)/2 quantiles of bootstrap replicates."""
    replicates = np.asarray(replicates, dtype=np.float64)
    if replicates.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(replicates, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def mean_t_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> Estimate:
    """Mean of a few independent runs with the Student-t interval mean ± t(n − 1) · SE (choice 8 of the module
    docstring). The interval of a single run is undefined: NaN here, None in `to_dict`.

    >>> e = mean_t_interval([1.0, 2.0, 3.0])
    >>> round(e.ci_low, 4), round(e.ci_high, 4), e.method
    (-0.4841, 4.4841, 'student t')
    >>> mean_t_interval([0.5]).to_dict()["ci_low"] is None
    True
    """
    from scipy.stats import t as student_t  # scipy.stats costs ~1.5 s to import: only where a t interval is made

    values = np.asarray(values, dtype=np.float64)
    n = values.size
    mean, se = (float(values.mean()) if n else math.nan), standard_error(values)
    half = float(student_t.ppf(0.5 + confidence / 2, n - 1)) * se if n > 1 else math.nan
    return Estimate(mean, se, mean - half, mean + half, n, "student t")


def bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """`n_boot` means of `values` resampled with replacement: shape (n_boot,)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    rows = max(1, _CHUNK // max(n, 1))
    out = np.empty(n_boot)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        out[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return out


def mean_estimate(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: Any = 0,
    binary: bool | None = None,
) -> Estimate:
    """Mean with SE and interval: Wilson for 0/1 values, else a percentile bootstrap over the values.

    `binary=None` looks at the values; pass False for a quantity that is not a proportion even when every
    value happens to be 0 or 1 (a KL of exactly zero).

    >>> mean_estimate([1, 1, 1, 0]).method
    'wilson'
    >>> e = mean_estimate([0.5, 0.25, 0.75, 1.0], n_boot=200)
    >>> e.method, e.ci_low <= e.value <= e.ci_high
    ('bootstrap percentile', True)
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, "empty")
    mean, se = float(values.mean()), standard_error(values)
    if binary or (binary is None and is_binary(values)):
        low, high = wilson_interval(int(values.sum()), n, confidence)
        return Estimate(mean, se, low, high, n, "wilson")
    low, high = percentile_interval(bootstrap_means(values, n_boot, np.random.default_rng(seed)), confidence)
    return Estimate(mean, se, low, high, n, "bootstrap percentile")


def paired_difference(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: Any = 0,
) -> Estimate:
    """mean(a − b) over paired examples (a[i] and b[i] are the same example) with a paired bootstrap interval.

    >>> paired_difference([1, 1, 0, 1], [1, 1, 0, 1]).to_dict()["ci_low"]
    0.0
    """
    return mean_of_paired_differences([(a, b)], confidence=confidence, n_boot=n_boot, seed=seed)


def mean_of_paired_differences(
    pairs: Sequence[tuple[Sequence[float] | np.ndarray, Sequence[float] | np.ndarray]],
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: Any = 0,
) -> Estimate:
    """(1/G) Σ_g mean(a_g − b_g) over G independent groups of paired examples (mean forgetting over priors).

    Each group is resampled on its own (a stratified bootstrap); SE = √(Σ_g SE_g²) / G since groups share
    no examples. With one group this is the plain paired difference.
    """
    differences = [np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64) for a, b in pairs]
    if not differences or any(d.size == 0 for d in differences):
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, "empty")
    groups = len(differences)
    value = sum(float(d.mean()) for d in differences) / groups
    se = math.sqrt(sum(standard_error(d) ** 2 for d in differences)) / groups
    rng = np.random.default_rng(seed)
    replicates = sum(bootstrap_means(d, n_boot, rng) for d in differences) / groups
    low, high = percentile_interval(replicates, confidence)
    method = "paired bootstrap percentile" + (", stratified" if groups > 1 else "")
    return Estimate(value, se, low, high, sum(d.size for d in differences), method)


def transitions(base: Sequence[float] | np.ndarray, final: Sequence[float] | np.ndarray) -> dict[str, int]:
    """Counts of paired 0/1 outcomes: right→wrong (forgotten), wrong→right (learned), and the unchanged.

    >>> transitions([1, 1, 0, 0, 1], [0, 1, 1, 0, 1])
    {'right_to_wrong': 1, 'wrong_to_right': 1, 'right_to_right': 2, 'wrong_to_wrong': 1}
    """
    base, final = np.asarray(base) > 0.5, np.asarray(final) > 0.5
    return {
        "right_to_wrong": int(np.sum(base & ~final)),
        "wrong_to_right": int(np.sum(~base & final)),
        "right_to_right": int(np.sum(base & final)),
        "wrong_to_wrong": int(np.sum(~base & ~final)),
    }


def chance_adjusted(score: float, chance: float) -> float:
    """A score rescaled to the range above chance: (s − c) / (1 − c); 0 at chance, 1 at perfect.

    >>> chance_adjusted(0.625, 0.25)
    0.5
    """
    return (score - chance) / (1 - chance)


def chance_adjusted_forgetting(forgetting: Estimate, chance: float) -> Estimate:
    """Forgetting of a multiple-choice prior on the above-chance scale: (base − final) / (1 − c).

    >>> e = chance_adjusted_forgetting(Estimate(0.15, 0.03, 0.09, 0.21, 100, "paired"), 0.25)
    >>> [round(v, 6) for v in (e.value, e.se, e.ci_low, e.ci_high)]
    [0.2, 0.04, 0.12, 0.28]
    """
    if not 0 <= chance < 1:
        raise ValueError(f"chance level {chance} is outside [0, 1)")
    return forgetting.scaled(1 / (1 - chance), f"{forgetting.method}, chance-adjusted (c={chance:g})")


def mcnemar(right_to_wrong: int, wrong_to_right: int, *, exact_below: int = EXACT_MCNEMAR_BELOW) -> HypothesisTest:
    """McNemar's test that paired 0/1 outcomes flip equally often both ways (choice 4 of the module docstring).

    >>> mcnemar(8, 1).p_value
    0.0390625
    >>> mcnemar(30, 12).method
    'mcnemar chi2 (continuity-corrected)'
    """
    b, c = int(right_to_wrong), int(wrong_to_right)
    discordant = b + c
    if discordant == 0:
        return HypothesisTest(0.0, 1.0, "mcnemar exact")
    if discordant < exact_below:
        # Two-sided exact binomial: Bin(n, ½) is symmetric, so p = 2 · P(X ≤ min(b, c)), capped at 1.
        tail = sum(math.comb(discordant, k) for k in range(min(b, c) + 1))
        return HypothesisTest(float(min(b, c)), min(1.0, 2 * tail / 2**discordant), "mcnemar exact")
    statistic = max(0.0, abs(b - c) - 1.0) ** 2 / discordant
    # The χ²₁ survival function: P(Z² ≥ x) = erfc(√(x/2)) for a standard normal Z.
    return HypothesisTest(statistic, math.erfc(math.sqrt(statistic / 2)), "mcnemar chi2 (continuity-corrected)")


def sign_flip_test(
    differences: Sequence[float] | np.ndarray,
    *,
    weights: Sequence[float] | np.ndarray | None = None,
    n_resamples: int = 10_000,
    seed: Any = 0,
) -> HypothesisTest:
    """Two-sided paired permutation test of T = Σ w_i d_i = 0 by flipping the sign of each difference.

    Under the null that each pair's two scores are exchangeable, every d_i is as likely to be ±d_i.
    `weights` default to 1/n (T is the mean difference); weights of 1/(G · n_g) give the stratified test of a
    mean over G groups (mean forgetting). Exact when 2ⁿ ≤ `n_resamples` (choice 5 of the module docstring).

    >>> sign_flip_test([0.5, 0.25, 0.75]).p_value  # all 3 positive: 2 of the 8 patterns are as extreme
    0.25
    """
    d = np.asarray(differences, dtype=np.float64)
    n = d.size
    w = np.full(n, 1.0 / max(n, 1)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != d.shape:
        raise ValueError(f"{w.size} weights for {n} differences")
    wd = w * d
    observed = float(wd.sum())
    if n == 0 or not np.any(wd):
        return HypothesisTest(observed, 1.0, "sign-flip permutation")
    # A relative tolerance so that patterns equal to the observed one up to rounding count as extreme.
    threshold = abs(observed) - 1e-12 * float(np.abs(wd).sum())
    if 2**n <= n_resamples:
        signs = np.array(list(product((1.0, -1.0), repeat=n)))
        extreme = int(np.sum(np.abs(signs @ wd) >= threshold))
        return HypothesisTest(observed, extreme / 2**n, "sign-flip permutation (exact)")
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK // n)
    extreme = 0
    for start in range(0, n_resamples, rows):
        signs = rng.integers(0, 2, size=(min(rows, n_resamples - start), n)) * 2.0 - 1.0
        extreme += int(np.sum(np.abs(signs @ wd) >= threshold))
    return HypothesisTest(observed, (1 + extreme) / (1 + n_resamples), "sign-flip permutation")


def paired_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_resamples: int = 10_000,
    seed: Any = 0,
    binary: bool | None = None,
) -> HypothesisTest:
    """McNemar for paired 0/1 items, else the sign-flip permutation test of mean(a − b).

    `binary=None` looks at the values; say False for per-prompt means, which can all be 0 or 1 by chance.

    >>> paired_test([1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]).method
    'mcnemar exact'
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if binary or (binary is None and is_binary(a) and is_binary(b)):
        counts = transitions(a, b)
        return mcnemar(counts["right_to_wrong"], counts["wrong_to_right"])
    return sign_flip_test(a - b, n_resamples=n_resamples, seed=seed)


def holm(p_values: Mapping[str, float] | Sequence[float]) -> Any:
    """Holm–Bonferroni adjusted p-values, in the input's order (a dict gives a dict).

    The i-th smallest of m p-values becomes max over j ≤ i of min(1, (m − j + 1) · p_(j)); rejecting where the
    adjusted p < α controls the family-wise error rate at α.

    >>> holm([0.01, 0.04, 0.03, 0.005])
    [0.03, 0.06, 0.06, 0.02]
    """
    if isinstance(p_values, Mapping):
        return dict(zip(p_values, holm(list(p_values.values())), strict=True))
    p = [float(x) for x in p_values]
    m = len(p)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda k: p[k])):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted
