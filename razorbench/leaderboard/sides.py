"""An entry read at a target accuracy as the sides of `interval.difference`: per seed, each prior's score (and item
scores, where every run read keeps them) interpolated between the two frontier points that bracket the target.

A frontier's points name runs: a submitted record, one of its curve points read as the run stopped there
(`analysis.curve_points`, run id "<run>@<step>"), or its base (step 0, "<run>@0"). A curve point keeps no per-item
results (the runner's curve records scores only); the base point's items are the record's base items.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from razorbench.analysis.at_accuracy import Reading
from razorbench.leaderboard.interval import Side
from razorbench.leaderboard.items import scores as item_scores

Record = dict[str, Any]


def _priors(record: Record) -> dict[str, Any]:
    return (record.get("items") or {}).get("priors") or {}


def _items_side(record: Record, base: bool) -> str | None:
    """Which side of the record's packed items the run holds: "final" for a submitted record, "base" for its step-0
    point or where the base is asked for, None for a curve point after step 0 (it keeps none)."""
    point_of = record.get("provenance", {}).get("curve_point_of")
    if base or (point_of is not None and record["run_id"].endswith("@0")):
        return "base"
    return None if point_of is not None else "final"


def _runs(reading: Reading) -> list[str]:
    return [*reading.lo["run_ids"], *reading.hi["run_ids"]]


def _ids(records: dict[str, Record], runs: list[str], base: bool) -> dict[str, str] | None:
    """Each prior's item ids, where every run read holds items of every prior on the same ids; else None."""
    found: dict[str, str] | None = None
    for run in runs:
        r = records[run]
        priors = _priors(r)
        if _items_side(r, base) is None or set(priors) != set(r["metrics"]["prior_scores"]):
            return None
        ids = {p: t["ids"] for p, t in priors.items()}
        if found is not None and ids != found:
            return None
        found = ids
    return found


def read_side(reading: Reading, records: dict[str, Record], *, base: bool = False) -> Side:
    """The entry at the reading: its final scores, or with `base` its base scores (the same on every seed)."""
    key = "base" if base else "final"
    scores = reading.per_seed(records, lambda r: {p: s[key] for p, s in r["metrics"]["prior_scores"].items()})
    ids = _ids(records, _runs(reading), base)
    if ids is None:
        return Side(scores)

    def items(r: Record) -> dict[str, np.ndarray]:
        side = _items_side(r, base)
        return {p: item_scores(t, side) for p, t in _priors(r).items()}

    return Side(scores, reading.per_seed(records, items), ids)


def sizes(reading: Reading, records: dict[str, Record]) -> dict[str, int] | None:
    """Each prior's item count m_p (the records' `n`), or None where a run read does not state it."""
    out: dict[str, int] = {}
    for run in _runs(reading):
        for p, s in records[run]["metrics"]["prior_scores"].items():
            if "n" not in s:
                return None
            out[p] = min(out.get(p, s["n"]), int(s["n"]))
    return out
