"""Ranking at the protocol's fixed target accuracies: frontiers interpolated at each target, one that starts above
a target counted with its first point, differences within the seeds' noise ranked as ties, a target not reached
shown as such, and curve points read as runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from razorbench.leaderboard.protocol import Protocol
from razorbench.leaderboard.ranking import standings
from razorbench.leaderboard.validation import load_submissions


def test_ranking_at_fixed_targets_with_ties_and_not_reached(seeded_submissions: Path, protocol: Protocol):
    (group,) = standings(load_submissions(seeded_submissions), protocol)
    assert [t["accuracy"] for t in group["targets"]] == [0.4, 0.65, 0.9]
    at = {t["accuracy"]: {r["name"]: r for r in t["rows"]} for t in group["targets"]}
    # 0.4: every frontier reaches it (seed means: near 0.21-0.61, mid 0.26-0.71, far 0.31-0.81, apart 0.96).
    assert [r["name"] for r in group["targets"][0]["rows"]] == ["apart", "far", "mid", "near"]
    assert [(at[0.4][n]["rank"], at[0.4][n]["tie"]) for n in ("apart", "far", "mid", "near")] == [
        (1, True),
        (1, True),
        (3, True),
        (3, True),
    ]
    # far's frontier, interpolated at 0.4 between its two configurations (accuracy 0.31 and 0.81).
    t = (0.4 - 0.31) / 0.5
    assert at[0.4]["far"]["forward_kl"]["value"] == pytest.approx(0.1 + t * 0.1)
    assert at[0.4]["far"]["prior"]["value"] == pytest.approx((1 - t) * 0.895 + t * 0.885)
    # apart's one configuration (accuracy 0.96) counts at 0.4 as it is: it reaches more and retains that much.
    assert (at[0.4]["apart"]["prior"]["value"], at[0.4]["apart"]["forward_kl"]["value"]) == (pytest.approx(0.895), 3.0)
    low, high = at[0.4]["apart"]["prior"]["low"], at[0.4]["apart"]["prior"]["high"]
    assert low < 0.895 < high  # seeds shift arithmetic by 0.01 each: a t-interval around the mean
    # 0.65: near's frontier ends at 0.61, so it is not reached there, listed last, with no rank.
    assert at[0.65]["near"] == {"name": "near", "method": "sft", "reached": False}
    assert [r["name"] for r in group["targets"][1]["rows"]][-1] == "near"
    # 0.9: only apart reaches it, alone at rank 1.
    assert [(r["name"], r.get("rank")) for r in group["targets"][2]["rows"]] == [
        ("apart", 1),
        ("far", None),
        ("mid", None),
        ("near", None),
    ]
    assert group["law"]["n"] == 21 and group["law"]["r2_low"] <= group["law"]["r2"] <= group["law"]["r2_high"]


def test_curve_points_extend_the_frontier(tmp_path: Path, protocol: Protocol, make_record, write_runs):
    from razorbench.leaderboard.submission import make_submission, submission_path, write_submission

    records = []
    for seed in range(3):
        r = make_record(f"s{seed}", acc=0.8, finals=(0.6, 0.9), kl=1.0, seed=seed)
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
    (row,) = group["targets"][0]["rows"]  # at 0.4, below the curve point at 0.5: its retention, flat
    assert row["prior"]["value"] == pytest.approx(0.9) and row["forward_kl"]["value"] == pytest.approx(0.2)
    assert group["entries"][0]["runs"] == 3 and len(group["entries"][0]["frontier"]) == 2
