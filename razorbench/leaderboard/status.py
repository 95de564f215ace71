"""Each entry's status on the pages, from what verification recorded (`verified.json`, `stamps.py`) and nothing else:

- "disagreed": a re-execution of these bytes disagreed with a record; the label names the record and the metric.
  A disagreed entry is shown, never ranked;
- "archived": made under an archived protocol version and not found to disagree; ranked among the archived;
- "verified": every record re-executed (`verify --stamp --all`) and in agreement; ranked among the verified;
- "pending": anything else of the current protocol: not every record re-executed yet, or a method the repository
  does not have (it cannot be); ranked among the pending, apart from the verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from razorbench.leaderboard.stamps import AGREED, DISAGREED, file_sha256, load_stamps, stamp_at

VERIFIED, PENDING, ARCHIVED = "verified", "pending", "archived"
KINDS = (VERIFIED, PENDING, ARCHIVED, DISAGREED)  # the order of the pools on a page
RANKED = (VERIFIED, PENDING, ARCHIVED)


@dataclass(frozen=True)
class Status:
    kind: str  # one of KINDS
    text: str  # the label, with the facts it rests on


def status_of(sub: dict[str, Any], stamp: dict[str, Any] | None, *, current: int, method_known: bool) -> Status:
    """`sub`'s status from `stamp`, the outcome recorded for its current bytes (None: none)."""
    n = len(sub["records"])
    if stamp is not None and stamp.get("outcome", AGREED) == DISAGREED:
        return Status(DISAGREED, disagreement_text(stamp))
    agreed = set(stamp.get("records", [])) if stamp is not None else set()
    k = len(agreed & {r["run_id"] for r in sub["records"]})
    if sub["protocol_version"] != current:
        done = f"; {k} of {n} records re-executed and agreed" if k else "; not re-executed"
        return Status(ARCHIVED, f"archived (protocol v{sub['protocol_version']}{done})")
    if k == n:
        return Status(VERIFIED, f"verified (all {n} records re-executed and agreed)")
    if not method_known:
        return Status(PENDING, "pending (method not in the repository: it cannot be re-executed)")
    return Status(PENDING, f"pending ({k} of {n} records re-executed and agreed)")


def disagreement_text(stamp: dict[str, Any]) -> str:
    """
    >>> disagreement_text({"record": "seed-2", "field": "records[2].metrics.new_task_accuracy",
    ...                    "reason": "submitted 0.9, rerun 0.9175"})
    'disagreed on re-execution: records[2].metrics.new_task_accuracy (run seed-2): submitted 0.9, rerun 0.9175'
    """
    return f"disagreed on re-execution: {stamp['field']} (run {stamp['record']}): {stamp['reason']}"


def statuses(submissions_dir: Path, files: dict[Path, dict[str, Any]]) -> dict[tuple[str, str, str], Status]:
    """(track, task, name) -> its Status, from the working tree's verified.json."""
    from razorbench.api.registry import METHODS
    from razorbench.leaderboard.protocol import load_protocol

    current = load_protocol(submissions_dir.parent / "protocol.yaml").version
    stamps = load_stamps(submissions_dir)
    out = {}
    for path, sub in files.items():
        relative = path.relative_to(submissions_dir).as_posix()
        stamp = stamp_at(stamps, relative, file_sha256(path))
        known = sub["method"]["name"] in METHODS.names()
        out[(sub["track"], sub["task"], sub["name"])] = status_of(sub, stamp, current=current, method_known=known)
    return out
