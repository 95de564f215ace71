"""Two methods compared at matched new-task accuracy by the one rule: the claim "A forgets less than B" judged on
the accuracy range both Pareto frontiers cover (`razorbench.analysis.analyze.matched_accuracy`, evenly spaced levels),
from the paired gap in retention at each level with its 95% interval over seeds and items
(`razorbench.analysis.difference`) and the verdict of `razorbench.analysis.verdict`. Every report and
`razorbench analyze` compare pairs with `compare_pair`; there is no second rule.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from razorbench.analysis.analyze import matched_accuracy
from razorbench.analysis.difference import Frontier, retention_difference
from razorbench.analysis.verdict import MIN_OVERLAP, describe, level_sign, verdict


def compare_pair(
    frontiers: dict[str, Any],
    better: str,
    worse: str,
    records: list[dict[str, Any]],
    levels: int,
    min_overlap: float = MIN_OVERLAP,
) -> dict[str, Any]:
    """The claim that `better` forgets less than `worse`, judged at matched accuracies on their frontiers by the
    one rule (`analysis.verdict`) from the paired gap in retention at each level (`analysis.difference`); one base
    for every run, so the gap in retention is the gap in forgetting. `records`: the runs the frontiers are made of."""
    claim = f"{better} forgets less than {worse}"
    if better not in frontiers or worse not in frontiers:
        return {"claim": claim, "verdict": "not testable", "note": "a method has no runs"}
    matched = matched_accuracy({better: frontiers[better], worse: frontiers[worse]}, levels)
    if not matched["levels"]:
        return {"claim": claim, "verdict": "not testable", "note": matched.get("note", "no common accuracy range")}
    low, high = matched["levels"][0], matched["levels"][-1]
    if high - low < min_overlap:
        note = f"the frontiers share only accuracies {low:.3f}–{high:.3f}, narrower than {min_overlap}"
        return {"claim": claim, "verdict": "not testable", "note": note}
    # Each side reads its own method's runs: a sweep names a run by its grid point and seed only, so two methods'
    # runs of the same point share a run id.
    sides = [
        Frontier(frontiers[m]["frontier"], {r["run_id"]: r for r in records if r["method"] == m})
        for m in (better, worse)
    ]
    gaps = [retention_difference(*sides, level) for level in matched["levels"]]  # > 0: `better` forgets less
    signs = [level_sign(g.ci_low, g.ci_high) if g is not None else 0 for g in gaps]
    scores = records[0]["metrics"]["prior_scores"]
    base_prior = sum(x["base"] for x in scores.values()) / len(scores)
    forget = {m: [base_prior - p for p in matched["prior"][m]] for m in (better, worse)}
    return {
        "claim": claim,
        "verdict": verdict(signs, high - low, min_overlap),
        "how": describe(signs),
        "levels": matched["levels"],
        "forgetting": forget,
        "gap": [g.value for g in gaps],
        "gap_interval": [(g.ci_low, g.ci_high) for g in gaps],
        "mean_gap": float(np.mean([g.value for g in gaps])),
        "signs": signs,
        "overlap": high - low,
    }


def compare_methods(
    group: dict[str, Any], records: list[dict[str, Any]], levels: int = 5, min_overlap: float = MIN_OVERLAP
) -> list[dict[str, Any]]:
    """Every pair of an `analyze` group's methods, in name order, each as `compare_pair` judges "the first forgets
    less than the second" ("reversed": the second forgets less). `records`: the group's runs. Runs are read by
    their run id, so a method whose runs repeat an id (two sweeps of one grid) has its pairs not judged."""
    methods = sorted(group["methods"])
    repeated: dict[str, str] = {}  # method -> the first run id its runs repeat
    for (method, run_id), n in Counter((r["method"], r["run_id"]) for r in records).items():
        if n > 1:
            repeated.setdefault(method, run_id)
    out = []
    for i, a in enumerate(methods):
        for b in methods[i + 1 :]:
            clash = next((f"{m}'s run id {repeated[m]!r}" for m in (a, b) if m in repeated), None)
            if clash:
                note = f"two runs share {clash}: pass one sweep per method"
                out.append({"claim": f"{a} forgets less than {b}", "verdict": "not testable", "note": note})
            else:
                out.append(compare_pair(group["methods"], a, b, records, levels, min_overlap))
    return out
