"""Re-executing submissions (`razorbench leaderboard verify`, run by CI): validation checks a file's arithmetic, this
checks that its numbers came from running the method.

For every submission file without a stamp for its current bytes (`stamps.py`), `records` of its runs are drawn at
verification time from the operating system's random source and run again from their own configs with the
repository's code (`rerun.py`), each within `time_cap` seconds. Why the OS source: any choice computed from what
the submitter controls (the file's bytes, the pull request's commit) can be steered, by trying variants of the file
until the draw lands on the few honest records; the OS source is read after the file is fixed and cannot be.

The rerun must agree with the submitted record, final metrics and every curve point:
- counts exactly: new-task accuracy, base accuracy, every prior's base and final score, forgetting (per prior and
  mean), the prompt counts. The same CPU repeats them bit for bit, and so did another CPU
  (docs/PINNED-METRICS-drift.md). Retention and accuracy are all a rank is made of, and they are compared exactly:
  any change that could move a rank (one prior item, 1/200) is refused;
- continuous metrics (KLs, total variation, weight change, rank, representation similarity) within `RELATIVE`
  = 1e-3 relative (an absolute floor `ABSOLUTE` near 0): the largest cross-CPU drift measured there was 1.3e-4
  relative, so 1e-3 leaves ~8× room for another CPU while refusing any fabricated value. None of them enters a rank
  (forward KL is shown, not ranked), so the tolerance cannot change one (tests/leaderboard/test_verify.py).
A disagreement is a Problem naming the file, the record and the metric.
A file whose method is not in the repository cannot be re-executed: it is reported as unverifiable (its entry is
shown as unverified, never ranked with verified ones), not as a failure. A file of an archived protocol version is
not re-executed either (unless `archived`): it was made by older code under an older grid, and is shown as archived
and unverified. (Of the tiny seed entries of protocol v1, made at git be20de7, tiny/science/dpo and tiny/math/oracle-sft
reran exactly, 2026-12; tiny/math/rl's seed-2 record reran to accuracy 0.9175 against the submitted 0.9000, on a
working tree that held other uncommitted changes to the tiny tasks and the runner, so which code differs is open.)
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from razorbench.leaderboard.record_checks import Problem
from razorbench.leaderboard.rerun import RerunFailed, rerun
from razorbench.leaderboard.stamps import file_sha256, is_stamped, load_stamps, save_stamps
from razorbench.leaderboard.validation import load_submission_files

RELATIVE = 1e-3
ABSOLUTE = 1e-6  # for values near 0 (a KL of a policy that barely moved), where a relative bound means nothing
EXACT = ("new_task_accuracy", "base_new_task_accuracy", "forgetting", "n_new_task_prompts", "n_kl_prompts")
# Seconds per rerun: the slowest tiny seed-entry run took 222 s (tiny/science/reinforce); on the 2-core machine at
# load 8-9 reruns of 60-70 s runs took 400-520 s, and two of them passed 600 s.
TIME_CAP = 1200.0


@dataclass
class Outcome:
    """What one verification found: problems, files verified (with their stamps), files that cannot be, and files of
    an archived protocol left as they are."""

    problems: list[Problem] = field(default_factory=list)
    verified: dict[str, dict[str, Any]] = field(default_factory=dict)
    unverifiable: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    seconds: float = 0.0


def disagreements(submitted: dict[str, Any], rerun_record: dict[str, Any], at: str) -> list[tuple[str, str]]:
    """(field, reason) for every metric of the rerun that does not agree with the submitted record's."""
    out = _compare_metrics(submitted["metrics"], rerun_record["metrics"], f"{at}.metrics")
    theirs = {p["step"]: p for p in rerun_record.get("curve", [])}
    for j, point in enumerate(submitted.get("curve", [])):
        other = theirs.get(point["step"])
        if other is None:
            out.append((f"{at}.curve[{j}]", f"step {point['step']}: the rerun has no curve point there"))
            continue
        out += _compare_metrics(point, other, f"{at}.curve[{j}]")
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
        return ours == theirs
    return abs(ours - theirs) <= max(ABSOLUTE, RELATIVE * abs(ours))


def choose(records: list[dict[str, Any]], k: int, rng: random.Random) -> list[int]:
    """Indices of `k` records drawn by `rng` (all of them when there are fewer)."""
    return sorted(rng.sample(range(len(records)), min(k, len(records))))


def verify(
    submissions_dir: Path,
    *,
    records: int = 1,
    stamps_from: str | None = None,
    time_cap: float = TIME_CAP,
    rng: random.Random | None = None,
    archived: bool = False,
    rerun_record: Callable[[dict[str, Any], Path, float, Path], dict[str, Any]] = rerun,
    commit: str | None = None,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Re-execute `records` records of every submission under `submissions_dir` that no stamp covers (stamps from the
    working tree, or as committed at git revision `stamps_from`). `rng`: the draw (default: the OS random source);
    `rerun_record`: how a record is run again (tests pass a fake); `archived`: re-execute files of an archived
    protocol version too."""
    from razorbench.api.registry import METHODS
    from razorbench.leaderboard.protocol import load_protocol

    current = load_protocol(submissions_dir.parent / "protocol.yaml").version

    rng = rng or random.SystemRandom()
    stamps = load_stamps(submissions_dir, stamps_from)
    outcome = Outcome()
    began = time.time()
    with tempfile.TemporaryDirectory(prefix="razorbench-verify-") as tmp:
        for path, sub in load_submission_files(submissions_dir).items():
            relative = path.relative_to(submissions_dir).as_posix()
            sha = file_sha256(path)
            if is_stamped(stamps, relative, sha):
                continue
            if sub["protocol_version"] != current and not archived:
                outcome.archived.append(relative)
                continue
            if sub["method"]["name"] not in METHODS.names():
                outcome.unverifiable.append(relative)
                log(f"{relative}: method {sub['method']['name']!r} is not in this repository: unverified")
                continue
            chosen = choose(sub["records"], records, rng)
            file_began, failed = time.time(), False
            for i in chosen:
                record = sub["records"][i]
                at = f"records[{i}]"
                log(f"{relative}: re-executing {at} ({record['run_id']})")
                try:
                    where = Path(tmp) / relative.replace("/", "-") / str(i)
                    again = rerun_record(record, where, time_cap, Path(tmp) / "cache")
                except RerunFailed as e:
                    outcome.problems.append(Problem(str(path), at, str(e)))
                    failed = True
                    continue
                found = disagreements(record, again, at)
                outcome.problems += [Problem(str(path), f, reason) for f, reason in found]
                failed = failed or bool(found)
            if not failed:
                outcome.verified[relative] = {
                    "sha256": sha,
                    "records": [sub["records"][i]["run_id"] for i in chosen],
                    "drawn_by": "OS random source (random.SystemRandom)",
                    "commit": commit,
                    "seconds": round(time.time() - file_began, 1),
                }
    outcome.seconds = time.time() - began
    return outcome


def stamp(submissions_dir: Path, verified: dict[str, dict[str, Any]]) -> Path:
    """Add the stamps of newly verified files to verified.json (kept stamps of other files stay)."""
    stamps = load_stamps(submissions_dir)
    stamps.update(verified)
    return save_stamps(submissions_dir, stamps)
