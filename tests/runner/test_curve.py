"""Learning curves: measured during training without changing it, on the same footing as the final evaluation."""

from __future__ import annotations

import pytest

from razorbench.runner import curve
from razorbench.runner.curve import PREDICTOR_KEYS, LearningCurve
from razorbench.runner.run import train_and_evaluate

SMALL = ["eval.new_task_prompts=12", "eval.kl_prompts=6", "eval.prior_limit=12", "eval.samples_per_prompt=2"]


@pytest.mark.parametrize("method", ["sft", "rl"])
def test_a_curve_leaves_training_unchanged_and_its_last_point_is_the_final_evaluation(tmp_path, method):
    common = [f"output_dir={tmp_path}", f"cache_dir={tmp_path / 'cache'}", "trainer.max_steps=4", "data.batch_size=4"]
    common += ["method.group_size=4"] if method == "rl" else []
    plain, _ = train_and_evaluate(method, "science", overrides=[*common, *SMALL, "run_id=plain"], progress=False)
    traced, _ = train_and_evaluate(
        method, "science", overrides=[*common, *SMALL, "run_id=curve", "curve.every=2"], progress=False
    )
    assert "curve" not in plain
    assert [p["step"] for p in traced["curve"]] == [0, 2, 4]
    for key in ("new_task_accuracy", "forgetting", "forward_kl", "weight_l2"):
        assert traced["metrics"][key] == plain["metrics"][key], key  # same draws, same weights
    first, last = traced["curve"][0], traced["curve"][-1]
    assert first["new_task_accuracy"] == traced["metrics"]["base_new_task_accuracy"]
    assert first["forgetting"] == 0.0 and first["forward_kl"] == 0.0
    assert last["new_task_accuracy"] == traced["metrics"]["new_task_accuracy"]
    assert last["forgetting"] == pytest.approx(traced["metrics"]["forgetting"], abs=1e-12)
    assert last["forward_kl"] == pytest.approx(traced["metrics"]["forward_kl"], rel=1e-6)
    # Every predictor the record has, measured at the last point as the final evaluation measures it: a curve
    # point stands for the run stopped there (razorbench.analysis.curve_points).
    for key in (*PREDICTOR_KEYS, "weight_l2", "weight_relative_l2", "update_effective_rank", "representation_cka"):
        assert last[key] == pytest.approx(traced["metrics"][key], rel=1e-6, abs=1e-9), key
    assert first["weight_l2"] == 0.0 and first["reverse_kl"] == 0.0
    assert first["representation_cka"] == pytest.approx(1.0)
    for point in traced["curve"]:
        assert point["token_entropy"] > 0 and 1 <= point["distinct_responses"] <= 2
        assert 0 <= point["distinct_correct_responses"] <= point["distinct_responses"]


COUNTS = ("new_task_accuracy", "prior_scores", "forgetting")


@pytest.mark.parametrize("lora", [False, True], ids=["full", "lora"])
def test_the_step_0_point_is_what_measuring_the_untrained_policy_gives(tmp_path, monkeypatch, lora):
    """The step-0 point stands for π0 (the base evaluation, plus the spread): it must be what measuring the policy
    before its first update gives, key for key. With LoRA the curve measures no drift, so the point has none."""
    measured = []
    start = LearningCurve.on_train_start

    def start_and_measure(self, trainer, pl_module):
        start(self, trainer, pl_module)
        measured.append(self.measure(0))  # the same callback, before any update: π is still π0

    monkeypatch.setattr(LearningCurve, "on_train_start", start_and_measure)
    calls = []
    measure = curve.measure_against_base
    monkeypatch.setattr(curve, "measure_against_base", lambda *a, **k: calls.append(1) or measure(*a, **k))
    overrides = [f"output_dir={tmp_path}", f"cache_dir={tmp_path / 'cache'}", "trainer.max_steps=1", *SMALL]
    overrides += ["data.batch_size=4", "curve.every=1", "run_id=step0"]
    overrides += ["peft.lora.r=4", "peft.lora.alpha=8"] if lora else []
    record, _ = train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    point, expected = record["curve"][0], measured[0]
    assert len(calls) == 2  # the test's own measure(0) and step 1's: step 0 did not evaluate π0 again
    assert point["step"] == 0 and set(point) == set(expected)
    assert ("weight_l2" in point) is not lora
    for key in COUNTS:  # counts and scores made of counts: exactly
        assert point[key] == expected[key], key
    for key in set(expected) - {"step", *COUNTS}:
        assert point[key] == pytest.approx(expected[key], abs=1e-6), key
