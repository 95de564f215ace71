"""Kept records made by hand for a reproduction plan, so that a report is rendered from records whose every number
can be worked out on paper: `kept_records(plan, folder, prior, items)` writes one record per point of `plan`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from razorbench.launch.kept import Point, plan_points
from razorbench.util.compact_record import keep_record

BASE = 1.0  # every prior's base score: forgetting = 1 − final
ACCURACY = {"3e-5": 0.5, "3e-4": 0.7, "1e-3": 0.9}  # a run's new-task accuracy by its learning rate, for every seed
T0 = 1_796_000_000  # 2026-11-30 00:53 UTC, the first run's start


def _config(point: Point) -> dict:
    """The resolved config as far as a kept record's check and the analysis read it: every override of the point."""
    config: dict = {}
    for override in point.overrides:
        key, _, value = override.partition("=")
        *parents, last = key.split(".")
        node = config
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = int(value) if value.isdigit() else float(value) if key == "optim.lr" else value
    config.setdefault("eval", {})["samples_per_prompt"] = 4
    return config


def record(point: Point, final: float, items: list[float], start: int, seconds: int, track: str = "toy") -> dict:
    """A run's record: accuracy by its learning rate (`ACCURACY`), its prior's `final` score (per item: `items`),
    forgetting equal to its forward KL (so the quadratic law fits exactly), made from `start` for `seconds`."""
    config = _config(point)
    accuracy = ACCURACY[next(o.split("=")[1] for o in point.overrides if o.startswith("optim.lr="))]
    forgetting = BASE - final
    return {
        "run_id": point.run_id,
        "method": point.method,
        "task": point.task,
        "track": track,
        "config": config,
        "base_model": {"sha256": "ab" * 32},
        "metrics": {
            "new_task_accuracy": accuracy,
            "base_new_task_accuracy": 0.3,
            "prior_scores": {"fashion-mnist": {"base": BASE, "final": final, "n": len(items)}},
            "forgetting_per_prior": {"fashion-mnist": forgetting},
            "forgetting": forgetting,
            "forward_kl": forgetting,
            "n_new_task_prompts": 10,
            "n_kl_prompts": 10,
        },
        "per_example": {
            "priors": {
                "fashion-mnist": {
                    "base": dict.fromkeys(map(str, range(len(items))), BASE),
                    "final": {str(i): v for i, v in enumerate(items)},
                }
            }
        },
        "provenance": {
            "razorbench_version": "0.1.0",
            "git_sha": "0123456789abcdef",
            "versions": {"torch": "2.13.0+cpu"},
            "python": "3.11.7",
            "start": start,
            "end": start + seconds,
            "wall_seconds": float(seconds),
        },
    }


@pytest.fixture
def kept_records() -> Callable[..., list[dict]]:
    """Keep a hand-made record for every point of `plan` in `folder`: `prior(point)` its prior's final score,
    `items(point, final)` its per-item scores (default: every item at `final`)."""

    def write(plan, folder: Path, prior, items=lambda point, final: [final, final]) -> list:
        out = []
        for k, point in enumerate(plan_points(plan)):  # one run a minute, one after another
            final = prior(point)
            out.append(record(point, final, items(point, final), T0 + 60 * k, 60, plan.track))
            keep_record(point.path(folder), out[-1])
        return out

    return write
