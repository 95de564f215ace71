"""The tiny sweep's design: its learning rates are the methods' own, its budgets whole thirds, its cost model
and its conditions pinned by hand-computed values."""

from __future__ import annotations

import pytest

from experiments.tiny import sweep_design
from experiments.tiny.conditions import most_accurate_forgetting, overlap, task_conditions
from razorbench.runner.run import resolve


@pytest.mark.parametrize("method", ["sft", "rl", "reinforce", "oracle-sft", "dpo-nll"])
def test_the_sweep_centres_on_each_method_s_default_rate(method):
    cfg = resolve(method, "science", "tiny", None, [])[2]
    assert sweep_design.learning_rate("science", method) == cfg.optim.lr
    assert sweep_design.learning_rates("tool", method) == [f"{cfg.optim.lr * f:.1e}" for f in (0.3, 1.0, 3.0)]


def test_dpo_is_calibrated_from_its_default_rate_by_thirds():
    default = resolve("dpo", "science", "tiny", None, [])[2].optim.lr
    for task in sweep_design.TASKS:
        ratio = default / sweep_design.learning_rate(task, "dpo")
        assert min(abs(ratio / k - 1) for k in (1, 3, 9)) < 0.01  # the default, ÷3 or ÷9 (2e-4 / 6.7e-5 = 2.985)


def test_budgets_are_whole_thirds_of_at_least_one_step_each():
    for task in sweep_design.TASKS:
        for method in sweep_design.SWEEP_METHODS:
            b = sweep_design.budget(task, method)
            assert b >= 3 and b % 3 == 0
            cut = sweep_design.PLATEAU_BUDGETS[task][method] * sweep_design.BUDGET_CUT
            assert abs(b - cut) <= 1.5 or (cut < 3 and b == 3)  # B = 0: the method never gained (SimPO, science)


def test_run_seconds_scales_training_and_counts_evaluations():
    # 100 s for 10 steps with 3 curve points + the final evaluation at 5 s each: 80 s of training, 8 s a step.
    record = {
        "provenance": {"wall_seconds": 100.0, "timings": {"final_eval": 3.0, "kl": 1.0, "drift": 1.0}},
        "curve": [{}, {}, {}],
        "config": {"trainer": {"max_steps": 10}},
    }
    assert sweep_design.run_seconds(record, 6, points=5) == pytest.approx(6 * 8 + 5 * 5)


def _frontier(*accuracies):
    return {"frontier": [{"accuracy": a} for a in accuracies]}


def test_overlap_of_two_frontiers():
    result = {"methods": {"rl": _frontier(0.3, 0.6), "sft": _frontier(0.45, 0.9), "simpo": _frontier(0.7, 0.8)}}
    assert overlap(result, "rl", "sft") == pytest.approx(0.15)
    assert overlap(result, "rl", "simpo") == 0.0
    assert overlap(result, "rl", "oracle-sft") is None


def test_most_accurate_configuration_is_a_seed_mean():
    def run(lr, seed, accuracy, forgetting):
        return {
            "run_id": f"{lr}-{seed}",
            "method": "sft",
            "config": {"optim": {"lr": lr}, "seed": seed},
            "metrics": {"new_task_accuracy": accuracy, "forgetting": forgetting, "forward_kl": 1.0, "prior_scores": {}},
        }

    runs = [run(1, 0, 0.5, 0.1), run(1, 1, 0.7, 0.3), run(2, 0, 0.55, 0.0), run(2, 1, 0.55, 0.0)]
    assert most_accurate_forgetting(runs, "sft") == pytest.approx((0.6, 0.2))
    assert most_accurate_forgetting(runs, "rl") is None


def test_a_partial_plan_checks_the_overlap_of_its_own_pairs_only():
    def run(method):
        metrics = {
            "base_new_task_accuracy": 0.3,
            "n_new_task_prompts": 10,
            "prior_scores": {"capitals": {"base": 1.0, "final": 0.9}},
            "forgetting_per_prior": {"capitals": 0.1},
        }
        return {"task": "science", "method": method, "metrics": metrics, "config": {}}

    result = {"methods": {"rl": _frontier(0.3, 0.6), "dpo-nll": _frontier(0.5, 0.9)}}
    records = [run("rl"), run("dpo-nll")]
    counts = lambda task, n: {"mean": 4.0}  # noqa: E731
    name = "frontiers of each compared pair overlap in accuracy"
    partial = task_conditions("science", records, result, {}, counts, ["rl", "reinforce", "dpo-nll"])
    assert partial[name] == "rl–dpo-nll 0.100 ✗, reinforce–dpo-nll no runs ✗"  # reinforce planned, never run
    everything = task_conditions("science", records, result, {}, counts)
    assert everything[name].startswith("rl–sft no runs ✗, reinforce–sft no runs ✗")
    assert "rl–dpo-nll 0.100 ✗" in everything[name]
