"""Making a submission: every run of one method's sweep(s) on one (track, task, base model), as data.

A submission is `leaderboard/submissions/<track>/<task>/<name>.json`: every record of the sweep(s) (their
per_example maps, most of a record's bytes, packed into per-item results of about 1 kB: `items.py`), the method's
source hash, who made it, the razorbench version, the protocol version it was made under and the versions of the
task and its priors (read from the installed track: records do not carry them). `razorbench submit` writes one. All
runs go in, not a chosen few: a sweep whose manifest lists a run without a record is refused. A submission is
checked by `validation` before it is written, against the standard protocol too (`protocol.py`), so what
`submit` writes is what `razorbench leaderboard validate` accepts. Records an experiment keeps in git rather than in run
folders (the smol seed entries) go in through `submission_from_records`, with their sweep's manifest.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

from razorbench.analysis.analyze import find_records
from razorbench.leaderboard.items import pack
from razorbench.leaderboard.protocol import Protocol
from razorbench.leaderboard.validation import InvalidSubmissions, check_submission

SUBMISSION_VERSION = 2  # 2: protocol_version and task_versions (protocol v1)


def method_source(name: str) -> dict[str, str]:
    """The registered method's module and the sha256 of its source file."""
    from razorbench.api.registry import METHODS

    cls = METHODS.get(name)
    source = Path(inspect.getfile(cls))
    return {"name": name, "module": cls.__module__, "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}


def task_versions(track: str, task: str, priors: list[str]) -> dict[str, int]:
    """The installed `version` of the task and of each prior."""
    from razorbench.api.registry import get_task

    return {name: int(get_task(name, track).version) for name in [task, *priors]}


def _sweep_manifests(paths: list[str | Path]) -> list[dict[str, Any]]:
    """sweep.json at or under each path, or in the folder just above a run folder."""
    found: dict[Path, None] = {}
    for p in map(Path, paths):
        candidates = sorted(p.rglob("sweep.json")) if p.is_dir() else []
        run_dir = p.parent if p.is_file() else p
        candidates += [run_dir.parent / "sweep.json"]
        for c in candidates:
            if c.is_file():
                found[c.resolve()] = None
    return [json.loads(c.read_text()) for c in found]


def make_submission(
    run_dirs: list[str | Path],
    name: str,
    *,
    protocol: Protocol,
    link: str | None = None,
    authors: str | None = None,
) -> dict[str, Any]:
    """A submission of every record at or under `run_dirs` (run folders, sweep folders or record files), with the
    manifests of the sweeps they come from (`submission_from_records`)."""
    records = find_records(run_dirs)
    if not records:
        raise ValueError(f"no record.json under {', '.join(map(str, run_dirs))}")
    sweeps = _sweep_manifests(run_dirs)
    return submission_from_records(records, name, sweeps=sweeps, protocol=protocol, link=link, authors=authors)


def submission_from_records(
    records: list[dict[str, Any]],
    name: str,
    *,
    sweeps: list[dict[str, Any]],
    protocol: Protocol,
    link: str | None = None,
    authors: str | None = None,
) -> dict[str, Any]:
    """A submission of `records`, the runs of `sweeps` (manifests: method, task, track, grid, seeds, runs...).

    Raises ValueError naming what is wrong: records of several methods, tracks, tasks or base models, a
    duplicate run id, a sweep with runs missing, or anything `validate` would reject, the protocol included.
    """
    from razorbench.runner.record_schema import validate_record

    for r in records:
        try:
            validate_record(r)
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"run {r.get('run_id')!r}: {e}") from None
    kinds = {(r["track"], r["task"], r["method"], r["base_model"]["sha256"]) for r in records}
    if len(kinds) > 1:
        listed = "; ".join(f"{t}/{k} {m} (base {s[:12]})" for t, k, m, s in sorted(kinds))
        raise ValueError(f"a submission is one method on one track, task and base model; these records mix {listed}")
    versions = {r["provenance"].get("razorbench_version") for r in records}
    if len(versions) > 1:
        raise ValueError(f"the records were made by different razorbench versions: {sorted(map(str, versions))}")
    ids = [r["run_id"] for r in records]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"run id {duplicates[0]!r} appears twice (sweeps with the same grid point?)")
    for s in sweeps:
        missing = [run for run in s.get("runs", []) if run not in ids]
        if missing:
            raise ValueError(
                f"sweep {s.get('method')}/{s.get('task')} has {len(missing)} run(s) without a record "
                f"(e.g. {missing[0]!r}): finish it (rerun the same `razorbench sweep`) and submit every run"
            )
    track, task, method, _ = kinds.pop()
    first = records[0]
    submission: dict[str, Any] = {
        "submission_version": SUBMISSION_VERSION,
        "name": name,
        "track": track,
        "task": task,
        "method": method_source(method),
        "base_model": {"name": first["base_model"]["name"], "sha256": first["base_model"]["sha256"]},
        "authors": authors or "",
        **({"link": link} if link else {}),
        "razorbench_version": versions.pop(),
        "protocol_version": protocol.version,
        "task_versions": task_versions(track, task, [str(p) for p in first["config"]["task"]["priors"]]),
        "sweeps": [
            {k: s[k] for k in ("method", "task", "track", "grid", "seeds", "first_seed", "overrides", "runs") if k in s}
            for s in sorted(sweeps, key=lambda s: json.dumps(s, sort_keys=True))
        ],
        # per_example maps are most of a record's bytes: kept as packed per-item results instead (items.py).
        "records": [_compact(r) for r in sorted(records, key=_run_id)],
    }
    problems = check_submission(submission, f"submission {name!r}", protocol=protocol)
    if problems:
        raise InvalidSubmissions(problems)
    return submission


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """The record without its per_example maps, with its per-item results packed where they pack."""
    out = {k: v for k, v in record.items() if k != "per_example"}
    items = pack(record.get("per_example") or {})
    if items is not None:
        out["items"] = items
    return out


def _run_id(record: dict[str, Any]) -> str:
    return record["run_id"]


def submission_path(submissions_dir: Path, submission: dict[str, Any]) -> Path:
    return submissions_dir / submission["track"] / submission["task"] / f"{submission['name']}.json"


def write_submission(submission: dict[str, Any], path: Path) -> Path:
    from razorbench.util.atomic import write_json_atomic

    write_json_atomic(path, submission)
    path.chmod(0o644)  # mkstemp makes it private; a submission is public data
    return path
