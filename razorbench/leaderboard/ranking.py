"""Ranking at the protocol's fixed target accuracies: retention compared where submissions reach the same new-task
accuracy, since a method can always trade accuracy for retention and a raw comparison would reward training less.
The targets are fixed per (track, task) in `leaderboard/protocol.yaml` (never set by the submissions present).

Per (track, task):
1. each submission's runs, with each run's curve points read as the runs stopped there and its base (step 0) as
   a point of its own (`razorbench.analysis.curve_points`), are grouped into configurations, seeds averaged with
   95% t-intervals (`analyze.frontier_points`), and its Pareto frontier of new-task accuracy against mean prior
   score is taken over all of its configurations;
2. at each target accuracy t, retention (mean prior score), forgetting and forward KL are read only between the
   two measured frontier points that bracket t (`analysis.at_accuracy.bracket`). A target beyond the frontier's
   end is "not reached"; nothing is extended flat below a first point (the base is the first point, so a cell
   read off target can only come from a frontier without its base: `off_target` lists those, and
   `leaderboard build --check` fails on them);
3. entries are compared pairwise by the difference of their retention at t with its paired interval
   (`analysis.difference.retention_difference`, shared with the reproduction reports); two entries tie only where
   that interval covers 0. Rank = 1 + the number of entries found to retain more; the groups of entries not told
   apart are shown as a compact letter display (`analysis.letters`). Forward KL is shown, never ranked;
4. entries are ranked within their pool only: verified (re-executed by `leaderboard verify`, stamped in
   verified.json) apart from unverified ones, the current protocol apart from an archived one;
5. each board's resolution: the median half-width of its difference intervals, the smallest difference in
   retention it can tell from 0 (and their range).
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from typing import Any

from razorbench.analysis.analyze import frontier_points
from razorbench.analysis.at_accuracy import bracket
from razorbench.analysis.curve_points import with_curve_points
from razorbench.analysis.difference import Frontier, retention_difference
from razorbench.analysis.fit import fit_with_interval
from razorbench.analysis.letters import compact_letters
from razorbench.leaderboard.protocol import Protocol

QUANTITIES = ("prior", "forgetting", "forward_kl")
VERIFIED = "verified"


def _entry(sub: dict[str, Any], status: str, protocol: Protocol) -> dict[str, Any]:
    """One submission's configurations (seeds averaged, curve points and base included) and Pareto frontier."""
    runs = with_curve_points(sub["records"])  # the law's points: the base is every run's (0, 0), left out
    with_base = with_curve_points(sub["records"], base=True)
    points, frontier = frontier_points(with_base)
    frontier = _from_base(points, frontier)
    archived = sub["protocol_version"] != protocol.version
    return {
        "name": sub["name"],
        "method": sub["method"]["name"],
        "authors": sub.get("authors", ""),
        "link": sub.get("link"),
        "runs": len(sub["records"]),
        "rates": len({r["config"].get("optim", {}).get("lr") for r in sub["records"]}),
        "seeds": min(p["seeds"] for p in points),
        "points": points,
        "frontier": frontier,
        "compare": Frontier(frontier, {r["run_id"]: r for r in with_base}),
        "best_accuracy": frontier[-1]["accuracy"],
        "records": runs,
        "status": status,
        "protocol_version": sub["protocol_version"],
        "pool": (archived, status != VERIFIED),
    }


def _from_base(points: list[dict[str, Any]], frontier: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frontier starting at the base, a measured point even where a later point retains as much (and so
    dominates it): without it, targets below that point would have nothing to be read between."""
    # Step-0 points are the runs' "<run id>@0" records (curve_points); a submitted run id cannot hold "@".
    base = next((p for p in points if all(i.endswith("@0") for i in p["run_ids"])), None)
    if base is None or base["accuracy"] >= frontier[0]["accuracy"]:
        return frontier
    return [base, *frontier]


def pool_label(entry: dict[str, Any]) -> str:
    archived, _ = entry["pool"]
    version = f"protocol v{entry['protocol_version']}" + (" (archived)" if archived else "")
    return f"{version}, {entry['status']}"


def at_target(entry: dict[str, Any], target: float) -> dict[str, Any]:
    """`entry`'s retention, forgetting and forward KL (value, low, high) at `target`, read between the frontier
    points that bracket it, or "not reached"."""
    row = {"name": entry["name"], "method": entry["method"], "pool": entry["pool"], "label": pool_label(entry)}
    reading = bracket(entry["frontier"], target)
    row["reached"] = reading is not None
    row["off_target"] = reading is None and entry["frontier"][0]["accuracy"] > target
    if reading is None:
        return row
    row["between"] = (reading.lo["accuracy"], reading.hi["accuracy"])
    for key in QUANTITIES:
        row[key] = {
            bound: reading.value(key if bound == "value" else f"{key}_{bound}") for bound in ("value", "low", "high")
        }
    return row


def rank_at(entries: list[dict[str, Any]], target: float) -> tuple[list[dict[str, Any]], list[float]]:
    """Every entry's row at `target` (pool by pool: reached ones ranked by difference intervals, with letters, then
    those not reached) and the half-widths of the difference intervals compared."""
    by_name = {e["name"]: e for e in entries}
    rows = [at_target(e, target) for e in entries]
    out, widths = [], []
    for pool in sorted({r["pool"] for r in rows}):
        reached = sorted(
            (r for r in rows if r["pool"] == pool and r["reached"]), key=lambda r: (-r["prior"]["value"], r["name"])
        )
        better: dict[str, set[str]] = {r["name"]: set() for r in reached}
        different = []
        for i, a in enumerate(reached):
            for b in reached[i + 1 :]:
                d = retention_difference(by_name[a["name"]]["compare"], by_name[b["name"]]["compare"], target)
                if d is None or d.ci_low != d.ci_low:  # no interval (fewer than 2 shared seeds): never different
                    continue
                widths.append((d.ci_high - d.ci_low) / 2)
                if d.ci_low > 0 or d.ci_high < 0:
                    winner, loser = (a, b) if d.ci_low > 0 else (b, a)
                    better[loser["name"]].add(winner["name"])
                    different.append((a["name"], b["name"]))
        letters = compact_letters([r["name"] for r in reached], different)
        for r in reached:
            r["rank"] = 1 + len(better[r["name"]])
            r["letters"] = letters[r["name"]]
        for r in reached:
            r["tie"] = sum(o["rank"] == r["rank"] for o in reached) > 1
        reached.sort(key=lambda r: (r["rank"], -r["prior"]["value"], r["name"]))
        out += reached + sorted((r for r in rows if r["pool"] == pool and not r["reached"]), key=lambda r: r["name"])
    return out, widths


def off_target(groups: list[dict[str, Any]]) -> list[str]:
    """Cells that would be read off target (a frontier starting above the target), as "track/task@t: name"."""
    return [
        f"{g['track']}/{g['task']}@{t['accuracy']:.2f}: {r['name']}"
        for g in groups
        for t in g["targets"]
        for r in t["rows"]
        if r["off_target"]
    ]


def standings(
    submissions: list[dict[str, Any]], protocol: Protocol, statuses: dict[tuple[str, str, str], str] | None = None
) -> list[dict[str, Any]]:
    """Per (track, task): its protocol, every submission's frontier, the rows at each target, the board's resolution
    and the law fit. `statuses`: (track, task, name) -> "verified" or why not (default: every one verified)."""
    statuses = statuses or {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sub in submissions:
        groups[(sub["track"], sub["task"])].append(sub)
    out = []
    for (track, task), subs in sorted(groups.items()):
        p = protocol.task(track, task)
        entries = [
            _entry(s, statuses.get((track, task, s["name"]), VERIFIED), protocol)
            for s in sorted(subs, key=lambda s: s["name"])
        ]
        runs = [r for e in entries for r in e["records"]]
        targets, widths = [], []
        for t in p.targets:
            rows, w = rank_at(entries, t)
            targets.append({"accuracy": t, "rows": rows})
            widths += w
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
                "targets": targets,
                "resolution": _resolution(widths),
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


def _resolution(half_widths: list[float]) -> dict[str, float] | None:
    """The smallest difference in retention the board tells from 0: the median half-width of its 95% difference
    intervals, with their range; None when it compared no pair."""
    if not half_widths:
        return None
    return {"median": median(half_widths), "low": min(half_widths), "high": max(half_widths), "n": len(half_widths)}
