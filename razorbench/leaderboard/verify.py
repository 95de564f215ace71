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
  file with one forged record in six can pass a one-record draw five times in six but is never stamped. Each
  agreement is written as it is found, so the run can be cut into jobs (`max_records` a call, `paths` to name the
  files) and resumed by the same command: a stopped job loses only the record in flight.

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
    save_stamp,
    save_stamps,
    stamp_at,
    stamps_path,
)
from razorbench.leaderboard.validation import load_submission_files

__all__ = ["ABSOLUTE", "RELATIVE", "TIME_CAP", "Outcome", "choose", "disagreements", "record", "verify"]

# Seconds per rerun: the slowest tiny seed-entry run took 222 s (tiny/science/reinforce); on the 2-core machine at
# load 8-9 reruns of 60-70 s runs took 400-520 s, and two of them passed 600 s. A smol record took 200-400 s alone.
TIME_CAP = 1200.0
Rerun = Callable[..., dict[str, Any]]
"""(record, out_dir, time_cap, cache_dir, here: rerun.Here) -> the rerun's record."""


@dataclass
class Outcome:
    """What one verification found: problems; per file re-executed, the outcome to record (`agreed`: every record
    re-executed agreed, with their run ids; `disagreed`: the first record and metric that did not); files that
    cannot be re-executed, files of an archived protocol left as they are, files the change leaves alone, and files
    left for a later call (`max_records` reached)."""

    problems: list[Problem] = field(default_factory=list)
    agreed: dict[str, dict[str, Any]] = field(default_factory=dict)
    disagreed: dict[str, dict[str, Any]] = field(default_factory=dict)
    unverifiable: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)
    reexecuted: int = 0
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
    paths: list[Path] | None = None,
    max_records: int | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    stamp: bool = False,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Re-execute submissions under `submissions_dir`.

    `stamps_from` (the pull-request check): trust only the stamps committed at that git revision, refuse any stamp
    the working tree adds or alters (before re-executing anything), and re-execute only the files that differ from
    the revision's. Without it: every file not yet verified by the working tree's stamps.
    `all_records`: every record not yet found in agreement for the file's bytes (the stamping run); else `records`
    drawn by `rng` (default: the OS random source). `rerun_record`: how a record is run again (default `rerun.rerun`,
    looked up at call time); `archived`: re-execute files of an archived protocol version too.
    `paths`: only the files at or under these (inside `submissions_dir`); `max_records`: re-execute at most this
    many records in all, the files after left for a later call; `data_dir`: this machine's copy of the task data
    of a track that reads it from a folder (smol); `cache_dir`: where base evaluations are kept across calls
    (default: a temporary folder); `stamp`: write each file's outcome to verified.json as it is found, every
    record that agrees at once."""
    from razorbench.leaderboard.protocol import load_protocol

    protocol = load_protocol(submissions_dir.parent / "protocol.yaml")
    rng = rng or random.SystemRandom()
    rerun_record = rerun_record or rerun_module.rerun
    stamps = load_stamps(submissions_dir, stamps_from)
    wanted = [_relative(submissions_dir, p) for p in paths or []]
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
            if wanted and not any(w in ("", relative) or relative.startswith(f"{w}/") for w in wanted):
                continue
            if changed is not None and relative not in changed:
                outcome.unchanged.append(relative)
                continue
            if changed is None and is_verified(stamps, relative, sha, [r["run_id"] for r in sub["records"]]):
                continue
            if sub["protocol_version"] != protocol.version and not archived:
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
            if max_records is not None:
                if outcome.reexecuted >= max_records:
                    outcome.postponed.append(relative)
                    continue
                chosen = chosen[: max_records - outcome.reexecuted]
            here = rerun_module.Here(data_dir, protocol.task(sub["track"], sub["task"]).threads)
            run = _Run(rerun_record, time_cap, Path(tmp) / relative.replace("/", "-"), cache_dir or Path(tmp) / "cache")
            file = _File(submissions_dir, relative, sha, done, stamp_at(stamps, relative, sha), all_records, commit)
            problems, disagreed = run.records(path, relative, sub, chosen, here, file, stamp=stamp, log=log)
            outcome.reexecuted += file.attempted
            outcome.problems += problems
            if disagreed is not None:
                outcome.disagreed[relative] = file.disagreed(*disagreed)
                if stamp:
                    save_stamp(submissions_dir, relative, outcome.disagreed[relative])
            elif not problems:
                outcome.agreed[relative] = file.agreed_stamp()
    outcome.seconds = time.time() - began
    return outcome


def _relative(submissions_dir: Path, path: Path) -> str:
    """`path` (a file or folder at or under `submissions_dir`) relative to it ("" for the folder itself); ValueError
    naming it otherwise."""
    try:
        relative = path.resolve().relative_to(submissions_dir.resolve()).as_posix()
    except ValueError:
        raise ValueError(f"{path}: not inside {submissions_dir}; name submission files or folders there") from None
    return "" if relative == "." else relative


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


@dataclass
class _File:
    """One file's verification so far: the records found in agreement (before this call, `done`; in it, `agreed`)
    and the stamps that say so."""

    submissions_dir: Path
    relative: str
    sha256: str
    done: set[str]
    before: dict[str, Any] | None
    all_records: bool
    commit: str | None
    agreed: list[str] = field(default_factory=list)
    attempted: int = 0
    began: float = field(default_factory=time.time)

    def agreed_stamp(self) -> dict[str, Any]:
        # Seconds add up over the calls of a stamping run cut into jobs, as its agreed records do.
        earlier = float((self.before or {}).get("seconds", 0.0)) if self.done else 0.0
        return {
            "sha256": self.sha256,
            "outcome": AGREED,
            "records": sorted(self.done | set(self.agreed)),
            "drawn_by": "every record" if self.all_records else "OS random source (random.SystemRandom)",
            "commit": self.commit,
            "seconds": round(earlier + time.time() - self.began, 1),
        }

    def disagreed(self, run_id: str, field_: str, reason: str) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "outcome": DISAGREED,
            "record": run_id,
            "field": field_,
            "reason": reason,
            "commit": self.commit,
        }


@dataclass(frozen=True)
class _Run:
    """How one file's records are run again: the rerun, its time cap, a scratch folder, the base evaluations."""

    rerun_record: Rerun
    time_cap: float
    scratch: Path
    cache: Path

    def records(
        self,
        path: Path,
        relative: str,
        sub: dict[str, Any],
        chosen: list[int],
        here: rerun_module.Here,
        file: _File,
        *,
        stamp: bool,
        log: Callable[[str], None],
    ) -> tuple[list[Problem], tuple[str, str, str] | None]:
        """The problems of re-executing the `chosen` records, and the first disagreement (run id, field, reason).
        A stamping run (`file.all_records`) stops at the first record that does not agree (the file cannot be
        stamped then, and every record takes minutes); with `stamp`, each agreement is written at once."""
        problems: list[Problem] = []
        first = None
        for i in chosen:
            record = sub["records"][i]
            at = f"records[{i}]"
            log(f"{relative}: re-executing {at} ({record['run_id']})")
            file.attempted += 1
            try:
                again = self.rerun_record(record, self.scratch / str(i), self.time_cap, self.cache, here)
            except rerun_module.RerunFailed as e:  # not a disagreement: the file stays as it was
                problems.append(Problem(str(path), at, str(e)))
            else:
                found = disagreements(record, again, at)
                problems += [Problem(str(path), f, reason) for f, reason in found]
                if found and first is None:
                    first = (record["run_id"], *found[0])
                elif not found:
                    file.agreed.append(record["run_id"])
                    if stamp:
                        save_stamp(file.submissions_dir, relative, file.agreed_stamp())
            if problems and file.all_records:
                break
        return problems, first


def record(submissions_dir: Path, outcome: Outcome) -> Path:
    """Add the outcomes found to verified.json (the stamps of other files stay)."""
    stamps = load_stamps(submissions_dir)
    stamps.update(outcome.agreed)
    stamps.update(outcome.disagreed)
    return save_stamps(submissions_dir, stamps)
