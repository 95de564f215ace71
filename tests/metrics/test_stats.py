"""razorbench.metrics.stats against SciPy or a float64 loop, and bootstrap coverage on simulated data (fixed seeds)."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from razorbench.metrics.stats import (
    Estimate,
    chance_adjusted,
    chance_adjusted_forgetting,
    holm,
    mcnemar,
    mean_estimate,
    mean_of_paired_differences,
    mean_t_interval,
    paired_difference,
    paired_test,
    sign_flip_test,
    standard_error,
    transitions,
    wilson_interval,
)

# 300 replications estimate the coverage of a 95% interval to ±0.0126 (one SE); the band allows 3 SE either
# side. A percentile bootstrap runs a little narrow at these sizes (true coverage ≈ 0.925–0.94 on skewed data,
# measured with 2000 replications; worse below ~100 examples), so its lower bound is 0.025 further down.
REPLICATIONS, N_BOOT = 300, 200
WILSON_BAND = (0.95 - 0.038, 0.95 + 0.038)
BOOTSTRAP_BAND = (0.95 - 0.025 - 0.038, 0.95 + 0.038)


def coverage(make_interval, truth: float, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for r in range(REPLICATIONS):
        low, high = make_interval(rng, r)
        hits += low <= truth <= high
    return hits / REPLICATIONS


# --- coverage --------------------------------------------------------------------------------------------


def test_wilson_covers_a_proportion_at_the_nominal_rate():
    def interval(rng, r):
        e = mean_estimate(rng.binomial(1, 0.3, size=40))
        return e.ci_low, e.ci_high

    low, high = WILSON_BAND
    assert low <= coverage(interval, 0.3) <= high


def test_bootstrap_covers_the_mean_of_skewed_data():
    def interval(rng, r):  # exponential(1): skewed, mean 1, like per-prompt KLs
        e = mean_estimate(rng.exponential(1.0, size=150), n_boot=N_BOOT, seed=r)
        return e.ci_low, e.ci_high

    low, high = BOOTSTRAP_BAND
    assert low <= coverage(interval, 1.0) <= high


def test_paired_bootstrap_covers_a_forgetting():
    # Paired 0/1 outcomes: right→right .6, right→wrong .15, wrong→right .05, wrong→wrong .2 (forgetting .1).
    outcomes = np.array([[1, 1], [1, 0], [0, 1], [0, 0]])

    def interval(rng, r):
        pairs = outcomes[rng.choice(4, size=150, p=[0.6, 0.15, 0.05, 0.2])]
        e = paired_difference(pairs[:, 0], pairs[:, 1], n_boot=N_BOOT, seed=r)
        return e.ci_low, e.ci_high

    low, high = BOOTSTRAP_BAND
    assert low <= coverage(interval, 0.1) <= high


def test_stratified_bootstrap_covers_a_mean_forgetting_over_priors():
    sizes, drops = (40, 80, 120), (0.0, 0.1, 0.3)

    def interval(rng, r):
        pairs = []
        for n, drop in zip(sizes, drops, strict=True):
            base = rng.binomial(1, 0.8, size=n)
            final = base * rng.binomial(1, 1 - drop / 0.8, size=n)  # each right item is lost with prob drop/.8
            pairs.append((base, final))
        e = mean_of_paired_differences(pairs, n_boot=N_BOOT, seed=r)
        return e.ci_low, e.ci_high

    low, high = BOOTSTRAP_BAND
    assert low <= coverage(interval, float(np.mean(drops))) <= high


def test_t_interval_covers_the_mean_of_three_runs():
    def interval(rng, r):  # three seeds of one configuration: normal, so the t-interval is exact
        e = mean_t_interval(rng.normal(0.4, 0.05, size=3))
        return e.ci_low, e.ci_high

    low, high = WILSON_BAND  # the same binomial band: the interval's nominal rate, 300 replications
    assert low <= coverage(interval, 0.4) <= high


# --- against SciPy or a float64 loop ------------------------------------------------------------------------


def test_standard_error_and_wilson_match_references():
    values = np.random.default_rng(0).uniform(size=17)
    mean = sum(values) / len(values)
    reference = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1) / len(values))
    assert standard_error(values) == pytest.approx(reference, rel=1e-12)
    assert math.isnan(standard_error([0.3]))
    for k, n in [(0, 5), (3, 10), (10, 10), (17, 60)]:
        ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


@pytest.mark.parametrize("b, c", [(b, c) for b in range(13) for c in range(13) if 0 < b + c < 25])
def test_mcnemar_exact_matches_scipy_binomtest(b, c):
    result = mcnemar(b, c)
    assert result.method == "mcnemar exact"
    assert result.p_value == pytest.approx(scipy_stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-12)


@pytest.mark.parametrize("b, c", [(13, 12), (20, 5), (40, 70), (3, 30), (100, 100)])
def test_mcnemar_chi2_matches_scipy_chi2(b, c):
    result = mcnemar(b, c)
    statistic = max(0, abs(b - c) - 1) ** 2 / (b + c)
    assert result.method.startswith("mcnemar chi2")
    assert result.statistic == pytest.approx(statistic)
    assert result.p_value == pytest.approx(scipy_stats.chi2.sf(statistic, df=1), rel=1e-9)


def test_mcnemar_without_discordant_pairs_is_no_evidence():
    assert mcnemar(0, 0).p_value == 1.0


def sign_flip_reference(d, w):
    """Every sign pattern, looped in float64: the fraction with |Σ s w d| ≥ |Σ w d|."""
    observed = abs(sum(wi * di for wi, di in zip(w, d, strict=True)))
    patterns = list(itertools.product((1, -1), repeat=len(d)))
    extreme = sum(
        abs(sum(s * wi * di for s, wi, di in zip(p, w, d, strict=True))) >= observed - 1e-12 for p in patterns
    )
    return extreme / len(patterns)


def test_exact_sign_flip_matches_a_loop_and_scipy():
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.3, 1, size=9), rng.normal(0, 1, size=9)
    result = sign_flip_test(a - b)
    assert result.method == "sign-flip permutation (exact)"
    assert result.p_value == pytest.approx(sign_flip_reference(a - b, [1 / 9] * 9), rel=1e-12)
    scipy_result = scipy_stats.permutation_test(
        (a, b), lambda x, y: np.mean(x - y), permutation_type="samples", n_resamples=np.inf, vectorized=False
    )
    assert result.p_value == pytest.approx(scipy_result.pvalue, rel=1e-12)


def test_weighted_sign_flip_is_the_stratified_test():
    rng = np.random.default_rng(8)
    d = rng.normal(0.2, 1, size=10)
    w = np.r_[np.full(4, 1 / (2 * 4)), np.full(6, 1 / (2 * 6))]  # two groups: the mean of their means
    assert sign_flip_test(d, weights=w).p_value == pytest.approx(sign_flip_reference(d, w), rel=1e-12)


def test_monte_carlo_sign_flip_is_close_to_exact():
    rng = np.random.default_rng(9)
    d = rng.normal(0.4, 1, size=14)
    exact = sign_flip_test(d, n_resamples=2**14).p_value
    sampled = sign_flip_test(d, n_resamples=5000, seed=1)
    assert sampled.method == "sign-flip permutation"
    assert sampled.p_value == pytest.approx(exact, abs=0.02)
    assert sign_flip_test(d, n_resamples=5000, seed=1) == sampled  # seeded


def test_paired_test_picks_mcnemar_for_0_1_items_only():
    assert paired_test([1, 0, 1, 1], [0, 0, 1, 0]).method == "mcnemar exact"
    assert paired_test([1, 0.5, 1, 1], [0, 0, 1, 0]).method.startswith("sign-flip")


def test_holm_against_a_hand_example():
    # Sorted: .005·4 = .02, .01·3 = .03, .03·2 = .06, .04·1 = .04 → raised to .06 (adjusted p never decrease).
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm({"a": 0.5, "b": 0.01}) == pytest.approx({"a": 0.5, "b": 0.02})
    assert holm([0.4, 0.6]) == pytest.approx([0.8, 0.8])
    assert holm([0.9, 0.7, 0.8]) == pytest.approx([1.0, 1.0, 1.0])
    assert holm([]) == []


# --- limiting cases ------------------------------------------------------------------------------------------


def test_forgetting_of_exactly_zero_has_an_interval_containing_zero():
    scores = np.random.default_rng(0).binomial(1, 0.7, size=50)
    e = paired_difference(scores, scores)
    assert e.value == 0 and e.ci_low <= 0 <= e.ci_high
    assert paired_test(scores, scores).p_value == 1.0
    assert mean_of_paired_differences([(scores, scores), (scores[:10], scores[:10])]).ci_low <= 0


def test_paired_difference_se_is_the_se_of_the_differences():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=30), rng.normal(size=30)
    e = paired_difference(a, b, n_boot=500, seed=3)
    assert e.value == pytest.approx(np.mean(a - b)) and e.se == pytest.approx(standard_error(a - b))
    assert e.ci_low < e.value < e.ci_high and e.n == 30
    assert paired_difference(a, b, n_boot=500, seed=3) == e


def test_one_example_has_no_standard_error():
    assert mean_estimate([0.4], binary=False).to_dict()["se"] is None


def test_transitions_count_each_way():
    counts = transitions([1, 1, 1, 0, 0, 1], [0, 0, 1, 1, 0, 1])
    assert counts == {"right_to_wrong": 2, "wrong_to_right": 1, "right_to_right": 2, "wrong_to_wrong": 1}


def test_chance_adjustment_rescales_to_the_range_above_chance():
    assert chance_adjusted(0.25, 0.25) == 0 and chance_adjusted(1.0, 0.25) == 1
    forgetting = Estimate(0.1, 0.02, 0.06, 0.14, 200, "paired")
    adjusted = chance_adjusted_forgetting(forgetting, 0.5)
    assert (adjusted.value, adjusted.se, adjusted.ci_low, adjusted.ci_high) == pytest.approx((0.2, 0.04, 0.12, 0.28))
    # The same as the difference of the adjusted scores.
    assert adjusted.value == pytest.approx(chance_adjusted(0.8, 0.5) - chance_adjusted(0.7, 0.5))
    with pytest.raises(ValueError, match="chance level"):
        chance_adjusted_forgetting(forgetting, 1.0)


def test_mean_t_interval_matches_scipy_and_has_none_for_one_run():
    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 31, 60):  # 31 and more: beyond the 30 rows the table this replaced had
        values = rng.uniform(size=n)
        e = mean_t_interval(values, confidence=0.9)
        low, high = scipy_stats.t.interval(0.9, n - 1, loc=values.mean(), scale=scipy_stats.sem(values))
        assert (e.value, e.ci_low, e.ci_high, e.n) == pytest.approx((values.mean(), low, high, n), rel=1e-10)
    one = mean_t_interval([0.7]).to_dict()
    assert (one["value"], one["se"], one["ci_low"], one["ci_high"], one["n"]) == (0.7, None, None, None, 1)
