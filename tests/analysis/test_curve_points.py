"""A curve point read as a run: the same record (metrics, predictors, forgetting) as the run stopped there."""

from __future__ import annotations

import pytest

from razorbench.analysis.analyze import PREDICTORS, configurations, predictor_value
from razorbench.analysis.curve_points import point_record, runs_only, with_curve_points
from razorbench.runner.run import train_and_evaluate

SMALL = ["eval.new_task_prompts=12", "eval.kl_prompts=6", "eval.prior_limit=12", "eval.samples_per_prompt=2"]


@pytest.mark.parametrize(
    "method, extra",
    [("sft", []), ("rl", ["method.group_size=4"]), ("simpo", ["method.samples_per_prompt=2"])],
)
def test_a_curve_point_is_the_run_stopped_there(tmp_path, method, extra):
    common = [f"output_dir={tmp_path}", f"cache_dir={tmp_path / 'cache'}", "data.batch_size=4", *SMALL, *extra]
    long, _ = train_and_evaluate(
        method, "science", overrides=[*common, "run_id=long", "trainer.max_steps=4", "curve.every=2"], progress=False
    )
    short, _ = train_and_evaluate(method, "science", overrides=[*common, "run_id=short", "trainer.max_steps=2"])
    point = point_record(long, next(p for p in long["curve"] if p["step"] == 2))
    assert point["config"]["trainer"]["max_steps"] == 2 and point["run_id"] == "long@2"
    for key in ("new_task_accuracy", "forgetting", "base_new_task_accuracy"):
        assert point["metrics"][key] == pytest.approx(short["metrics"][key], abs=1e-12), key
    for name in PREDICTORS:
        want = predictor_value(short, name)
        assert predictor_value(point, name) == pytest.approx(want, rel=1e-5, abs=1e-9), name
    for name, scores in short["metrics"]["prior_scores"].items():
        assert point["metrics"]["prior_scores"][name] == pytest.approx(scores), name


def test_curve_points_become_configurations_of_their_own_and_count_no_compute():
    curve = [
        {"step": s, "new_task_accuracy": a, "prior_scores": {"p": q}, "forgetting": 1 - q, "forward_kl": k}
        for s, a, q, k in [(0, 0.1, 1.0, 0.0), (3, 0.2, 0.9, 1.0), (6, 0.3, 0.8, 2.0), (9, 0.4, 0.7, 3.0)]
    ]
    record = {
        "run_id": "r",
        "method": "sft",
        "config": {"trainer": {"max_steps": 9}, "seed": 0},
        "metrics": {
            "new_task_accuracy": 0.4,
            "base_new_task_accuracy": 0.1,
            "prior_scores": {"p": {"base": 1.0, "final": 0.7, "n": 10}},
            "forgetting": 0.3,
            "forward_kl": 3.0,
            "n_new_task_prompts": 5,
            "n_kl_prompts": 5,
        },
        "curve": curve,
        "per_example": {},
        "provenance": {"wall_seconds": 12.0},
    }
    records = with_curve_points([record])
    assert [r["run_id"] for r in records] == ["r@3", "r@6", "r"]  # step 0 is the base, the last step the run
    assert [r["metrics"]["forgetting"] for r in records] == pytest.approx([0.1, 0.2, 0.3])
    assert [r["metrics"]["forward_kl"] for r in records] == [1.0, 2.0, 3.0]
    assert "per_example" not in records[0] and "curve" not in records[0]
    assert sum(r["provenance"]["wall_seconds"] for r in records) == 12.0
    assert runs_only(records) == [record]
    assert len(configurations(records)) == 3
