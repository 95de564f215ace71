"""When a rerun agrees with a submitted record (`razorbench.leaderboard.verify`): final metrics, every curve point
and, where the record keeps them, every per-item result.

- Counts exactly: new-task accuracy, base accuracy, every prior's base and final score, forgetting (per prior and
  mean), the prompt counts, every item (`items.differences`). The same CPU repeats them bit for bit, and so did
  another CPU (docs/PINNED-METRICS-drift.md). Retention and accuracy are all a rank is made of, and they are compared
  exactly: any change that could move a rank (one prior item, 1/200) is refused.
- Continuous metrics (KLs, total variation, weight change, rank, representation similarity) within `RELATIVE` = 1e-3
  relative (an absolute floor `ABSOLUTE` near 0): the largest cross-CPU drift measured there was 1.3e-4 relative,
  so 1e-3 leaves ~8× room for another CPU while refusing any fabricated value. None of them enters a rank (forward
  KL is shown, not ranked), so the tolerance cannot change one (tests/leaderboard/test_verify.py).
- A record kept at `SIGNIFICANT` significant digits (an experiment's records in git, `razorbench.util.compact_record`:
  the smol track's seed entries) is compared at that precision: a count agrees where the rerun's value, rounded so,
  is the submitted one. It still tells every count apart: two scores of n ≤ 10^5 items differ by ≥ 1/n, far
  above the last digit kept.
"""

from __future__ import annotations

from typing import Any

from razorbench.leaderboard.items import differences, record_items

RELATIVE = 1e-3
ABSOLUTE = 1e-6  # for values near 0 (a KL of a policy that barely moved), where a relative bound means nothing
SIGNIFICANT = 6  # the digits an experiment keeps of each float in its records (razorbench.util.compact_record)
EXACT = ("new_task_accuracy", "base_new_task_accuracy", "forgetting", "n_new_task_prompts", "n_kl_prompts")


def disagreements(submitted: dict[str, Any], rerun_record: dict[str, Any], at: str) -> list[tuple[str, str]]:
    """(field, reason) for every metric (and item) of the rerun that does not agree with the submitted record's."""
    out = _compare_metrics(submitted["metrics"], rerun_record["metrics"], f"{at}.metrics")
    theirs = {p["step"]: p for p in rerun_record.get("curve", [])}
    for j, point in enumerate(submitted.get("curve", [])):
        other = theirs.get(point["step"])
        if other is None:
            out.append((f"{at}.curve[{j}]", f"step {point['step']}: the rerun has no curve point there"))
            continue
        out += _compare_metrics(point, other, f"{at}.curve[{j}]")
    if submitted.get("items"):
        out += differences(submitted["items"], record_items(rerun_record), at)
    return out


def _compare_metrics(ours: dict[str, Any], theirs: dict[str, Any], at: str) -> list[tuple[str, str]]:
    out = []
    for key, value in ours.items():
        if key == "step":
            continue
        if key not in theirs:
            out.append((f"{at}.{key}", "the rerun does not report it"))
        elif isinstance(value, dict):
            out += _compare_metrics(value, theirs[key], f"{at}.{key}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not _agrees(key, at, float(value), float(theirs[key])):
                how = "exactly" if _is_count(key, at) else f"within {RELATIVE:g} relative"
                out.append((f"{at}.{key}", f"submitted {value!r}, rerun {theirs[key]!r}: must agree {how}"))
    return out


def _is_count(key: str, at: str) -> bool:
    """Counts and scores made of counts: accuracy, prior scores, forgetting."""
    return key in EXACT or ".prior_scores" in at or ".forgetting_per_prior" in at or key == "prior_scores"


def _agrees(key: str, at: str, ours: float, theirs: float) -> bool:
    if _is_count(key, at):
        return ours == theirs or ours == float(f"{theirs:.{SIGNIFICANT}g}")
    return abs(ours - theirs) <= max(ABSOLUTE, RELATIVE * abs(ours))
