"""Verification stamps: `leaderboard/verified.json`, one entry per submission file that `razorbench leaderboard
verify --stamp` re-executed and found in agreement, keyed by its path under submissions/ and holding its sha256.
A file whose bytes changed since (another sha256) is unverified again, so a stamp cannot be carried over to edited
numbers. Stamps are written by a maintainer's (or CI's) verify run, never by a submitter: CI verifies every file
without a matching stamp in the stamps of the branch a pull request targets (`verify --stamps-from REV`), so a stamp
added in the pull request itself counts for nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

FILE_NAME = "verified.json"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamps_path(submissions_dir: Path) -> Path:
    """`verified.json` beside `submissions/`."""
    return submissions_dir.parent / FILE_NAME


def load_stamps(submissions_dir: Path, from_revision: str | None = None) -> dict[str, dict[str, Any]]:
    """The stamps by relative path: from the working tree, or as committed at git revision `from_revision`."""
    path = stamps_path(submissions_dir)
    if from_revision is None:
        text = path.read_text() if path.is_file() else "{}"
    else:
        root = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True, text=True, check=True
        ).stdout.strip()
        relative = path.resolve().relative_to(Path(root).resolve())
        shown = subprocess.run(["git", "show", f"{from_revision}:{relative}"], cwd=root, capture_output=True, text=True)
        text = shown.stdout if shown.returncode == 0 else "{}"  # no stamps file at that revision: none verified
    return json.loads(text).get("files", {})


def save_stamps(submissions_dir: Path, stamps: dict[str, dict[str, Any]]) -> Path:
    path = stamps_path(submissions_dir)
    about = (
        "Written by `razorbench leaderboard verify --stamp`: per submission file, the sha256 it was verified at and "
        "the records re-executed (chosen by the OS random source at verification time)."
    )
    path.write_text(json.dumps({"about": about, "files": dict(sorted(stamps.items()))}, indent=2) + "\n")
    return path


def is_stamped(stamps: dict[str, dict[str, Any]], relative: str, sha256: str) -> bool:
    stamp = stamps.get(relative)
    return stamp is not None and stamp.get("sha256") == sha256
