"""Checks of a submission's run records against each other and against the numbers they store: what the schema
cannot see (`razorbench.leaderboard.validation` runs these after the schema). Every problem names its file and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from razorbench.leaderboard.items import check as check_items

# Recomputed forgetting vs stored: float64 sums of the same few numbers, which a record kept at 6 significant digits
# (an experiment's records in git, razorbench.util.compact_record: the smol seed entries) holds each rounded, so
# the two differ by up to 1.5e-6 there; one prior item moves forgetting by at least 1/(priors × items) ≈ 1e-3.
TOLERANCE = 2e-6
PER_EXAMPLE_TOLERANCE = 1e-6  # per-example means vs stored accuracies, which evaluate.py sums in float32
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


def check_records(data: dict[str, Any], file: str) -> list[Problem]:
    """The records of one schema-valid submission, against the submission and each other: one track, task, method,
    base model and razorbench version; unique run ids; one evaluation; every run of its sweeps present; forgetting
    and per-example means recomputed."""
    problems = []
    records = data["records"]
    first_index: dict[str, int] = {}
    protocol0 = comparable_settings(records[0])
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
        for key, value in comparable_settings(r).items():
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


def comparable_settings(record: dict[str, Any]) -> dict[str, Any]:
    """The evaluation settings two records must share for their numbers to be compared."""
    config = record["config"]
    out = {f"eval.{k}": config["eval"].get(k) for k in EVAL_PROTOCOL}
    out["eval.prior_limits"] = dict(config["eval"].get("prior_limits") or {})  # records before it have none
    out["task.priors"] = sorted(map(str, config["task"]["priors"]))
    return out


def _recheck(record: dict[str, Any], at: str, file: str) -> list[Problem]:
    """Forgetting (and per-example means and packed per-item results, when present) recomputed from the stored
    scores."""
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
    if "items" in record:
        problems += [Problem(file, field, reason) for field, reason in check_items(record, at)]
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
