"""Re-executing submissions (`razorbench leaderboard verify`): validation checks a file's arithmetic, this checks
that its numbers came from running the method. Two uses, one rule of agreement:

- the pull-request check (CI, `verify --stamps-from REV`, REV the target branch's commit): trusts only the stamps
  committed at REV, refuses a change that adds or alters a stamp (naming the file, before re-executing anything),
  and re-executes `records` records (default 1) of each submission file the change adds or edits (`changes.py`),
  drawn at verification time from the operating system's random source. Files the change leaves alone keep the
  outcome REV recorded. It never writes a stamp;
- the maintainer's stamping run (`verify --stamp --all`, on the target branch, outside CI where a board's records
  take hours): re-executes every record of every file not yet verified (but those already found in agreement for
  the same bytes) and records the outcome in verified.json (`stamps.py`): agreed, with the run ids, or disagreed,
  with the record and the metric. A file is verified only when every one of its records agreed (`status.py`), so a
  file with one forged record in six can pass a one-record draw five times in six but is never stamped.

Why the OS source: any choice computed from what the submitter controls (the file's bytes, the pull request's
commit) can be steered, by trying variants of the file until the draw lands on the honest records; the OS source is
read after the file is fixed and cannot be. Each rerun runs from the record's own config with the repository's code
(`rerun.py`) within `time_cap` seconds.

The rerun must agree with the submitted record (`agreement.py`): counts, prior scores and per-item results
exactly, continuous metrics within 1e-3 relative. A disagreement is a Problem naming the file, the record and the
metric.
A file whose method is not in the repository cannot be re-executed: it is reported as unverifiable (its entry stays
pending), not as a failure. A file of an archived protocol version is not re-executed either (unless `archived`): it
was made by older code under an older grid, and is shown as archived. (Of the tiny seed entries of protocol v1,
made at git be20de7, tiny/science/dpo and tiny/math/oracle-sft reran exactly, 2026-12; tiny/math/rl's seed-2 record
reran to accuracy 0.9175 against the submitted 0.9000, on a working tree that held other uncommitted changes to the
tiny tasks and the runner, so which code differs is open. verified.json records that disagreement for
tiny/math/rl-v1.json, its file since.)
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from razorbench.leaderboard import rerun as rerun_module
from razorbench.leaderboard.agreement import ABSOLUTE, RELATIVE, disagreements
from razorbench.leaderboard.changes import changed_files
from razorbench.leaderboard.record_checks import Problem
from razorbench.leaderboard.stamps import (
    AGREED,
    DISAGREED,
    agreed_records,
    changed_stamps,
    file_sha256,
    is_verified,
    load_stamps,
    save_stamps,
    stamps_path,
)
from razorbench.leaderboard.validation import load_submission_files

__all__ = ["ABSOLUTE", "RELATIVE", "TIME_CAP", "Outcome", "choose", "disagreements", "record", "verify"]

# Seconds per rerun: the slowest tiny seed-entry run took 222 s (tiny/science/reinforce); on the 2-core machine at
# load 8-9 reruns of 60-70 s runs took 400-520 s, and two of them passed 600 s.
TIME_CAP = 1200.0
Rerun = Callable[[dict[str, Any], Path, float, Path], dict[str, Any]]


@dataclass
class Outcome:
    """What one verification found: problems; per file re-executed, the outcome to record (`agreed`: every record
    re-executed agreed, with their run ids; `disagreed`: the first record and metric that did not); files that
    cannot be re-executed, files of an archived protocol left as they are, and files the change leaves alone."""

    problems: list[Problem] = field(default_factory=list)
    agreed: dict[str, dict[str, Any]] = field(default_factory=dict)
    disagreed: dict[str, dict[str, Any]] = field(default_factory=dict)
    unverifiable: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    seconds: float = 0.0


def choose(records: list[dict[str, Any]], k: int, rng: random.Random) -> list[int]:
    """Indices of `k` records drawn by `rng` (all of them when there are fewer)."""
    return sorted(rng.sample(range(len(records)), min(k, len(records))))


def verify(
    submissions_dir: Path,
    *,
    records: int = 1,
    all_records: bool = False,
    stamps_from: str | None = None,
    time_cap: float = TIME_CAP,
    rng: random.Random | None = None,
    archived: bool = False,
    rerun_record: Rerun | None = None,
    commit: str | None = None,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Re-execute submissions under `submissions_dir`.

    `stamps_from` (the pull-request check): trust only the stamps committed at that git revision, refuse any stamp
    the working tree adds or alters (before re-executing anything), and re-execute only the files that differ from
    the revision's. Without it: every file not yet verified by the working tree's stamps.
    `all_records`: every record not yet found in agreement for the file's bytes (the stamping run); else `records`
    drawn by `rng` (default: the OS random source). `rerun_record`: how a record is run again (default `rerun.rerun`,
    looked up at call time); `archived`: re-execute files of an archived protocol version too."""
    from razorbench.leaderboard.protocol import load_protocol

    current = load_protocol(submissions_dir.parent / "protocol.yaml").version
    rng = rng or random.SystemRandom()
    rerun_record = rerun_record or rerun_module.rerun
    stamps = load_stamps(submissions_dir, stamps_from)
    outcome = Outcome()
    began = time.time()
    changed = None
    if stamps_from is not None:
        changed = changed_files(submissions_dir, stamps_from)
        outcome.problems = _added_stamps(submissions_dir, stamps, stamps_from)
        if outcome.problems:  # refused as it stands: nothing is worth re-executing
            return outcome
    with tempfile.TemporaryDirectory(prefix="razorbench-verify-") as tmp:
        for path, sub in load_submission_files(submissions_dir).items():
            relative = path.relative_to(submissions_dir).as_posix()
            sha = file_sha256(path)
            if changed is not None and relative not in changed:
                outcome.unchanged.append(relative)
                continue
            if changed is None and is_verified(stamps, relative, sha, [r["run_id"] for r in sub["records"]]):
                continue
            if sub["protocol_version"] != current and not archived:
                outcome.archived.append(relative)
                continue
            if not _known(sub["method"]["name"]):
                outcome.unverifiable.append(relative)
                log(f"{relative}: method {sub['method']['name']!r} is not in this repository: pending")
                continue
            done = agreed_records(stamps, relative, sha)
            if all_records:
                chosen = [i for i, r in enumerate(sub["records"]) if r["run_id"] not in done]
            else:
                chosen = choose(sub["records"], records, rng)
            run = _Run(rerun_record, time_cap, Path(tmp) / relative.replace("/", "-"), log)
            began_file = time.time()
            problems, disagreed = run.records(path, relative, sub, chosen, stop_early=all_records)
            outcome.problems += problems
            if disagreed is not None:
                run_id, field_, reason = disagreed
                outcome.disagreed[relative] = {
                    "sha256": sha,
                    "outcome": DISAGREED,
                    "record": run_id,
                    "field": field_,
                    "reason": reason,
                    "commit": commit,
                }
            elif not problems:
                outcome.agreed[relative] = {
                    "sha256": sha,
                    "outcome": AGREED,
                    "records": sorted(done | {sub["records"][i]["run_id"] for i in chosen}),
                    "drawn_by": "every record" if all_records else "OS random source (random.SystemRandom)",
                    "commit": commit,
                    "seconds": round(time.time() - began_file, 1),
                }
    outcome.seconds = time.time() - began
    return outcome


def _known(method: str) -> bool:
    from razorbench.api.registry import METHODS

    return method in METHODS.names()


def _added_stamps(submissions_dir: Path, target: dict[str, dict[str, Any]], revision: str) -> list[Problem]:
    """A Problem naming each submission file the working tree's verified.json stamps otherwise than `revision`."""
    where = stamps_path(submissions_dir)
    return [
        Problem(
            str(submissions_dir / relative),
            "(stamp)",
            f"{where} stamps it otherwise than {revision} does: stamps are recorded on the target branch by a "
            "maintainer's `razorbench leaderboard verify --stamp --all`, never by a change",
        )
        for relative in changed_stamps(load_stamps(submissions_dir), target)
    ]


@dataclass(frozen=True)
class _Run:
    """How one file's records are run again: the rerun, its time cap, a scratch folder, the log."""

    rerun_record: Rerun
    time_cap: float
    scratch: Path
    log: Callable[[str], None]

    def records(
        self, path: Path, relative: str, sub: dict[str, Any], chosen: list[int], *, stop_early: bool
    ) -> tuple[list[Problem], tuple[str, str, str] | None]:
        """The problems of re-executing the `chosen` records, and the first disagreement (run id, field, reason).
        `stop_early`: stop at the first record that does not agree (the file cannot be stamped then, and every
        record takes minutes)."""
        problems: list[Problem] = []
        first = None
        for i in chosen:
            record = sub["records"][i]
            at = f"records[{i}]"
            self.log(f"{relative}: re-executing {at} ({record['run_id']})")
            try:
                again = self.rerun_record(record, self.scratch / str(i), self.time_cap, self.scratch.parent / "cache")
            except rerun_module.RerunFailed as e:  # not a disagreement: the file stays as it was
                problems.append(Problem(str(path), at, str(e)))
            else:
                found = disagreements(record, again, at)
                problems += [Problem(str(path), f, reason) for f, reason in found]
                if found and first is None:
                    first = (record["run_id"], *found[0])
            if problems and stop_early:
                break
        return problems, first


def record(submissions_dir: Path, outcome: Outcome) -> Path:
    """Add the outcomes found to verified.json (the stamps of other files stay)."""
    stamps = load_stamps(submissions_dir)
    stamps.update(outcome.agreed)
    stamps.update(outcome.disagreed)
    return save_stamps(submissions_dir, stamps)
