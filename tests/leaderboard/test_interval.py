"""The difference interval over seeds and items (razorbench/leaderboard/interval.py), against references computed by
hand from its docstring's formula: exact item term, bound, one entry's own interval; and two entries whose seeds
agree exactly but whose items differ, ranked by `standings` from their packed per-item results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t as student_t

from razorbench.leaderboard.interval import Side, difference
from razorbench.leaderboard.protocol import Protocol
from razorbench.leaderboard.ranking import standings
from razorbench.leaderboard.submission import make_submission, submission_path, write_submission
from razorbench.leaderboard.validation import load_submissions


def test_seeds_that_agree_exactly_leave_the_items_width():
    """Seeds 0-2 score alike; A and B keep the same scores but lose different items.
    D_p = (0, 0, 1, −1), D_q = (1, −1): V_item = (1/2²)·(2/4² + 2/2²) = 0.15625, V_seed = 0, ν = M − P = 6 − 2 = 4,
    half-width = t_0.975(4)·√0.15625 = 2.7764451·0.3952847 = 1.0974863."""
    a_items = {"p": np.array([1.0, 1, 1, 0]), "q": np.array([1.0, 0])}
    b_items = {"p": np.array([1.0, 1, 0, 1]), "q": np.array([0.0, 1])}
    scores = {"p": 0.75, "q": 0.5}
    ids = {"p": "x", "q": "y"}
    a = Side({s: dict(scores) for s in range(3)}, {s: a_items for s in range(3)}, ids)
    b = Side({s: dict(scores) for s in range(3)}, {s: b_items for s in range(3)}, ids)
    d = difference(a, b, {"p": 4, "q": 2})
    assert d.item_term == "exact" and d.value == 0
    assert d.high == pytest.approx(1.0974863, abs=1e-6) and d.low == pytest.approx(-1.0974863, abs=1e-6)
    seeds_only = difference(Side(a.scores), Side(b.scores), {"p": 4, "q": 2}, confidence=0.95)
    assert seeds_only.item_term == "bound" and seeds_only.high - seeds_only.low > 0  # the bound is never 0 here


def test_seeds_and_the_bound_combine_by_satterthwaite():
    """No per-item results: prior p (10 items) A 0.9, 0.8, 0.7 against B 0.6; prior q (20 items) 1.0 against 0.5.
    d_s = (0.4, 0.35, 0.3): d = 0.35, V_seed = 0.0025/3. Bound: p, u_s = (0.5, 0.6, 0.7), D̄ = 0.2:
    (0.6 − 0.04)/10 = 0.056; q, u = 0.5, D̄ = 0.5: (0.5 − 0.25)/20 = 0.0125; V_item = (0.056 + 0.0125)/4 = 0.017125.
    ν = V²/(V_seed²/2 + V_item²/28)."""
    a = Side({0: {"p": 0.9, "q": 1.0}, 1: {"p": 0.8, "q": 1.0}, 2: {"p": 0.7, "q": 1.0}})
    b = Side({s: {"p": 0.6, "q": 0.5} for s in range(3)})
    d = difference(a, b, {"p": 10, "q": 20})
    v_seed, v_item = 0.0025 / 3, 0.017125
    nu = (v_seed + v_item) ** 2 / (v_seed**2 / 2 + v_item**2 / 28)
    half = student_t.ppf(0.975, nu) * math.sqrt(v_seed + v_item)
    assert nu == pytest.approx(29.80, abs=0.01) and half == pytest.approx(0.2737, abs=1e-4)
    assert (d.value, d.low, d.high) == pytest.approx((0.35, 0.35 - half, 0.35 + half), abs=1e-12)
    # One entry's own interval: B ≡ 0, whose bound is the binomial Ā(1 − Ā)/m per prior.
    own = difference(b, b.zero(), {"p": 10, "q": 20})
    v = (0.6 * 0.4 / 10 + 0.5 * 0.5 / 20) / 4
    half = student_t.ppf(0.975, 28) * math.sqrt(v)
    assert (own.value, own.low, own.high) == pytest.approx((0.55, 0.55 - half, 0.55 + half), abs=1e-12)
    # Fewer than two shared seeds: no interval.
    assert math.isnan(difference(Side({0: {"p": 1.0}}), Side({0: {"p": 0.0}}), {"p": 5}).low)


ITEMS = 10  # per prior, the fixtures' prior_limit


def _items(score: float, lost: list[int]) -> dict[str, float]:
    """{item id: 0/1} over ITEMS items: the first round(score·ITEMS) right, but each item in `lost` wrong instead of
    the first wrong one (the score stays)."""
    right = round(score * ITEMS)
    values = [1.0] * right + [0.0] * (ITEMS - right)
    for i in lost:
        j = min(k for k in range(ITEMS) if values[k] == 0.0 and k not in lost)
        values[i], values[j] = 0.0, 1.0
    return {f"i{k}": v for k, v in enumerate(values)}


def _entry(tmp_path: Path, protocol: Protocol, make_record, write_runs, name: str, lost: list[int]) -> None:
    """An entry whose three seeds are identical: at lr 1e-4 accuracy 0.6, priors (0.7, 0.9) with the items in `lost`
    wrong; at lr 1e-3 accuracy 0.9, priors (0.6, 0.8)."""
    records = []
    for seed in range(3):
        for lr, acc, finals in ((1e-4, 0.6, (0.7, 0.9)), (1e-3, 0.9, (0.6, 0.8))):
            r = make_record(f"{name}-{lr}-s{seed}", acc=acc, finals=finals, kl=1.0, lr=lr, seed=seed)
            r["per_example"] = {
                "new_task": {"base": {"a": 0.2, "b": 0.2}, "final": {"a": acc, "b": acc}},
                "priors": {
                    "arithmetic": {"base": _items(0.8, []), "final": _items(finals[0], lost)},
                    "capitals": {"base": _items(1.0, []), "final": _items(finals[1], lost)},
                },
            }
            records.append(r)
    root = tmp_path / "leaderboard" / "submissions"
    sub = make_submission([write_runs(tmp_path / "runs" / name, records)], name, protocol=protocol)
    write_submission(sub, submission_path(root, sub))


def test_two_entries_whose_seeds_agree_but_items_differ(tmp_path: Path, protocol: Protocol, make_record, write_runs):
    """At 0.4, both read halfway between the base (0.2) and lr 1e-4 (0.6). Base items: arithmetic 8 of 10 right
    (i8, i9 wrong), capitals all. `one` loses i7 of arithmetic and i9 of capitals, `other` i0 of each: interpolated,
    D_arithmetic = ±0.5 on i0, i7, D_capitals = ±0.5 on i0, i9, so V_item = (0.5/10² + 0.5/10²)/4 = 0.0025, ν = 20 − 2,
    half-width t_0.975(18)·0.05 = 0.1050461. One entry: arithmetic (1×7, 0.5, 0, 0), capitals (1×9, 0.5):
    V = ((7·0.25² + 0.25² + 2·0.75²)/100 + (9·0.05² + 0.45²)/100)/4 = 0.004625, retention 0.85."""
    _entry(tmp_path, protocol, make_record, write_runs, "one", lost=[])
    _entry(tmp_path, protocol, make_record, write_runs, "other", lost=[0])
    (group,) = standings(load_submissions(tmp_path / "leaderboard" / "submissions"), protocol)
    target = group["targets"][0]
    assert target["accuracy"] == 0.4
    (d,) = target["pairs"].values()
    assert d.item_term == "exact" and d.value == 0
    assert (d.low, d.high) == pytest.approx((-0.1050461, 0.1050461), abs=1e-6)
    rows = {r["name"]: r for r in target["rows"]}
    half = student_t.ppf(0.975, 18) * math.sqrt(0.004625)
    assert rows["one"]["prior"] == pytest.approx({"value": 0.85, "low": 0.85 - half, "high": 0.85 + half}, abs=1e-9)
    assert rows["one"]["rank"] == rows["other"]["rank"] == 1
    assert group["resolution"]["exact"] == group["resolution"]["n"] == 3  # every reading between records with items
