"""Verification stamps: `leaderboard/verified.json`, what `razorbench leaderboard verify --stamp --all` found for each
submission file, keyed by its path under submissions/ and holding the sha256 of the bytes it re-executed:

- "outcome": "agreed": the run ids of the records re-executed and found in agreement (`records`). The file is
  verified once they are all of its records;
- "outcome": "disagreed": the record and the metric that did not agree (`record`, `field`, `reason`).

A file whose bytes changed since (another sha256) has no outcome again, so an outcome cannot be carried over to edited
numbers. Stamps are written on the target branch by a maintainer's `verify --stamp --all`, never by a submitter:
the pull-request check reads them as committed on the target branch (`verify --stamps-from REV`) and refuses a
change that adds or alters one (`changed_stamps`), so a stamp in a pull request counts for nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

FILE_NAME = "verified.json"
AGREED, DISAGREED = "agreed", "disagreed"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamps_path(submissions_dir: Path) -> Path:
    """`verified.json` beside `submissions/`."""
    return submissions_dir.parent / FILE_NAME


def git_root(path: Path) -> Path:
    root = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(root).resolve()


def load_stamps(submissions_dir: Path, from_revision: str | None = None) -> dict[str, dict[str, Any]]:
    """The stamps by relative path: from the working tree, or as committed at git revision `from_revision`."""
    path = stamps_path(submissions_dir)
    if from_revision is None:
        text = path.read_text() if path.is_file() else "{}"
    else:
        root = git_root(path.parent)
        relative = path.resolve().relative_to(root)
        shown = subprocess.run(["git", "show", f"{from_revision}:{relative}"], cwd=root, capture_output=True, text=True)
        text = shown.stdout if shown.returncode == 0 else "{}"  # no stamps file at that revision: none verified
    return json.loads(text).get("files", {})


def save_stamps(submissions_dir: Path, stamps: dict[str, dict[str, Any]]) -> Path:
    path = stamps_path(submissions_dir)
    about = (
        "Written by `razorbench leaderboard verify --stamp --all` on the target branch: per submission file, the "
        "sha256 of the bytes re-executed and the outcome: agreed (the run ids of the records re-executed and found "
        "in agreement; the file is verified once they are all its records) or disagreed (the record and metric)."
    )
    path.write_text(json.dumps({"about": about, "files": dict(sorted(stamps.items()))}, indent=2) + "\n")
    return path


def save_stamp(submissions_dir: Path, relative: str, stamp: dict[str, Any]) -> Path:
    """Record one file's outcome, the others' as they are on disk (a stamping run keeps each as it is found)."""
    return save_stamps(submissions_dir, {**load_stamps(submissions_dir), relative: stamp})


def stamp_at(stamps: dict[str, dict[str, Any]], relative: str, sha256: str) -> dict[str, Any] | None:
    """The outcome recorded for these bytes of the file, or None (never re-executed, or edited since)."""
    stamp = stamps.get(relative)
    return stamp if stamp is not None and stamp.get("sha256") == sha256 else None


def agreed_records(stamps: dict[str, dict[str, Any]], relative: str, sha256: str) -> set[str]:
    """The run ids re-executed and found in agreement for these bytes of the file."""
    stamp = stamp_at(stamps, relative, sha256)
    if stamp is None or stamp.get("outcome", AGREED) != AGREED:
        return set()
    return set(stamp.get("records", []))


def is_verified(stamps: dict[str, dict[str, Any]], relative: str, sha256: str, run_ids: list[str]) -> bool:
    """Every record of the file re-executed and found in agreement, for its current bytes."""
    return set(run_ids) <= agreed_records(stamps, relative, sha256)


def changed_stamps(ours: dict[str, dict[str, Any]], target: dict[str, dict[str, Any]]) -> list[str]:
    """The paths whose stamp `ours` adds or alters relative to `target` (a stamp removed is not counted: dropping
    one can only lower what the board trusts)."""
    return sorted(k for k, v in ours.items() if target.get(k) != v)
