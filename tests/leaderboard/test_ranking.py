"""Ranking at matched accuracy: frontiers interpolated at a*, one that starts above a* counted with its first
point, and differences within the seeds' noise ranked as ties."""

from __future__ import annotations

from pathlib import Path

import pytest

from razorbench.leaderboard.ranking import standings
from razorbench.leaderboard.validation import load_submissions


def test_ranking_at_matched_accuracy_with_ties(seeded_submissions: Path):
    (group,) = standings(load_submissions(seeded_submissions))
    assert group["seeded"] and group["matched_accuracy"] == pytest.approx(0.61)  # near's best, seeds averaged
    rows = {r["name"]: r for r in group["rows"]}
    assert [r["name"] for r in group["rows"]] == ["apart", "far", "mid", "near"]
    assert [(rows[n]["rank"], rows[n]["tie"]) for n in ("apart", "far", "mid", "near")] == [
        (1, True),
        (1, True),
        (3, True),
        (3, True),
    ]
    # apart's one configuration (accuracy 0.96) counts at 0.61 as it is: it reaches more and retains that much.
    assert (rows["apart"]["prior_at"], rows["apart"]["forward_kl_at"]) == (pytest.approx(0.895), 3.0)
    # far's frontier, interpolated at 0.61 between its two configurations (accuracy 0.31 and 0.81).
    t = (0.61 - 0.31) / 0.5
    assert rows["far"]["forward_kl_at"] == pytest.approx(0.1 + t * 0.1)
    assert rows["far"]["prior_at"] == pytest.approx((1 - t) * 0.895 + t * 0.885)
