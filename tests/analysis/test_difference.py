"""The one comparison at matched accuracy, pinned against hand-computed cases: frontiers read between bracketing
points only, seeds paired, the Student-t interval over seeds, and the exact item bootstrap where items exist."""

from __future__ import annotations

import math

import numpy as np
import pytest

from razorbench.analysis.at_accuracy import bracket
from razorbench.analysis.difference import (
    Frontier,
    item_bootstrap_variance,
    paired_seed_difference,
    retention_difference,
)


def _run(run_id: str, seed: int, priors: dict[str, float], items: dict[str, dict[str, float]] | None = None) -> dict:
    record = {
        "run_id": run_id,
        "config": {"seed": seed},
        "metrics": {"prior_scores": {p: {"base": 1.0, "final": v} for p, v in priors.items()}},
    }
    if items is not None:
        record["per_example"] = {"priors": {p: {"final": scores} for p, scores in items.items()}}
    return record


def _frontier(points: list[tuple[float, list[dict]]]) -> Frontier:
    """Points (accuracy, runs of its seeds); "prior" is the seeds' mean retention, as frontier_points makes it."""
    pts, records = [], {}
    for accuracy, runs in points:
        for r in runs:
            records[r["run_id"]] = r
        mean = np.mean([np.mean([s["final"] for s in r["metrics"]["prior_scores"].values()]) for r in runs])
        pts.append({"accuracy": accuracy, "prior": float(mean), "run_ids": [r["run_id"] for r in runs]})
    return Frontier(pts, records)


def test_student_t_over_paired_seeds_by_hand():
    # d = (0.01, 0.02, 0.03): mean 0.02, sd 0.01, SE 0.01/√3, t(2; 0.975) = 4.302653
    e = paired_seed_difference({0: 0.93, 1: 0.94, 2: 0.95}, {0: 0.92, 1: 0.92, 2: 0.92})
    half = 4.302653 * 0.01 / math.sqrt(3)
    assert (e.value, e.ci_low, e.ci_high, e.n) == pytest.approx((0.02, 0.02 - half, 0.02 + half, 3), abs=1e-6)
    # Only the seeds both sides ran are paired; one shared seed has no interval.
    lone = paired_seed_difference({0: 0.9, 5: 0.1}, {0: 0.8, 6: 0.1})
    assert lone.n == 1 and lone.value == pytest.approx(0.1) and math.isnan(lone.ci_low)


def test_item_variance_is_the_bootstrap_limit():
    d = {"p": np.array([1.0, 0.0, 0.0, 1.0, 1.0]), "q": np.array([0.0, -1.0, 0.0])}
    # By hand: p mean 0.6, Σ(d − 0.6)² = 1.2, /25 = 0.048; q mean −⅓, Σ = ⅔, /9 = 0.074074; sum/4 = 0.0305185
    assert item_bootstrap_variance(d) == pytest.approx((0.048 + (2 / 3) / 9) / 4)
    # ... which a Monte Carlo stratified bootstrap approaches.
    rng = np.random.default_rng(0)
    reps = [np.mean([rng.choice(v, v.size).mean() for v in d.values()]) for _ in range(20000)]
    assert np.var(reps) == pytest.approx(item_bootstrap_variance(d), rel=0.05)


def test_read_between_bracketing_points_with_each_seeds_own_values():
    a = _frontier(
        [
            (0.2, [_run(f"a0-{s}", s, {"x": 1.0}) for s in range(3)]),
            (0.6, [_run(f"a1-{s}", s, {"x": v}) for s, v in enumerate((0.80, 0.82, 0.84))]),
        ]
    )
    b = _frontier(
        [
            (0.2, [_run(f"b0-{s}", s, {"x": 1.0}) for s in range(3)]),
            (0.4, [_run(f"b1-{s}", s, {"x": v}) for s, v in enumerate((0.90, 0.90, 0.90))]),
            (0.8, [_run(f"b2-{s}", s, {"x": v}) for s, v in enumerate((0.70, 0.70, 0.70))]),
        ]
    )
    # At 0.5: a's w = 0.75 between 0.2 and 0.6 -> seeds 0.85, 0.865, 0.88; b's w = 0.25 between 0.4 and 0.8 -> 0.85.
    e = retention_difference(a, b, 0.5)
    assert e.value == pytest.approx(0.015)
    sd = np.std([0.0, 0.015, 0.03], ddof=1)
    assert e.ci_high - e.value == pytest.approx(4.302653 * sd / math.sqrt(3), rel=1e-6)
    # Beyond a's end (0.6) nothing is read; below a frontier's first point neither.
    assert retention_difference(a, b, 0.7) is None and retention_difference(a, b, 0.1) is None
    assert bracket(a.points, 0.6).w == 0.0


def test_items_widen_the_interval_only_where_both_sides_keep_them():
    def runs(prefix: str, scores: tuple[float, ...]) -> list[dict]:
        items = {"x": {str(i): v for i, v in enumerate(scores)}}
        return [_run(f"{prefix}-{s}", s, {"x": float(np.mean(scores)) + 0.01 * s}, items) for s in range(3)]

    a = _frontier([(0.5, runs("a", (1.0, 1.0, 0.0, 1.0)))])
    b = _frontier([(0.5, runs("b", (1.0, 0.0, 0.0, 1.0)))])
    with_items = retention_difference(a, b, 0.5)
    # Every seed's difference is the same (0.25), so the seeds add no variance; the per-item differences
    # (0, 1, 0, 0) have mean ¼ and exact bootstrap variance Σ(d − ¼)²/4² = 0.75/16.
    assert with_items.se == pytest.approx(math.sqrt(0.75 / 16))
    assert "items" in with_items.method
    for r in b.records.values():
        del r["per_example"]
    without = retention_difference(a, b, 0.5)
    assert without.se == pytest.approx(0.0, abs=1e-12) and "items" not in without.method
