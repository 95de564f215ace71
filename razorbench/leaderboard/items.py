"""Per-item results in a submission, compact: for the new task and each prior of a record, the item ids' sha256,
their count, and the base and final item scores bit-packed.

A record's per_example maps ({item id: score}) are most of its bytes, so a submission does not keep them; the
leaderboard still needs per-item results, to pair two entries item by item (the item term of
`razorbench.leaderboard.interval`) and to compare a rerun item by item (`razorbench.leaderboard.verify`). The scores
of one evaluation take few values: a prior item is right or wrong (0 or 1), a new-task prompt's accuracy is
k / samples per prompt. So a task's scores are written as the integers k = score·L for the smallest L ≤ 255 that
makes every one an integer (`levels`), ⌈log2(L + 1)⌉ bits each, in the order of the sorted item ids, base64:

    "items": {"new_task": {"ids": SHA256, "n": 200, "levels": 4, "base": "...", "final": "..."},
              "priors": {"arithmetic": {"ids": SHA256, "n": 200, "levels": 1, "base": "...", "final": "..."}}}

`ids` is the sha256 of the sorted item ids joined by newlines: two records are paired item by item only where it is
the same. 200 binary prior items take 36 characters a side, so a tiny-track record's items are about 1 kB. A task
whose scores fit no L ≤ 255 (a continuous score), or whose base and final runs scored different items, is left out;
the interval then bounds its item term from the scores alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from functools import lru_cache
from typing import Any

import numpy as np

MAX_LEVELS = 255
# The scores an evaluation stores are float32 means (evaluate.py): k/L in float32 is within 6e-8 of k/L. A looser
# bound would let a continuous score pass for a fine grid (0.123456 is within 8e-7 of 10/81).
GRID_TOLERANCE = 1e-7
MEAN_TOLERANCE = 1e-6  # the stored score against the mean of the packed items (the same float32 sums)


def ids_sha256(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def levels_of(values: list[float]) -> int | None:
    """The smallest L ≤ 255 with every value·L an integer (within float32 round-off), or None.

    >>> levels_of([0.0, 1.0]), levels_of([0.25, 0.5, 1.0]), levels_of([1 / 3, 0.0]), levels_of([0.123456])
    (1, 4, 3, None)
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0 or array.min() < 0 or array.max() > 1:
        return None
    for levels in range(1, MAX_LEVELS + 1):
        scaled = array * levels
        if np.all(np.abs(scaled - np.round(scaled)) <= GRID_TOLERANCE * levels):
            return levels
    return None


def encode(digits: np.ndarray, levels: int) -> str:
    """Integers in [0, levels], `levels.bit_length()` bits each (least significant first), as base64.

    >>> encode(np.array([1, 0, 1, 1]), 1)
    'DQ=='
    """
    width = levels.bit_length()
    bits = ((np.asarray(digits, dtype=np.int64)[:, None] >> np.arange(width)) & 1).astype(np.uint8).ravel()
    return base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode()


@lru_cache(maxsize=4096)
def _decode(blob: str, n: int, levels: int) -> np.ndarray:
    width = levels.bit_length()
    raw = np.frombuffer(base64.b64decode(blob, validate=True), dtype=np.uint8)
    bits = np.unpackbits(raw, bitorder="little")
    if bits.size < n * width:
        raise ValueError(f"{raw.size} bytes hold fewer than n = {n} items of {width} bit(s)")
    digits = (bits[: n * width].reshape(n, width).astype(np.int64) << np.arange(width)).sum(axis=1)
    digits.flags.writeable = False  # cached: shared by every caller
    return digits


def scores(task: dict[str, Any], side: str) -> np.ndarray:
    """The item scores (in [0, 1], sorted by item id) of `side` ("base" or "final") of one task's packed items."""
    return _decode(task[side], int(task["n"]), int(task["levels"])) / int(task["levels"])


def pack_task(base: dict[str, float], final: dict[str, float]) -> dict[str, Any] | None:
    """One task's packed items from its base and final {item id: score} maps; None where they cannot be packed."""
    if not final or sorted(base) != sorted(final):
        return None
    ids = sorted(final)
    levels = levels_of([base[i] for i in ids] + [final[i] for i in ids])
    if levels is None:
        return None
    packed = {"ids": ids_sha256(ids), "n": len(ids), "levels": levels}
    for side, values in (("base", base), ("final", final)):
        packed[side] = encode(np.round(np.array([values[i] for i in ids]) * levels).astype(np.int64), levels)
    return packed


def pack(per_example: dict[str, Any]) -> dict[str, Any] | None:
    """A record's `items` from its per_example maps (new task and priors, base and final); None when none packs."""
    out: dict[str, Any] = {}
    new_task = per_example.get("new_task") or {}
    task = pack_task(new_task.get("base") or {}, new_task.get("final") or {})
    if task is not None:
        out["new_task"] = task
    priors = {
        name: packed
        for name, sides in sorted((per_example.get("priors") or {}).items())
        if (packed := pack_task(sides.get("base") or {}, sides.get("final") or {})) is not None
    }
    if priors:
        out["priors"] = priors
    return out or None


def record_items(record: dict[str, Any]) -> dict[str, Any] | None:
    """A record's packed items: kept in a submission's record, or packed from a run's per_example maps."""
    return record.get("items") or pack(record.get("per_example") or {})


def _stored(record: dict[str, Any]) -> list[tuple[str, dict[str, Any], float | None, float | None, int | None]]:
    """(field, packed task, stored base score, stored final score, stored count) per packed task of `record`;
    the scores are None for a prior the record did not score."""
    m, items = record["metrics"], record["items"]
    out = []
    if "new_task" in items:
        n = m.get("n_new_task_prompts")
        out.append(("new_task", items["new_task"], m["base_new_task_accuracy"], m["new_task_accuracy"], n))
    for name, task in items.get("priors", {}).items():
        s = m["prior_scores"].get(name)
        base, final, n = (None, None, None) if s is None else (s["base"], s["final"], s.get("n"))
        out.append((f"priors.{name}", task, base, final, n))
    return out


def check(record: dict[str, Any], at: str) -> list[tuple[str, str]]:
    """(field, reason) for each packed task of a schema-valid `record` that does not decode to its stored scores:
    a count other than the record's, a blob of the wrong length or not in canonical form, a digit above `levels`,
    or item means other than the stored base and final scores."""
    out = []
    for name, task, base, final, count in _stored(record):
        where = f"{at}.items.{name}"
        if base is None or final is None:
            out.append((where, f"{name.split('.', 1)[1]!r} is not one of the record's priors"))
            continue
        if count is not None and int(task["n"]) != int(count):
            out.append((f"{where}.n", f"{task['n']}, but the record scored {count} items"))
            continue
        for side, stored in (("base", base), ("final", final)):
            try:
                digits = _decode(task[side], int(task["n"]), int(task["levels"]))
            except (ValueError, binascii.Error) as e:
                out.append((f"{where}.{side}", f"not {task['n']} packed items: {e}"))
                continue
            if digits.max(initial=0) > int(task["levels"]) or encode(digits, int(task["levels"])) != task[side]:
                out.append((f"{where}.{side}", "not in canonical form (digits above levels, or stray bits)"))
                continue
            mean = float(digits.mean()) / int(task["levels"])
            if abs(mean - stored) > MEAN_TOLERANCE:
                out.append((f"{where}.{side}", f"items average {mean!r}, but the record's score is {stored!r}"))
    return out


def differences(ours: dict[str, Any], theirs: dict[str, Any] | None, at: str) -> list[tuple[str, str]]:
    """(field, reason) for each packed task of a submitted record whose items differ from a rerun's: every item
    must agree exactly, as the scores they average do."""
    theirs = theirs or {}
    pairs = [("new_task", ours.get("new_task"), theirs.get("new_task"))]
    pairs += [(f"priors.{p}", t, (theirs.get("priors") or {}).get(p)) for p, t in (ours.get("priors") or {}).items()]
    out = []
    for name, mine, other in pairs:
        if mine is None:
            continue
        where = f"{at}.items.{name}"
        if other is None:
            out.append((where, "the rerun kept no per-item results for it"))
        elif (mine["ids"], mine["n"]) != (other["ids"], other["n"]):
            out.append((where, "the rerun scored other items (its ids differ)"))
        else:
            for side in ("base", "final"):
                differ = int(np.sum(scores(mine, side) != scores(other, side)))
                if differ:
                    out.append((f"{where}.{side}", f"{differ} of {mine['n']} items differ from the rerun's"))
    return out
