"""A Pareto frontier read at one new-task accuracy, never beside it.

A frontier (configurations, seeds averaged, sorted by accuracy: `analyze.frontier_points`) is read at accuracy a
only between two measured points that bracket it, lo.accuracy ≤ a ≤ hi.accuracy, by linear interpolation with
weight w = (a − lo.accuracy) / (hi.accuracy − lo.accuracy) on hi. An accuracy below the first point or above the
last is not on the frontier: `bracket` gives None, and nothing is extrapolated, flat or otherwise. (The leaderboard
starts every frontier at the base, `curve_points.with_curve_points(base=True)`, so only "beyond its end" remains.)

`Reading.per_seed` interpolates each seed's own values with the same w (seeds paired across the two points by
`config.seed`), which is what a paired comparison of two frontiers needs (`razorbench.analysis.difference`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Reading:
    """A frontier at `accuracy`: the bracketing points `lo` and `hi` (the same point when `accuracy` is one) and
    the weight `w` of `hi`."""

    accuracy: float
    lo: dict[str, Any]
    hi: dict[str, Any]
    w: float

    def value(self, key: str) -> float | None:
        """The frontier's `key` (e.g. "prior", "prior_low") at the accuracy; None where a point lacks it."""
        lo, hi = self.lo.get(key), self.hi.get(key)
        if lo is None or hi is None:
            return None
        return (1 - self.w) * lo + self.w * hi

    def per_seed(self, records: dict[str, Record], of: Callable[[Record], Any]) -> dict[int, Any]:
        """Per seed shared by both points: (1 − w)·of(lo's run) + w·of(hi's run). `of` gives a number, or a
        {key: number} map (interpolated key by key, on the keys both runs have)."""
        lo, hi = _by_seed(self.lo, records, of), _by_seed(self.hi, records, of)
        return {s: _mix(lo[s], hi[s], self.w) for s in sorted(lo.keys() & hi.keys())}


def bracket(frontier: list[dict[str, Any]], accuracy: float) -> Reading | None:
    """`frontier` (sorted by accuracy) read at `accuracy`, or None where no two measured points bracket it.

    >>> f = [{"accuracy": 0.2, "prior": 1.0}, {"accuracy": 0.6, "prior": 0.8}]
    >>> r = bracket(f, 0.5)
    >>> round(r.w, 6), round(r.value("prior"), 6)
    (0.75, 0.85)
    >>> bracket(f, 0.1) is None, bracket(f, 0.7) is None, bracket(f, 0.6).w
    (True, True, 0.0)
    """
    for lo, hi in zip(frontier, frontier[1:], strict=False):
        if lo["accuracy"] <= accuracy <= hi["accuracy"]:
            if accuracy == hi["accuracy"]:
                return Reading(accuracy, hi, hi, 0.0)
            span = hi["accuracy"] - lo["accuracy"]
            return Reading(accuracy, lo, hi, (accuracy - lo["accuracy"]) / span)
    if frontier and accuracy == frontier[0]["accuracy"]:  # a one-point frontier, or the first point itself
        return Reading(accuracy, frontier[0], frontier[0], 0.0)
    return None


def _by_seed(point: dict[str, Any], records: dict[str, Record], of: Callable[[Record], Any]) -> dict[int, Any]:
    """`of` of each seed's run of one configuration (the mean where a seed has several runs)."""
    values: dict[int, list[Any]] = defaultdict(list)
    for run_id in point["run_ids"]:
        values[int(records[run_id]["config"]["seed"])].append(of(records[run_id]))
    return {s: _mean(v) for s, v in values.items()}


def _mean(values: list[Any]) -> Any:
    if isinstance(values[0], dict):
        keys = set.intersection(*(set(v) for v in values))
        return {k: sum(v[k] for v in values) / len(values) for k in keys}
    return sum(values) / len(values)


def _mix(lo: Any, hi: Any, w: float) -> Any:
    if isinstance(lo, dict):
        return {k: (1 - w) * lo[k] + w * hi[k] for k in lo.keys() & hi.keys()}
    return (1 - w) * lo + w * hi
