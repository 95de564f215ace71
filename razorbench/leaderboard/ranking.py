"""Ranking at the protocol's fixed target accuracies: retention compared where submissions reach the same new-task
accuracy, since a method can always trade accuracy for retention and a raw comparison would reward training less.
The targets are fixed per (track, task) in `leaderboard/protocol.yaml` (never set by the submissions present).

Per (track, task):
1. each submission's runs, with each run's curve points read as the runs stopped there and its base (step 0) as
   a point of its own (`razorbench.analysis.curve_points`), are grouped into configurations, seeds averaged
   (`analyze.frontier_points`), and its Pareto frontier of new-task accuracy against mean prior score is taken over
   all of its configurations;
2. at each target accuracy t, retention (mean prior score), forgetting and forward KL are read only between the
   two measured frontier points that bracket t (`analysis.at_accuracy.bracket`). A target beyond the frontier's
   end is "not reached"; nothing is extended flat below a first point (the base is the first point, so a cell
   read off target can only come from a frontier without its base: `off_target` lists those, and
   `leaderboard build --check` fails on them). Retention and forgetting carry the 95% interval of `interval.py`,
   over seeds and items; forward KL its seed interval;
3. entries are compared pairwise by the difference of their retention at t with the interval of `interval.py`
   (paired over seeds, and over items: exactly where every run read keeps per-item results, else bounded from the
   prior scores);
4. the board's resolution R: the median half-width of those difference intervals (rounded up to the 4 decimals
   the page states), the smallest difference in retention it tells from 0. Two entries are told apart only where
   their interval excludes 0 *and* their gap is at least R, so no two entries are ranked apart on a gap below the
   resolution the page states. Rank = 1 + the number of entries found to retain more; the groups of entries not
   told apart are a compact letter display (`analysis.letters`). Forward KL is shown, never ranked;
5. entries are ranked within their pool only (`status.py`): verified (every record re-executed and agreed), pending
   and archived apart from each other; an entry that disagreed on re-execution is shown, never ranked.
"""

from __future__ import annotations

import math
from collections import defaultdict
from statistics import median
from typing import Any

from razorbench.analysis.analyze import frontier_points
from razorbench.analysis.at_accuracy import bracket
from razorbench.analysis.curve_points import with_curve_points
from razorbench.analysis.difference import Frontier
from razorbench.analysis.fit import fit_with_interval
from razorbench.analysis.letters import compact_letters
from razorbench.leaderboard.interval import EXACT, Interval, difference
from razorbench.leaderboard.protocol import Protocol
from razorbench.leaderboard.sides import read_side, sizes
from razorbench.leaderboard.status import DISAGREED, KINDS, VERIFIED, Status

QUANTITIES = ("prior", "forgetting", "forward_kl")
EVERY_ONE_VERIFIED = Status(VERIFIED, "verified")


def _entry(sub: dict[str, Any], status: Status, protocol: Protocol) -> dict[str, Any]:
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
        "items": all(r.get("items", {}).get("priors") for r in sub["records"]),
        "points": points,
        "frontier": frontier,
        "compare": Frontier(frontier, {r["run_id"]: r for r in with_base}),
        "best_accuracy": frontier[-1]["accuracy"],
        "records": runs,
        "status": status.text,
        "kind": status.kind,
        "protocol_version": sub["protocol_version"],
        "pool": (archived, KINDS.index(status.kind)),
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
    points that bracket it, or "not reached". Retention and forgetting carry the interval of `interval.py`."""
    row = {
        "name": entry["name"],
        "method": entry["method"],
        "pool": entry["pool"],
        "kind": entry["kind"],
        "label": pool_label(entry),
        "protocol_version": entry["protocol_version"],
    }
    reading = bracket(entry["frontier"], target)
    row["reached"] = reading is not None
    row["off_target"] = reading is None and entry["frontier"][0]["accuracy"] > target
    if reading is None:
        return row
    row["between"] = (reading.lo["accuracy"], reading.hi["accuracy"])
    records = entry["compare"].records
    row["sizes"] = sizes(reading, records)
    row["side"] = read_side(reading, records)
    base = read_side(reading, records, base=True)
    for key, (a, b) in (("prior", (row["side"], row["side"].zero())), ("forgetting", (base, row["side"]))):
        row[key] = _quantity(difference(a, b, row["sizes"]) if row["sizes"] else None, reading.value(key))
    row["forward_kl"] = {
        bound: reading.value("forward_kl" if bound == "value" else f"forward_kl_{bound}")
        for bound in ("value", "low", "high")
    }
    return row


def _quantity(interval: Interval | None, value: float | None) -> dict[str, float | None]:
    """(value, low, high) of an interval; the frontier's value alone where there is none."""
    if interval is None or math.isnan(interval.low):
        return {"value": value, "low": None, "high": None}
    return {"value": interval.value, "low": interval.low, "high": interval.high}


def compare(rows: list[dict[str, Any]]) -> dict[tuple[str, str], Interval]:
    """The difference interval of every two reached rows of one ranked pool (name a, name b: a − b)."""
    out = {}
    for pool in sorted({r["pool"] for r in rows if r["reached"] and r["kind"] != DISAGREED}):
        reached = sorted((r for r in rows if r["pool"] == pool and r["reached"]), key=lambda r: r["name"])
        for i, a in enumerate(reached):
            for b in reached[i + 1 :]:
                if not (a["sizes"] and b["sizes"]):
                    continue
                common = {p: min(a["sizes"][p], b["sizes"][p]) for p in a["sizes"].keys() & b["sizes"].keys()}
                d = difference(a["side"], b["side"], common)
                if not math.isnan(d.low):  # no interval (fewer than 2 shared seeds): never told apart
                    out[(a["name"], b["name"])] = d
    return out


def told_apart(d: Interval, resolution: float) -> bool:
    """The interval excludes 0 and the gap is at least the board's resolution."""
    return (d.low > 0 or d.high < 0) and abs(d.value) >= resolution


def rank_at(
    rows: list[dict[str, Any]], pairs: dict[tuple[str, str], Interval], resolution: float
) -> list[dict[str, Any]]:
    """The rows ranked pool by pool: reached ones by `pairs` told apart at `resolution`, with letters, then those
    not reached; a disagreed pool's rows are listed unranked."""
    out = []
    for pool in sorted({r["pool"] for r in rows}):
        reached = sorted(
            (r for r in rows if r["pool"] == pool and r["reached"]), key=lambda r: (-r["prior"]["value"], r["name"])
        )
        if reached and reached[0]["kind"] == DISAGREED:
            for r in reached:
                r["rank"], r["letters"], r["tie"] = None, "", False
        else:
            better: dict[str, set[str]] = {r["name"]: set() for r in reached}
            different = []
            for i, a in enumerate(reached):
                for b in reached[i + 1 :]:
                    key = (a["name"], b["name"]) if (a["name"], b["name"]) in pairs else (b["name"], a["name"])
                    d = pairs.get(key)
                    if d is None or not told_apart(d, resolution):
                        continue
                    a_more = (d.value > 0) == (key[0] == a["name"])
                    winner, loser = (a, b) if a_more else (b, a)
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
    return out


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
    submissions: list[dict[str, Any]], protocol: Protocol, statuses: dict[tuple[str, str, str], Status] | None = None
) -> list[dict[str, Any]]:
    """Per (track, task): its protocol, every submission's frontier, the rows at each target, the board's resolution
    and the law fit. `statuses`: (track, task, name) -> its Status (`status.py`; default: every one verified)."""
    statuses = statuses or {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sub in submissions:
        groups[(sub["track"], sub["task"])].append(sub)
    out = []
    for (track, task), subs in sorted(groups.items()):
        p = protocol.task(track, task)
        entries = [
            _entry(s, statuses.get((track, task, s["name"]), EVERY_ONE_VERIFIED), protocol)
            for s in sorted(subs, key=lambda s: s["name"])
        ]
        runs = [r for e in entries for r in e["records"]]
        targets = []
        for t in p.targets:
            rows = [at_target(e, t) for e in entries]
            targets.append({"accuracy": t, "rows": rows, "pairs": compare(rows)})
        resolution = _resolution([d for t in targets for d in t["pairs"].values()], runs)
        for t in targets:
            t["rows"] = rank_at(t["rows"], t["pairs"], resolution["stated"] if resolution else 0.0)
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
                "resolution": resolution,
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


def _resolution(pairs: list[Interval], runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The smallest difference in retention the board tells from 0: the median half-width of its 95% difference
    intervals (and rounded up, as stated), with their range, how many had the exact item term, and how much one
    prior item moves retention (1/(P·m_p), smallest and largest over the priors); None when it compared no pair."""
    if not pairs:
        return None
    widths = [d.half_width for d in pairs]
    scores = runs[0]["metrics"]["prior_scores"]
    steps = [1 / (len(scores) * s["n"]) for s in scores.values() if s.get("n")]
    return {
        # What the page states and ranks by: the median, rounded up to the 4 decimals the page shows.
        "stated": math.ceil(median(widths) * 1e4) / 1e4,
        "median": median(widths),
        "low": min(widths),
        "high": max(widths),
        "n": len(widths),
        "exact": sum(d.item_term == EXACT for d in pairs),
        "item_step": (min(steps), max(steps)) if steps else None,
    }
