"""Ranking at matched accuracy: retention compared where every submission reaches the same new-task accuracy,
since a method can always trade accuracy for retention and a raw comparison would reward training less.

Per (track, task):
1. each submission's runs are grouped into configurations, seeds averaged (`analyze.configurations`), and
   its Pareto frontier of new-task accuracy against mean prior score is taken (`analyze.pareto_frontier`);
2. the matched accuracy a* is the highest new-task accuracy that every frontier reaches: the least of their
   best accuracies;
3. retention (mean prior score), forgetting and forward KL are interpolated linearly on each frontier at
   a* (`analyze.interpolate_frontier`). A frontier whose lowest accuracy is above a* counts with its first
   (most retentive) point: a configuration that reaches more than a* retains at least that much at a*;
4. rank = 1 + the number of submissions whose retention at a* is significantly higher: their 95%
   t-intervals over seeds do not overlap (`analyze.matched_accuracy`), so a difference within the noise is
   a tie. A frontier of single-seed points has no interval: ranks then follow the point estimates and
   are marked untested.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from razorbench.analysis.analyze import frontier_points, interpolate_frontier, matched_accuracy
from razorbench.analysis.fit import fit


def _entry(sub: dict[str, Any]) -> dict[str, Any]:
    """One submission's configurations (seeds averaged) and Pareto frontier, in analyze's point format."""
    points, frontier = frontier_points(sub["records"])
    return {
        "name": sub["name"],
        "method": sub["method"]["name"],
        "authors": sub.get("authors", ""),
        "link": sub.get("link"),
        "runs": len(sub["records"]),
        "seeds": max(p["seeds"] for p in points),
        "points": points,
        "frontier": frontier,
        "best_accuracy": frontier[-1]["accuracy"],
        "records": sub["records"],
    }


def _reaching(frontier: list[dict[str, Any]], level: float) -> list[dict[str, Any]]:
    """The frontier as it counts at accuracy `level`: one that starts above `level` is extended flat down to it
    with its first point, since a configuration that reaches more than `level` retains at least that much."""
    first = frontier[0]
    return frontier if first["accuracy"] <= level else [{**first, "accuracy": level}, *frontier]


def standings(submissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (track, task): the matched accuracy, and every submission's numbers and rank there."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sub in submissions:
        groups[(sub["track"], sub["task"])].append(sub)
    out = []
    for (track, task), subs in sorted(groups.items()):
        entries = [_entry(s) for s in sorted(subs, key=lambda s: s["name"])]
        level = min(e["best_accuracy"] for e in entries)  # a*: the highest accuracy every frontier reaches
        for e in entries:
            e["frontier_at"] = _reaching(e["frontier"], level)
            for key in ("prior", "forgetting", "forward_kl"):
                e[f"{key}_at"] = interpolate_frontier([(p["accuracy"], p[key]) for p in e["frontier_at"]], level)
        seeded = all(p["seeds"] > 1 for e in entries for p in e["frontier_at"])
        significant: dict[str, bool] = {}
        if len(entries) > 1:
            # Every frontier now spans a*, and the one with the lowest best accuracy ends there, so the
            # common range is [low, a*]: two levels, of which a* is the last.
            frontiers = {e["name"]: {"points": e["points"], "frontier": e["frontier_at"]} for e in entries}
            matched = matched_accuracy(frontiers, levels=2)
            significant = {pair: flags[-1] for pair, flags in matched["significant"].items()}
        for e in entries:
            better = [
                o
                for o in entries
                if o["prior_at"] > e["prior_at"]
                and (not seeded or significant[" vs ".join(sorted((o["name"], e["name"])))])
            ]
            e["rank"] = 1 + len(better)
        for e in entries:
            e["tie"] = sum(o["rank"] == e["rank"] for o in entries) > 1
        rows = sorted(entries, key=lambda e: (e["rank"], -e["prior_at"], e["name"]))
        runs = [r for e in entries for r in e["records"]]
        base = runs[0]["metrics"]
        out.append(
            {
                "track": track,
                "task": task,
                "base_model": subs[0]["base_model"],
                "base_accuracy": base["base_new_task_accuracy"],
                "base_prior": sum(s["base"] for s in base["prior_scores"].values()) / len(base["prior_scores"]),
                "matched_accuracy": level,
                "seeded": seeded,
                "rows": rows,
                "law": _law(runs),
            }
        )
    return out


def _law(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Forgetting against forward KL over every run of a (track, task): the paper's quadratic through 0."""
    if len(runs) < 3:
        return None
    x = [r["metrics"]["forward_kl"] for r in runs]
    y = [r["metrics"]["forgetting"] for r in runs]
    coefs, r2 = fit(x, y, "quadratic0")
    return {"n": len(runs), "coefs": coefs, "r2": r2}
