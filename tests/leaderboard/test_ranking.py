"""Ranking at the protocol's fixed target accuracies: frontiers start at the base and are read only between the
points that bracket a target, entries are ranked by paired difference intervals with a compact letter display, a
target beyond a frontier's end is "not reached", curve points are read as runs, and pools are ranked apart."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest

from razorbench.leaderboard.protocol import Protocol
from razorbench.leaderboard.ranking import off_target, standings
from razorbench.leaderboard.status import Status
from razorbench.leaderboard.validation import load_submissions

T975 = 4.302653  # t(2; 0.975): 3 seeds


def test_ranking_by_paired_differences(seeded_submissions: Path, protocol: Protocol):
    (group,) = standings(load_submissions(seeded_submissions), protocol)
    assert [t["accuracy"] for t in group["targets"]] == [0.4, 0.65, 0.9]
    at = {t["accuracy"]: {r["name"]: r for r in t["rows"]} for t in group["targets"]}
    # Every frontier starts at the base (accuracy 0.2, retention (0.8 + 1.0)/2 = 0.9). Seed s shifts accuracy by
    # +0.01·s and arithmetic by -0.01·s, so each configuration's seed-mean accuracy is its listed one + 0.01.
    # far at 0.4: between (0.31, 0.895) and (0.81, 0.885), w = 0.18.
    assert at[0.4]["far"]["between"] == pytest.approx((0.31, 0.81))
    assert at[0.4]["far"]["prior"]["value"] == pytest.approx(0.895 - 0.18 * 0.01)
    assert at[0.4]["far"]["forward_kl"]["value"] == pytest.approx(0.1 + 0.18 * 0.1)
    # apart at 0.4: between the base (0.2, 0.9; KL 0) and its first configuration (0.96, 0.895), w = 0.2/0.76.
    w = 0.2 / 0.76
    assert at[0.4]["apart"]["between"] == pytest.approx((0.2, 0.96))
    assert at[0.4]["apart"]["prior"]["value"] == pytest.approx(0.9 - w * 0.005)
    assert at[0.4]["apart"]["forward_kl"]["value"] == pytest.approx(w * 3.0)
    # Paired by seed, the seeds' common shift cancels: near and mid differ by the same amount on every seed, so
    # they are told apart (100 000 items per prior keep the items' term small) although their own intervals
    # overlap. apart − far per seed: 0.0018 + 0.005·s·(1 − w), whose seeds' term alone covers 0: a tie.
    ranked = [(r["name"], r["rank"], r["letters"]) for r in group["targets"][0]["rows"]]
    assert ranked == [("apart", 1, "a"), ("far", 1, "a"), ("mid", 3, "b"), ("near", 4, "c")]
    mean_step = 0.005 * (1 - w)
    half = T975 * mean_step / math.sqrt(3)  # sd of (0, 1, 2)·step is step
    assert 0.0018 + mean_step - half < 0 < 0.0018 + mean_step + half
    # 0.65: near's frontier ends at 0.61: not reached, no rank, listed last.
    assert not at[0.65]["near"]["reached"] and "rank" not in at[0.65]["near"]
    assert [r["name"] for r in group["targets"][1]["rows"]][-1] == "near"
    # 0.9: only apart's frontier reaches it.
    assert [(r["name"], r.get("rank")) for r in group["targets"][2]["rows"]] == [
        ("apart", 1),
        ("far", None),
        ("mid", None),
        ("near", None),
    ]
    assert off_target([group]) == []
    # The resolution: the median half-width of the board's difference intervals; no pair told apart on a gap below.
    resolution = group["resolution"]
    assert 0 <= resolution["low"] <= resolution["median"] <= resolution["high"] and resolution["high"] > 0
    assert resolution["item_step"] == (1 / 200_000, 1 / 200_000) and resolution["exact"] == 0  # no per-item results
    for t in group["targets"]:
        letters = {r["name"]: r["letters"] for r in t["rows"] if r["reached"]}
        for (a, b), d in t["pairs"].items():
            if not set(letters[a]) & set(letters[b]):
                assert abs(d.value) >= resolution["stated"] >= resolution["median"] and (d.low > 0 or d.high < 0)
    assert group["law"]["n"] == 24 and group["law"]["r2_low"] <= group["law"]["r2"] <= group["law"]["r2_high"]


def test_forward_kl_is_shown_not_ranked(seeded_submissions: Path, protocol: Protocol):
    subs = load_submissions(seeded_submissions)
    ranks = [[(r["name"], r.get("rank")) for r in t["rows"]] for t in standings(subs, protocol)[0]["targets"]]
    for sub in subs:
        for r in sub["records"]:
            r["metrics"]["forward_kl"] *= 10 if sub["name"] == "far" else 0.1
    assert [[(r["name"], r.get("rank")) for r in t["rows"]] for t in standings(subs, protocol)[0]["targets"]] == ranks


def test_pools_are_ranked_apart(seeded_submissions: Path, protocol: Protocol):
    subs = load_submissions(seeded_submissions)
    statuses = {
        ("tiny", "science", "far"): Status("pending", "pending (method not in the repository)"),
        ("tiny", "science", "near"): Status("disagreed", "disagreed on re-execution: records[0].metrics.x"),
    }
    (group,) = standings(subs, protocol, statuses)
    rows = group["targets"][0]["rows"]
    # far, the most retentive but one, is pending: ranked in its own pool, after every verified entry; near disagreed
    # on re-execution: shown last, not ranked.
    assert [(r["name"], r.get("rank")) for r in rows] == [("apart", 1), ("mid", 2), ("far", 1), ("near", None)]
    assert rows[2]["label"] == "protocol v1, pending (method not in the repository)"
    assert [r["kind"] for r in rows] == ["verified", "verified", "pending", "disagreed"]


def test_frontier_starting_above_a_target_is_off_target(seeded_submissions: Path, protocol: Protocol):
    """A frontier without its base would be read beside a target below its first point: `off_target` names it
    (and `build --check` fails on it)."""
    from razorbench.leaderboard.ranking import at_target

    (group,) = standings(load_submissions(seeded_submissions), protocol)
    apart = copy.deepcopy(next(e for e in group["entries"] if e["name"] == "apart"))
    apart["frontier"] = apart["frontier"][1:]  # drop the base
    row = at_target(apart, 0.4)
    assert not row["reached"] and row["off_target"]
    group["targets"][0]["rows"].append(row)
    assert off_target([group]) == ["tiny/science@0.40: apart"]


def test_curve_points_extend_the_frontier(tmp_path: Path, protocol: Protocol, make_record, write_runs):
    from razorbench.leaderboard.submission import make_submission, submission_path, write_submission

    records = []
    for seed, lr in ((s, lr) for s in range(3) for lr in (1e-4, 1e-3)):  # the protocol's two rates
        r = make_record(f"s{seed}-{lr}", acc=0.8, finals=(0.6, 0.9), kl=1.0, seed=seed, lr=lr)
        # Halfway, the run was at accuracy 0.5 with arithmetic still at 0.8: a more retentive frontier point.
        r["curve"] = [
            {
                "step": 5,
                "new_task_accuracy": 0.5,
                "prior_scores": {"arithmetic": 0.8, "capitals": 1.0},
                "forward_kl": 0.2,
                "forward_kl_per_token": 0.1,
            }
        ]
        r["metrics"]["n_new_task_prompts"] = r["metrics"]["n_kl_prompts"] = 10
        records.append(r)
    root = tmp_path / "leaderboard" / "submissions"
    sub = make_submission([write_runs(tmp_path / "runs", records)], "curved", protocol=protocol)
    write_submission(sub, submission_path(root, sub))
    (group,) = standings(load_submissions(root), protocol)
    # At 0.4, between the base (0.2; retention 0.9, KL 0) and the curve point (0.5; retention 0.9, KL 0.2), which
    # dominates the base but does not remove it: a target is read between measured points, never beside one.
    (row,) = group["targets"][0]["rows"]
    assert row["between"] == pytest.approx((0.2, 0.5))
    assert row["prior"]["value"] == pytest.approx(0.9) and row["forward_kl"]["value"] == pytest.approx(0.2 * 2 / 3)
    assert group["entries"][0]["runs"] == 6 and len(group["entries"][0]["frontier"]) == 3
