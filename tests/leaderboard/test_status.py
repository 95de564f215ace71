"""Labels from facts: each entry's status (verified, pending, disagreed, archived) follows what verification
recorded for its current bytes, and the repository's built page shows, for every entry, the label verified.json
gives it: math rl-v1 disagreed on re-execution, with the metric."""

from __future__ import annotations

import json
import re
from pathlib import Path

from razorbench.leaderboard.protocol import load_protocol
from razorbench.leaderboard.stamps import file_sha256, load_stamps
from razorbench.leaderboard.status import status_of

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"


def _sub(version: int = 2) -> dict:
    return {"protocol_version": version, "records": [{"run_id": f"r{i}"} for i in range(6)]}


def test_the_status_follows_the_recorded_outcome():
    agreed = {"sha256": "x", "outcome": "agreed", "records": ["r0"]}
    every = {**agreed, "records": [f"r{i}" for i in range(6)]}
    disagreed = {"sha256": "x", "outcome": "disagreed", "record": "r2", "field": "records[2].metrics.f", "reason": "r"}
    cases = [
        (_sub(), None, True, "pending", "pending (0 of 6 records re-executed and agreed)"),
        (_sub(), agreed, True, "pending", "pending (1 of 6 records re-executed and agreed)"),
        (_sub(), every, True, "verified", "verified (all 6 records re-executed and agreed)"),
        (_sub(), None, False, "pending", "pending (method not in the repository: it cannot be re-executed)"),
        (_sub(), disagreed, True, "disagreed", "disagreed on re-execution: records[2].metrics.f (run r2): r"),
        (_sub(1), every, True, "archived", "archived (protocol v1; 6 of 6 records re-executed and agreed)"),
        (_sub(1), disagreed, True, "disagreed", "disagreed on re-execution: records[2].metrics.f (run r2): r"),
    ]
    for sub, stamp, known, kind, text in cases:
        status = status_of(sub, stamp, current=2, method_known=known)
        assert (status.kind, status.text) == (kind, text)


def _page_statuses() -> dict[tuple[str, str], str]:
    """(track/task, entry name) -> the status cell of the built README's entries tables."""
    out, group = {}, None
    for line in (REPO_LEADERBOARD / "README.md").read_text().splitlines():
        if m := re.match(r"## (\S+) / (\S+)$", line):
            group = f"{m[1]}/{m[2]}"
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if group and line.startswith("| ") and len(cells) == 10 and cells[0] != "submission":
            out[(group, cells[0].replace("\\", ""))] = cells[2].replace("\\", "")
    return out


def test_the_built_page_shows_what_verification_recorded_for_every_entry():
    """Read independently of status.py: the label's first word from verified.json's outcome for the file's bytes."""
    submissions = REPO_LEADERBOARD / "submissions"
    stamps = load_stamps(submissions)
    current = load_protocol(REPO_LEADERBOARD / "protocol.yaml").version
    page = _page_statuses()
    files = sorted(submissions.glob("*/*/*.json"))
    assert files and len(page) == len(files)
    for path in files:
        sub = json.loads(path.read_text())
        stamp = stamps.get(path.relative_to(submissions).as_posix())
        if stamp is not None and stamp["sha256"] != file_sha256(path):
            stamp = None
        ids = {r["run_id"] for r in sub["records"]}
        if stamp is not None and stamp["outcome"] == "disagreed":
            expected = "disagreed on re-execution"
        elif sub["protocol_version"] != current:
            expected = "archived"
        elif stamp is not None and ids <= set(stamp["records"]):
            expected = "verified"
        else:
            expected = "pending"
        assert page[(f"{sub['track']}/{sub['task']}", sub["name"])].startswith(expected), path
    rl = page[("tiny/math", "rl-v1")]
    assert rl.startswith("disagreed on re-execution: records[2].metrics.new_task_accuracy") and "rerun 0.9175" in rl
