"""A run's learning-curve points read as the runs stopped there: one record per point.

A run of B steps with `curve.every=k` holds the policy after k, 2k, ... steps, each measured exactly as a final
policy is, every forgetting predictor included (`razorbench.runner.curve`). The learning rate is constant after
warm-up (`razorbench.api.method`), the prompt stream is a function of (seed, draw number) only (`PromptOrder`),
and measuring a point draws nothing from the training stream: so the policy at step j·k *is* the policy of the
same run with `trainer.max_steps=j·k` (tests/analysis/test_curve_points.py checks it). One run therefore gives
the records of several step budgets at the cost of the longest, and a reproduction can sweep budgets that way.

A point's record keeps what the analysis reads (metrics, config, method, task, provenance); it has no
per-example results, so it cannot be paired in `razorbench compare`, and its `provenance.wall_seconds` is 0 (its
compute is the whole run's, counted once there).
"""

from __future__ import annotations

import copy
from typing import Any

# What a curve point holds besides its step, accuracy and prior scores: the predictors, named as in the metrics.
_CURVE_ONLY = ("response_entropy", "token_entropy", "distinct_responses", "distinct_correct_responses")


def point_record(record: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """The record of `record`'s run stopped at curve point `point` (a step before its last; 0 is the base)."""
    step = int(point["step"])
    base = record["metrics"]["prior_scores"]
    priors = {
        name: {"base": base[name]["base"], "final": score, "n": base[name]["n"]}
        for name, score in point["prior_scores"].items()
    }
    drops = {name: s["base"] - s["final"] for name, s in priors.items()}
    skip = {"step", "new_task_accuracy", "prior_scores", "forgetting", *_CURVE_ONLY}
    metrics = {
        **{k: v for k, v in point.items() if k not in skip},
        "new_task_accuracy": point["new_task_accuracy"],
        "base_new_task_accuracy": record["metrics"]["base_new_task_accuracy"],
        "prior_scores": priors,
        "forgetting_per_prior": drops,
        "forgetting": sum(drops.values()) / len(drops) if drops else 0.0,
        **{k: record["metrics"][k] for k in ("n_new_task_prompts", "n_kl_prompts") if k in record["metrics"]},
    }
    config = copy.deepcopy(record["config"])
    config["trainer"]["max_steps"] = step
    out = {k: v for k, v in record.items() if k not in ("curve", "per_example", "uncertainty", "saved_model")}
    out.update(
        run_id=f"{record['run_id']}@{step}",
        config=config,
        metrics=metrics,
        provenance={**record["provenance"], "wall_seconds": 0.0, "curve_point_of": record["run_id"]},
    )
    return out


def base_point(record: dict[str, Any]) -> dict[str, Any]:
    """The step-0 point of `record`'s run: the base policy as its evaluation measured it (no update yet, so no
    divergence and no forgetting). Its curve's step 0 where the run kept one, else read from its base scores."""
    step0 = next((p for p in record.get("curve", []) if p["step"] == 0), None)
    if step0 is None:
        m = record["metrics"]
        step0 = {
            "step": 0,
            "new_task_accuracy": m["base_new_task_accuracy"],
            "prior_scores": {name: s["base"] for name, s in m["prior_scores"].items()},
            "forward_kl": 0.0,
            "forward_kl_per_token": 0.0,
        }
    return point_record(record, step0)


def with_curve_points(records: list[dict[str, Any]], *, base: bool = False) -> list[dict[str, Any]]:
    """Each record, preceded by the records of its non-zero curve points before its last step; with `base`, by its
    step-0 point too (a frontier that starts at the base, as the leaderboard reads it; a law fit leaves it out,
    since every run's step 0 is the same point (0, 0))."""
    out = []
    for record in records:
        last = record["config"]["trainer"]["max_steps"]
        out += [base_point(record)] if base else []
        out += [point_record(record, p) for p in record.get("curve", []) if 0 < p["step"] < last]
        out.append(record)
    return out


def runs_only(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of runs actually made (no curve points)."""
    return [r for r in records if "curve_point_of" not in r.get("provenance", {})]
