"""Checking submissions: they arrive by pull request from anyone, so each is treated as untrusted data.

`validate` (`razorbench leaderboard validate`, and CI) checks each file against the schema
(`razorbench/leaderboard/schema.json`, shipped as package data, so a wheel installed anywhere has it) and for
consistency (one track, task, base model, method and version; unique run ids; the same evaluation in every
run; every run of its sweeps), recomputes forgetting (and per-example means, when present) from the stored
scores, and refuses anything that is not plain JSON data at its own path (`..`, symbolic links, other files,
oversized or non-UTF-8 files, duplicate keys, NaN). Submissions to one (track, task) must also share the base
model and the evaluation, so that they can be ranked together. Each must also conform to the standard protocol
(`protocol.yaml` beside `submissions/`, `razorbench.leaderboard.protocol`): its version, evaluation settings,
seeds, task versions and base model. Every problem names its file and field.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from razorbench.leaderboard.protocol import Protocol, ProtocolError, conformance, load_protocol
from razorbench.leaderboard.record_checks import Problem, check_records, comparable_settings

MAX_FILE_BYTES = 5_000_000
MAX_PROBLEMS_PER_FILE = 50


class InvalidSubmissions(ValueError):
    """Problems with submissions; its message is one line: the first problem and the other fields named."""

    def __init__(self, problems: list[Problem]) -> None:
        more = sorted({p.field for p in problems[1:]} - {problems[0].field})
        also = f" (and {len(problems) - 1} more: {', '.join(more)})" if more else ""
        super().__init__(f"{problems[0]}{also}")
        self.problems = problems


SCHEMA = Path(__file__).resolve().parent / "schema.json"  # package data: a wheel installed anywhere has it


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """The submission schema: `path`, else the one shipped in the package."""
    path = path or SCHEMA
    if not path.is_file():
        raise FileNotFoundError(f"no leaderboard schema at {path}")
    return json.loads(path.read_text())


def _json_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """
    >>> _json_path(["records", 2, "metrics", "forward_kl"])
    'records[2].metrics.forward_kl'
    """
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _non_finite(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], float]]:
    if isinstance(data, float) and not math.isfinite(data):
        return [(path, data)]
    if isinstance(data, dict):
        return [bad for k, v in data.items() for bad in _non_finite(v, (*path, k))]
    if isinstance(data, list):
        return [bad for i, v in enumerate(data) for bad in _non_finite(v, (*path, i))]
    return []


def check_submission(
    data: Any,
    file: str,
    *,
    protocol: Protocol | None,
    schema: dict[str, Any] | None = None,
    location: tuple[str, str, str] | None = None,
) -> list[Problem]:
    """Problems with one parsed submission; `location` is (track, task, name) read from its path.
    `protocol`: the standard protocol it must conform to (None: not checked against one)."""
    from jsonschema import Draft202012Validator

    problems = [Problem(file, _json_path(p), f"{v} is not a finite number") for p, v in _non_finite(data)]
    if problems:
        return problems
    validator = Draft202012Validator(schema or load_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (_sort_key(e.absolute_path), e.message))
    problems = [Problem(file, _json_path(e.absolute_path), _shorten(e.message)) for e in errors]
    if problems:  # the checks below assume the schema's shape
        return problems
    if location is not None:
        for key, expected in zip(("track", "task", "name"), location, strict=True):
            if data[key] != expected:
                where = f"{location[2]}.json" if key == "name" else f"under submissions/{location[0]}/{location[1]}/"
                problems.append(Problem(file, key, f"{data[key]!r}, but the file is {where}"))
    problems += check_records(data, file)
    if protocol is not None and not problems:  # conformance reads records the checks above have passed
        problems += [Problem(file, field, reason) for field, reason in conformance(data, protocol)]
    return problems


def _sort_key(path: Any) -> list[tuple[int, Any]]:
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in path]  # records[2] before records[10]


def _shorten(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice in one object")
        out[k] = v
    return out


def _submissions_root(path: Path) -> Path | None:
    """The nearest folder named `submissions` at or above `path`."""
    for p in (path, *path.parents):
        if p.name == "submissions":
            return p
    return None


def _check_file(path: Path, label: str, root: Path | None) -> tuple[list[Problem], Any, tuple[str, str, str] | None]:
    """File-level safety: a plain .json file, at submissions/<track>/<task>/<name>.json, not too big, parseable."""

    def fail(field: str, reason: str) -> tuple[list[Problem], None, None]:
        return [Problem(label, field, reason)], None, None

    absolute = Path(os.path.normpath(path.absolute()))
    root = Path(os.path.normpath((root or _submissions_root(absolute) or absolute.parent).absolute()))
    if ".." in path.parts:
        return fail("(path)", "contains '..': name submissions by plain paths inside submissions/")
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return fail("(path)", f"outside the submissions folder {root}")
    for parent in [root / Path(*rel.parts[:k]) for k in range(1, len(rel.parts) + 1)]:
        if parent.is_symlink():
            return fail("(path)", f"{parent.relative_to(root)} is a symbolic link: submissions are plain files")
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        return fail("(file)", "not a regular file: submissions/ holds plain JSON files only")
    if path.suffix != ".json":
        return fail("(file)", "not a .json file: submissions/ holds data only, one JSON file per submission")
    if root.name != "submissions" or len(rel.parts) != 3:
        return fail("(path)", "a submission lives at submissions/<track>/<task>/<name>.json")
    if info.st_size > MAX_FILE_BYTES:
        return fail("(file)", f"{info.st_size} bytes; the limit is {MAX_FILE_BYTES} (drop per_example maps)")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"), object_pairs_hook=_reject_duplicate_keys)
    except UnicodeDecodeError as e:
        return fail("(file)", f"not UTF-8 text: {e.reason} at byte {e.start}")
    except RecursionError:
        return fail("(file)", "JSON nested too deeply")
    except ValueError as e:  # json.JSONDecodeError is a ValueError, and so are duplicate keys
        return fail("(file)", f"not valid JSON: {e}")
    track, task, name = rel.parts[0], rel.parts[1], rel.parts[2][: -len(".json")]
    return [], data, (track, task, name)


def _scan(paths: list[str | Path], root: Path | None = None) -> tuple[list[Problem], dict[Path, dict[str, Any]]]:
    """Problems with every file at or under `paths`, and the submissions that passed, by path."""
    problems: list[Problem] = []
    files: list[Path] = []
    for p in map(Path, paths):
        if ".." in p.parts:
            problems.append(
                Problem(str(p), "(path)", "contains '..': name submissions by plain paths inside submissions/")
            )
        elif p.is_symlink():
            problems.append(Problem(str(p), "(path)", "a symbolic link: submissions are plain files"))
        elif p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):  # does not follow symlinked folders...
                dirnames.sort()
                for d in dirnames:  # ...but lists them, and they are refused
                    if (Path(dirpath) / d).is_symlink():
                        problems.append(
                            Problem(str(Path(dirpath) / d), "(path)", "a symbolic link: submissions are plain files")
                        )
                files += [Path(dirpath) / f for f in sorted(filenames)]
        elif p.exists():
            files.append(p)
        else:
            problems.append(Problem(str(p), "(path)", "no such file or folder"))
    schema = load_schema()
    loaded: dict[Path, dict[str, Any]] = {}
    protocols: dict[Path, Protocol | Problem] = {}
    for f in files:
        file_problems, data, location = _check_file(f, str(f), root)
        if not file_problems:
            protocol = _protocol_for(f, root, protocols)
            if isinstance(protocol, Problem):
                file_problems = [protocol]
            else:
                file_problems = check_submission(data, str(f), protocol=protocol, schema=schema, location=location)
        if len(file_problems) > MAX_PROBLEMS_PER_FILE:
            more = len(file_problems) - MAX_PROBLEMS_PER_FILE
            file_problems = [*file_problems[:MAX_PROBLEMS_PER_FILE], Problem(str(f), "(file)", f"{more} more problems")]
        problems += file_problems
        if not file_problems:
            loaded[f] = data
    return problems + _check_across(loaded), loaded


def _protocol_for(file: Path, root: Path | None, cache: dict[Path, Protocol | Problem]) -> Protocol | Problem:
    """The protocol beside the submissions folder `file` is in (`protocol.yaml` next to `submissions/`)."""
    folder = root or _submissions_root(Path(os.path.normpath(file.absolute()))) or file.parent
    path = folder.parent / "protocol.yaml"
    if path not in cache:
        try:
            cache[path] = load_protocol(path)
        except (FileNotFoundError, ProtocolError) as e:
            cache[path] = Problem(str(file), "(protocol)", str(e))
    return cache[path]


def _check_across(loaded: dict[Path, dict[str, Any]]) -> list[Problem]:
    """Submissions of one (track, task) must share the base model and the evaluation to be ranked together."""
    problems = []
    first: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for path, sub in sorted(loaded.items()):
        key = (sub["track"], sub["task"])
        if key not in first:
            first[key] = (path, sub)
            continue
        ref_path, ref = first[key]
        if sub["base_model"]["sha256"] != ref["base_model"]["sha256"]:
            problems.append(
                Problem(
                    str(path), "base_model.sha256", f"differs from {ref_path.name}'s: one base model per track and task"
                )
            )
        ours, theirs = comparable_settings(sub["records"][0]), comparable_settings(ref["records"][0])
        for k in ours:
            if ours[k] != theirs[k]:
                problems.append(
                    Problem(
                        str(path),
                        f"records[0].config.{k}",
                        f"{ours[k]!r}, but {ref_path.name} has {theirs[k]!r}: "
                        "submissions to one track and task are evaluated the same way",
                    )
                )
    return problems


def validate(paths: list[str | Path], root: Path | None = None) -> list[Problem]:
    """Every problem with the submission files at or under `paths` (empty when all are fine).

    `root` is the submissions folder; by default the nearest folder named `submissions` above each file.
    """
    return _scan(paths, root)[0]


def load_submissions(submissions_dir: Path) -> list[dict[str, Any]]:
    """The submissions under `submissions_dir`, sorted by path; raises InvalidSubmissions on any problem."""
    return list(load_submission_files(submissions_dir).values())


def load_submission_files(submissions_dir: Path) -> dict[Path, dict[str, Any]]:
    """The submissions under `submissions_dir` by file path, sorted; raises InvalidSubmissions on any problem."""
    if not submissions_dir.is_dir():
        return {}
    problems, loaded = _scan([submissions_dir], submissions_dir)
    if problems:
        raise InvalidSubmissions(problems)
    return {p: loaded[p] for p in sorted(loaded)}
