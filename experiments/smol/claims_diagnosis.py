"""Why a claim at matched accuracy came out "not testable" in docs/REPRODUCTION-smol.md: the facts behind it,
computed from the records (the report's "Diagnosis" section).

A pair is testable when the two Pareto frontiers (new-task accuracy against mean prior score, one point a
configuration, seeds averaged) share at least `MIN_OVERLAP` of accuracy. A frontier keeps only configurations that no
other one beats on both axes; when a method's most accurate configuration also retains as much as its less accurate
ones, its frontier is that one point, and two one-point frontiers share no range. The section shows, per method, every
configuration, which are on the frontier, and what the forgetting of the less accurate ones is made of.
"""

from __future__ import annotations

from typing import Any

from razorbench.analysis.analyze import frontier_points


def frontier_table(records: list[dict[str, Any]], methods: tuple[str, ...]) -> list[str]:
    """Every configuration of each method (seeds averaged) with its accuracy, mean prior score and forgetting, and
    whether it is on the method's Pareto frontier."""
    lines = [
        "| method | lr | accuracy | mean prior score | forgetting | on the frontier |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for method in methods:
        runs = [r for r in records if r["method"] == method]
        if not runs:
            continue
        points, frontier = frontier_points(runs)
        on = {tuple(p["run_ids"]) for p in frontier}
        lr_of = {r["run_id"]: float(r["config"]["optim"]["lr"]) for r in runs}
        for p in sorted(points, key=lambda p: lr_of[p["run_ids"][0]]):
            lines.append(
                f"| {method} | {lr_of[p['run_ids'][0]]:g} | {p['accuracy']:.3f} | {p['prior']:.3f} | "
                f"{p['forgetting']:+.3f} | {'yes' if tuple(p['run_ids']) in on else 'no'} |"
            )
    return lines


def frontier_summary(records: list[dict[str, Any]], methods: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Per method: how many configurations, how many on the frontier, and the frontier's accuracy range."""
    out = {}
    for method in methods:
        runs = [r for r in records if r["method"] == method]
        if runs:
            points, frontier = frontier_points(runs)
            accs = [p["accuracy"] for p in frontier]
            out[method] = {"configurations": len(points), "on_frontier": len(frontier), "range": (min(accs), max(accs))}
    return out


def diagnosis(records: list[dict[str, Any]], methods: tuple[str, ...], min_overlap: float) -> list[str]:
    """The section's lines: the frontier of each method, each compared pair's shared range, and the table."""
    summary = frontier_summary(records, methods)
    lines = [
        f"A claim at matched accuracy is judged only where the two methods' Pareto frontiers share at least "
        f"{min_overlap} of new-task accuracy (a design condition). Over all priors:",
        "",
    ]
    for method, s in summary.items():
        low, high = s["range"]
        span = f"accuracy {low:.3f}" if low == high else f"accuracies {low:.3f}–{high:.3f}"
        lines.append(
            f"- **{method}**: {s['on_frontier']} of its {s['configurations']} configurations on its frontier ({span})."
        )
    for a, b in (("rl", "sft"), ("oracle-sft", "rl")):
        if a in summary and b in summary:
            shared = min(summary[a]["range"][1], summary[b]["range"][1]) - max(
                summary[a]["range"][0], summary[b]["range"][0]
            )
            shown = f"{shared:.3f}" if shared >= 0 else f"none (a gap of {-shared:.3f})"
            lines.append(f"- {a} against {b}: shared accuracy {shown}.")
    if any(s["on_frontier"] == 1 for s in summary.values()):
        lines += [
            "",
            "A frontier shrinks to one point when the method's most accurate configuration also keeps its priors at "
            "least as well as its less accurate ones: forgetting does not grow with accuracy along the method's rates, "
            "so no rate trades accuracy for retention and there is no curve to compare at matched accuracy.",
        ]
    lines += [
        "",
        *retention_ranges(records, methods),
        "",
        "The smol board of the [leaderboard](leaderboard/standings.md) ranks the same records by its own "
        "protocol, which starts every frontier at the base (step 0): there a target between the base and a method's "
        "one frontier point is read on the straight line between them, and each cell shows the two accuracies it is "
        "read between. That is the board's rule, not this pre-registration's, which compares measured configurations "
        "only.",
    ]
    return [*lines, "", "The configurations:", "", *frontier_table(records, methods)]


def retention_ranges(records: list[dict[str, Any]], methods: tuple[str, ...]) -> list[str]:
    """Each method's range of mean prior score over its configurations, whatever their accuracy: a description of
    the runs, not a claim (no matched accuracy, no interval)."""
    ranges = {}
    for method in methods:
        runs = [r for r in records if r["method"] == method]
        if runs:
            points, _ = frontier_points(runs)
            ranges[method] = (min(p["prior"] for p in points), max(p["prior"] for p in points))
    shown = "; ".join(f"{m} {low:.3f}–{high:.3f}" for m, (low, high) in ranges.items())
    scores = records[0]["metrics"]["prior_scores"]
    base = sum(s["base"] for s in scores.values()) / len(scores)
    return [
        f"Unmatched, and so not a verdict: the mean prior score of each method's configurations, at whatever accuracy "
        f"they reached, spans {shown} (the base: {base:.3f})."
    ]
