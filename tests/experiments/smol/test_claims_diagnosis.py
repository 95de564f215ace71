"""The smol report's diagnosis of "not testable": frontiers, shared ranges and retention ranges by hand."""

from __future__ import annotations

from experiments.smol import claims_diagnosis


def _run(method: str, lr: float, seed: int, accuracy: float, prior: float) -> dict:
    return {
        "run_id": f"{method}_{lr}_{seed}",
        "method": method,
        "config": {"optim": {"lr": lr}, "seed": seed},
        "metrics": {
            "new_task_accuracy": accuracy,
            "forgetting": 0.5 - prior,
            "forward_kl": 1.0,
            "prior_scores": {"a": {"base": 0.5, "final": prior}},
        },
    }


def test_a_most_accurate_configuration_that_also_retains_most_is_the_whole_frontier():
    records = [
        # sft: 0.7 accuracy keeps 0.45, beating both others on both axes; seeds average (0.6+0.8)/2 = 0.7
        _run("sft", 1e-5, 0, 0.4, 0.40),
        _run("sft", 1e-4, 0, 0.6, 0.44),
        _run("sft", 1e-4, 1, 0.8, 0.46),
        _run("sft", 3e-4, 0, 0.3, 0.30),
        # rl: a real trade-off, two frontier points 0.2 and 0.5
        _run("rl", 1e-5, 0, 0.2, 0.50),
        _run("rl", 1e-4, 0, 0.5, 0.48),
    ]
    summary = claims_diagnosis.frontier_summary(records, ("sft", "rl"))
    assert summary["sft"] == {"configurations": 3, "on_frontier": 1, "range": (0.7, 0.7)}
    assert summary["rl"]["on_frontier"] == 2 and summary["rl"]["range"] == (0.2, 0.5)
    lines = claims_diagnosis.diagnosis(records, ("sft", "rl"), 0.2)
    assert "- rl against sft: shared accuracy none (a gap of 0.200)." in lines
    assert "| sft | 0.0001 | 0.700 | 0.450 | +0.050 | yes |" in lines
    assert "| sft | 1e-05 | 0.400 | 0.400 | +0.100 | no |" in lines
    assert any("A frontier shrinks to one point" in line for line in lines)
    ranges = claims_diagnosis.retention_ranges(records, ("sft", "rl"))[0]
    assert "sft 0.300–0.450; rl 0.480–0.500 (the base: 0.500)" in ranges


def test_no_collapse_paragraph_when_every_frontier_has_two_points():
    records = [_run("rl", 1e-5, 0, 0.2, 0.50), _run("rl", 1e-4, 0, 0.5, 0.48)]
    lines = claims_diagnosis.diagnosis(records, ("rl",), 0.2)
    assert not any("A frontier shrinks" in line for line in lines)
