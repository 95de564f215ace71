"""Ranking at the protocol's fixed target accuracies: retention compared where submissions reach the same new-task
accuracy, since a method can always trade accuracy for retention and a raw comparison would reward training less.
The targets are fixed per (track, task) in `leaderboard/protocol.yaml` (never set by the submissions present).

Per (track, task):
1. each submission's runs, with each run's curve points read as the runs stopped there
   (`razorbench.analysis.curve_points`), are grouped into configurations, seeds averaged with 95% t-intervals
   (`analyze.frontier_points`), and its Pareto frontier of new-task accuracy against mean prior score is taken;
2. at each target accuracy t that its frontier reaches (its best seed-averaged accuracy ≥ t), retention (mean
   prior score), forgetting and forward KL and their interval bounds are interpolated linearly on the frontier
   (`analyze.interpolate_frontier`). A frontier whose lowest accuracy is above t counts with its first (most
   retentive) point: a configuration that reaches more than t retains at least that much at t. A target the
   frontier does not reach is "not reached": no number, no rank;
3. rank at t = 1 + the number of submissions reaching t whose retention interval lies wholly above this one's, so
   overlapping intervals are ties. Without intervals (a single seed) the point estimates order them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from razorbench.analysis.analyze import frontier_points, interpolate_frontier
from razorbench.analysis.curve_points import with_curve_points
from razorbench.analysis.fit import fit_with_interval
from razorbench.leaderboard.protocol import Protocol

QUANTITIES = ("prior", "forgetting", "forward_kl")


def _entry(sub: dict[str, Any]) -> dict[str, Any]:
    """One submission's configurations (seeds averaged, curve points included) and Pareto frontier."""
    records = with_curve_points(sub["records"])
    points, frontier = frontier_points(records)
    return {
        "name": sub["name"],
        "method": sub["method"]["name"],
        "authors": sub.get("authors", ""),
        "link": sub.get("link"),
        "runs": len(sub["records"]),
        "seeds": min(p["seeds"] for p in points),
        "points": points,
        "frontier": frontier,
        "best_accuracy": frontier[-1]["accuracy"],
        "records": records,
    }


def _reaching(frontier: list[dict[str, Any]], level: float) -> list[dict[str, Any]]:
    """The frontier as it counts at accuracy `level`: one that starts above `level` is extended flat down to it
    with its first point, since a configuration that reaches more than `level` retains at least that much."""
    first = frontier[0]
    return frontier if first["accuracy"] <= level else [{**first, "accuracy": level}, *frontier]


def at_target(entry: dict[str, Any], target: float) -> dict[str, Any]:
    """`entry`'s retention, forgetting and forward KL (value, low, high) at `target`, or "not reached"."""
    row = {"name": entry["name"], "method": entry["method"], "reached": entry["best_accuracy"] >= target}
    if not row["reached"]:
        return row
    frontier = _reaching(entry["frontier"], target)
    for key in QUANTITIES:
        row[key] = {
            bound: _interpolate(frontier, key if bound == "value" else f"{key}_{bound}", target)
            for bound in ("value", "low", "high")
        }
    return row


def _interpolate(frontier: list[dict[str, Any]], key: str, target: float) -> float | None:
    if any(p[key] is None for p in frontier):  # single-seed points have no interval
        return None
    return interpolate_frontier([(p["accuracy"], p[key]) for p in frontier], target)


def _above(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether `a` retains significantly more than `b`: its interval wholly above (point estimates without one)."""
    pa, pb = a["prior"], b["prior"]
    if None in (pa["low"], pa["high"], pb["low"], pb["high"]):
        return pa["value"] > pb["value"]
    return pa["low"] > pb["high"]


def rank_at(entries: list[dict[str, Any]], target: float) -> list[dict[str, Any]]:
    """Every entry's row at `target`: reached ones ranked (ties where intervals overlap), then those not reached."""
    rows = [at_target(e, target) for e in entries]
    reached = [r for r in rows if r["reached"]]
    for r in reached:
        r["rank"] = 1 + sum(_above(o, r) for o in reached if o is not r)
    for r in reached:
        r["tie"] = sum(o["rank"] == r["rank"] for o in reached) > 1
    reached.sort(key=lambda r: (r["rank"], -r["prior"]["value"], r["name"]))
    return reached + sorted((r for r in rows if not r["reached"]), key=lambda r: r["name"])


def standings(submissions: list[dict[str, Any]], protocol: Protocol) -> list[dict[str, Any]]:
    """Per (track, task): its protocol, every submission's frontier, the rows at each target, and the law fit."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sub in submissions:
        groups[(sub["track"], sub["task"])].append(sub)
    out = []
    for (track, task), subs in sorted(groups.items()):
        p = protocol.task(track, task)
        entries = [_entry(s) for s in sorted(subs, key=lambda s: s["name"])]
        runs = [r for e in entries for r in e["records"]]
        base = runs[0]["metrics"]
        out.append(
            {
                "track": track,
                "task": task,
                "protocol": p,
                "base_model": subs[0]["base_model"],
                "base_accuracy": base["base_new_task_accuracy"],
                "base_prior": sum(s["base"] for s in base["prior_scores"].values()) / len(base["prior_scores"]),
                "entries": entries,
                "targets": [{"accuracy": t, "rows": rank_at(entries, t)} for t in p.targets],
                "law": _law(runs),
            }
        )
    return out


def _law(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Forgetting against forward KL over every run and curve point of a (track, task): the paper's quadratic
    through 0, with bootstrap intervals (`analysis.fit.fit_with_interval`)."""
    if len(runs) < 3:
        return None
    x = [r["metrics"]["forward_kl"] for r in runs]
    y = [r["metrics"]["forgetting"] for r in runs]
    return {"n": len(runs), **fit_with_interval(x, y, "quadratic0")}
