"""The leaderboard: submissions (data only), their validation, ranking, and the rendered pages.

A submission is `leaderboard/submissions/<track>/<task>/<name>.json`: every run of one method's sweep(s) on
one (track, task, base model), the method's source hash, who made it and the razorbench version
(`razorbench/leaderboard/schema.json`, shipped as package data). `razorbench submit` writes one; `razorbench leaderboard validate` checks the
schema, the file's consistency (one track, task, base model, method and version; unique run ids; the same
evaluation in every run), recomputes forgetting from the per-prior scores, and refuses anything that is not
plain JSON data at its own path. `razorbench leaderboard build` writes `README.md`, `index.html` and
`plots/` beside `submissions/`; the output depends on the submissions only (no dates), so
`build --check` can tell in CI whether the pages are up to date.

Ranking, per (track, task):
1. each submission's runs are grouped into configurations, seeds averaged (`analyze.configurations`), and
   its Pareto frontier of new-task accuracy against mean prior score is taken (`analyze.pareto_frontier`);
2. the matched accuracy a* is the highest new-task accuracy that every frontier reaches: the least of their
   best accuracies;
3. retention (mean prior score), forgetting and forward KL are interpolated linearly on each frontier at
   a* (`analyze.interpolate_frontier`). A frontier whose lowest accuracy is above a* counts with its first
   (most retentive) point: a configuration that reaches more than a* retains at least that much at a*;
4. rank = 1 + the number of submissions whose retention at a* is significantly higher: their 95%
   t-intervals over seeds do not overlap (`analyze.matched_accuracy`), so a difference within the noise is
   a tie. A frontier of single-seed points has no interval: ranks then follow the point estimates and
   are marked untested.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import stat
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from razorbench.analysis.analyze import find_records, frontier_points, interpolate_frontier, matched_accuracy
from razorbench.analysis.fit import fit
from razorbench.leaderboard.pages import plot_group, render_html, render_markdown

SUBMISSION_VERSION = 1
DEFAULT_DIR = Path("leaderboard")  # relative to the repository root, like `runs/`
MAX_FILE_BYTES = 5_000_000
TOLERANCE = 1e-9  # recomputed forgetting vs stored: both are float64 sums of the same few numbers
PER_EXAMPLE_TOLERANCE = 1e-6  # per-example means vs stored accuracies, which evaluate.py sums in float32
MAX_PROBLEMS_PER_FILE = 50
# What must be equal for two runs' numbers to be comparable (the rest of config.eval is batching).
EVAL_PROTOCOL = ("new_task_prompts", "samples_per_prompt", "kl_prompts", "prior_limit", "seed")


@dataclass(frozen=True)
class Problem:
    """One reason to reject a submission: which file, which field (a JSON path), and why.

    >>> print(Problem("tiny/science/x.json", "records[1].run_id", "'a' duplicates records[0]"))
    tiny/science/x.json: records[1].run_id: 'a' duplicates records[0]
    """

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class InvalidSubmissions(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        self.problems = problems


# --- making a submission ---------------------------------------------------------------------------


def method_source(name: str) -> dict[str, str]:
    """The registered method's module and the sha256 of its source file."""
    from razorbench.api.registry import METHODS

    cls = METHODS.get(name)
    source = Path(inspect.getfile(cls))
    return {"name": name, "module": cls.__module__, "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}


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
    run_dirs: list[str | Path], name: str, link: str | None = None, authors: str | None = None
) -> dict[str, Any]:
    """A submission of every record at or under `run_dirs` (run folders, sweep folders or record files).

    Raises ValueError naming what is wrong: records of several methods, tracks, tasks or base models, a
    duplicate run id, a sweep with runs missing, or anything `validate` would reject.
    """
    from razorbench.runner.records import validate_record

    records = find_records(run_dirs)
    if not records:
        raise ValueError(f"no record.json under {', '.join(map(str, run_dirs))}")
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
    sweeps = _sweep_manifests(run_dirs)
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
        "sweeps": [
            {k: s[k] for k in ("method", "task", "track", "grid", "seeds", "first_seed", "overrides", "runs") if k in s}
            for s in sorted(sweeps, key=lambda s: json.dumps(s, sort_keys=True))
        ],
        # per_example maps are most of a record's bytes and are not needed to re-check or rank it.
        "records": [{k: v for k, v in r.items() if k != "per_example"} for r in sorted(records, key=_run_id)],
    }
    problems = check_submission(submission, f"submission {name!r}")
    if problems:
        raise InvalidSubmissions(problems)
    return submission


def _run_id(record: dict[str, Any]) -> str:
    return record["run_id"]


def submission_path(submissions_dir: Path, submission: dict[str, Any]) -> Path:
    return submissions_dir / submission["track"] / submission["task"] / f"{submission['name']}.json"


def write_submission(submission: dict[str, Any], path: Path) -> Path:
    from razorbench.util.atomic import write_json_atomic

    write_json_atomic(path, submission)
    path.chmod(0o644)  # mkstemp makes it private; a submission is public data
    return path


# --- validation ------------------------------------------------------------------------------------


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
    data: Any, file: str, *, schema: dict[str, Any] | None = None, location: tuple[str, str, str] | None = None
) -> list[Problem]:
    """Problems with one parsed submission; `location` is (track, task, name) read from its path."""
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
    return problems + _check_records(data, file)


def _sort_key(path: Any) -> list[tuple[int, Any]]:
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in path]  # records[2] before records[10]


def _shorten(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _check_records(data: dict[str, Any], file: str) -> list[Problem]:
    problems = []
    records = data["records"]
    first_index: dict[str, int] = {}
    protocol0 = _protocol(records[0])
    for i, r in enumerate(records):
        at = f"records[{i}]"
        for key, expected in (("track", data["track"]), ("task", data["task"]), ("method", data["method"]["name"])):
            if r[key] != expected:
                problems.append(
                    Problem(
                        file,
                        f"{at}.{key}",
                        f"{r[key]!r}, but the submission is {key} {expected!r} "
                        "(one track, task, method and base model per file)",
                    )
                )
        if r["base_model"]["sha256"] != data["base_model"]["sha256"]:
            problems.append(Problem(file, f"{at}.base_model.sha256", "differs from the submission's base model"))
        if r["provenance"]["razorbench_version"] != data["razorbench_version"]:
            problems.append(
                Problem(
                    file,
                    f"{at}.provenance.razorbench_version",
                    f"{r['provenance']['razorbench_version']!r}, "
                    f"but the submission is razorbench {data['razorbench_version']!r}: versions must agree",
                )
            )
        if r["run_id"] in first_index:
            problems.append(
                Problem(file, f"{at}.run_id", f"{r['run_id']!r} duplicates records[{first_index[r['run_id']]}]")
            )
        first_index.setdefault(r["run_id"], i)
        for key, value in _protocol(r).items():
            if value != protocol0[key]:
                problems.append(
                    Problem(
                        file,
                        f"{at}.config.{key}",
                        f"{value!r}, but records[0] has {protocol0[key]!r}: "
                        "every run of a submission is evaluated the same way",
                    )
                )
        problems += _recheck(r, at, file)
    for j, s in enumerate(data.get("sweeps", [])):
        for key in ("track", "task", "method"):
            expected = data["method"]["name"] if key == "method" else data[key]
            if s[key] != expected:
                problems.append(Problem(file, f"sweeps[{j}].{key}", f"{s[key]!r}, but the submission is {expected!r}"))
        missing = [run for run in s["runs"] if run not in first_index]
        if missing:
            problems.append(
                Problem(
                    file,
                    f"sweeps[{j}].runs",
                    f"{len(missing)} run(s) of this sweep have no record here "
                    f"(e.g. {missing[0]!r}): a submission carries every run of its sweeps",
                )
            )
    return problems


def _protocol(record: dict[str, Any]) -> dict[str, Any]:
    """The evaluation settings two records must share for their numbers to be compared."""
    config = record["config"]
    out = {f"eval.{k}": config["eval"].get(k) for k in EVAL_PROTOCOL}
    out["task.priors"] = sorted(map(str, config["task"]["priors"]))
    return out


def _recheck(record: dict[str, Any], at: str, file: str) -> list[Problem]:
    """Forgetting (and per-example means, when present) recomputed from the stored scores."""
    problems = []
    m = record["metrics"]
    scores = m["prior_scores"]
    if sorted(scores) != sorted(map(str, record["config"]["task"]["priors"])):
        problems.append(
            Problem(file, f"{at}.metrics.prior_scores", f"priors {sorted(scores)} differ from config.task.priors")
        )
    per_prior = m["forgetting_per_prior"]
    if sorted(per_prior) != sorted(scores):
        problems.append(
            Problem(file, f"{at}.metrics.forgetting_per_prior", f"names {sorted(per_prior)} differ from prior_scores'")
        )
    else:
        for name, s in scores.items():
            drop = s["base"] - s["final"]
            if abs(per_prior[name] - drop) > TOLERANCE:
                problems.append(
                    Problem(
                        file,
                        f"{at}.metrics.forgetting_per_prior.{name}",
                        f"{per_prior[name]!r}, but base - final = {drop!r}",
                    )
                )
    mean_drop = sum(s["base"] - s["final"] for s in scores.values()) / len(scores)
    if abs(m["forgetting"] - mean_drop) > TOLERANCE:
        problems.append(
            Problem(
                file,
                f"{at}.metrics.forgetting",
                f"{m['forgetting']!r}, but the mean over priors of base - final is {mean_drop!r}",
            )
        )
    if "per_example" in record:
        problems += _recheck_per_example(record, at, file)
    return problems


def _recheck_per_example(record: dict[str, Any], at: str, file: str) -> list[Problem]:
    m, pe = record["metrics"], record["per_example"]
    pairs = [
        ("metrics.new_task_accuracy", m["new_task_accuracy"], ("new_task", "final")),
        ("metrics.base_new_task_accuracy", m["base_new_task_accuracy"], ("new_task", "base")),
        ("metrics.forward_kl", m["forward_kl"], ("forward_kl",)),
    ]
    for name, s in m["prior_scores"].items():
        pairs += [
            (f"metrics.prior_scores.{name}.{side}", s[side], ("priors", name, side)) for side in ("base", "final")
        ]
    problems = []
    for field, stored, keys in pairs:
        values = pe
        for k in keys:  # a map that is absent is not checked; one that is present must be right
            values = values.get(k) if isinstance(values, dict) else None
        if values is None:
            continue
        try:
            recomputed = sum(values.values()) / len(values)
        except (TypeError, AttributeError, ZeroDivisionError):
            problems.append(Problem(file, f"{at}.per_example.{'.'.join(keys)}", "not a map of numbers"))
            continue
        if abs(stored - recomputed) > PER_EXAMPLE_TOLERANCE:
            problems.append(
                Problem(file, f"{at}.{field}", f"{stored!r}, but the mean of per_example is {recomputed!r}")
            )
    return problems


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
    for f in files:
        file_problems, data, location = _check_file(f, str(f), root)
        if not file_problems:
            file_problems = check_submission(data, str(f), schema=schema, location=location)
        if len(file_problems) > MAX_PROBLEMS_PER_FILE:
            more = len(file_problems) - MAX_PROBLEMS_PER_FILE
            file_problems = [*file_problems[:MAX_PROBLEMS_PER_FILE], Problem(str(f), "(file)", f"{more} more problems")]
        problems += file_problems
        if not file_problems:
            loaded[f] = data
    return problems + _check_across(loaded), loaded


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
        ours, theirs = _protocol(sub["records"][0]), _protocol(ref["records"][0])
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
    if not submissions_dir.is_dir():
        return []
    problems, loaded = _scan([submissions_dir], submissions_dir)
    if problems:
        raise InvalidSubmissions(problems)
    return [loaded[p] for p in sorted(loaded)]


# --- ranking ---------------------------------------------------------------------------------------


def _entry(sub: dict[str, Any]) -> dict[str, Any]:
    """One submission's configurations (seeds averaged) and Pareto frontier, in analyze's point format."""
    points, frontier = frontier_points(sub["records"])
    return {
        "name": sub["name"],
        "method": sub["method"]["name"],
        "authors": sub.get("authors", ""),
        "link": sub.get("link"),
        "runs": len(sub["records"]),
        "seeds": max(p["seeds"] for p in points),
        "points": points,
        "frontier": frontier,
        "best_accuracy": frontier[-1]["accuracy"],
        "records": sub["records"],
    }


def _reaching(frontier: list[dict[str, Any]], level: float) -> list[dict[str, Any]]:
    """The frontier as it counts at accuracy `level`: one that starts above `level` is extended flat down to it
    with its first point, since a configuration that reaches more than `level` retains at least that much."""
    first = frontier[0]
    return frontier if first["accuracy"] <= level else [{**first, "accuracy": level}, *frontier]


def standings(submissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (track, task): the matched accuracy, and every submission's numbers and rank there."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sub in submissions:
        groups[(sub["track"], sub["task"])].append(sub)
    out = []
    for (track, task), subs in sorted(groups.items()):
        entries = [_entry(s) for s in sorted(subs, key=lambda s: s["name"])]
        level = min(e["best_accuracy"] for e in entries)  # a*: the highest accuracy every frontier reaches
        for e in entries:
            e["frontier_at"] = _reaching(e["frontier"], level)
            for key in ("prior", "forgetting", "forward_kl"):
                e[f"{key}_at"] = interpolate_frontier([(p["accuracy"], p[key]) for p in e["frontier_at"]], level)
        seeded = all(p["seeds"] > 1 for e in entries for p in e["frontier_at"])
        significant: dict[str, bool] = {}
        if len(entries) > 1:
            # Every frontier now spans a*, and the one with the lowest best accuracy ends there, so the
            # common range is [low, a*]: two levels, of which a* is the last.
            frontiers = {e["name"]: {"points": e["points"], "frontier": e["frontier_at"]} for e in entries}
            matched = matched_accuracy(frontiers, levels=2)
            significant = {pair: flags[-1] for pair, flags in matched["significant"].items()}
        for e in entries:
            better = [
                o
                for o in entries
                if o["prior_at"] > e["prior_at"]
                and (not seeded or significant[" vs ".join(sorted((o["name"], e["name"])))])
            ]
            e["rank"] = 1 + len(better)
        for e in entries:
            e["tie"] = sum(o["rank"] == e["rank"] for o in entries) > 1
        rows = sorted(entries, key=lambda e: (e["rank"], -e["prior_at"], e["name"]))
        runs = [r for e in entries for r in e["records"]]
        base = runs[0]["metrics"]
        out.append(
            {
                "track": track,
                "task": task,
                "base_model": subs[0]["base_model"],
                "base_accuracy": base["base_new_task_accuracy"],
                "base_prior": sum(s["base"] for s in base["prior_scores"].values()) / len(base["prior_scores"]),
                "matched_accuracy": level,
                "seeded": seeded,
                "rows": rows,
                "law": _law(runs),
            }
        )
    return out


def _law(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Forgetting against forward KL over every run of a (track, task): the paper's quadratic through 0."""
    if len(runs) < 3:
        return None
    x = [r["metrics"]["forward_kl"] for r in runs]
    y = [r["metrics"]["forgetting"] for r in runs]
    coefs, r2 = fit(x, y, "quadratic0")
    return {"n": len(runs), "coefs": coefs, "r2": r2}


def render(submissions_dir: Path) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The pages (name -> text) and the standings they show."""
    groups = standings(load_submissions(submissions_dir))
    return {"README.md": render_markdown(groups), "index.html": render_html(groups)}, groups


def build(submissions_dir: Path, out_dir: Path) -> list[Path]:
    """Write README.md, index.html and plots/*.svg to `out_dir`; plots of groups that are gone are removed."""
    pages, groups = render(submissions_dir)
    written = []
    for name, text in pages.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    plots = [p for g in groups for p in plot_group(g, out_dir / "plots")]
    for stale in sorted((out_dir / "plots").glob("*.svg")) if (out_dir / "plots").is_dir() else []:
        if stale not in plots:
            stale.unlink()
    return written + plots


def check(submissions_dir: Path, out_dir: Path) -> list[str]:
    """The pages in `out_dir` that differ from what `build` would write (plots are not compared: their
    bytes depend on the matplotlib version and fonts, not only on the submissions)."""
    pages, _ = render(submissions_dir)
    return [
        name for name, text in pages.items() if not (out_dir / name).is_file() or (out_dir / name).read_text() != text
    ]
