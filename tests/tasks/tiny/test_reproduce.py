"""`razorbench reproduce tiny`: pooled fits, the best-predictor verdict, bad input, and (slow) the whole path with
two tasks in two processes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from razorbench.analysis.reproduction import Plan
from razorbench.tasks.tiny.reproduce import best_predictor, pooled_fits, reproduce_tiny


def _fit(r2: float, low: float, high: float) -> dict:
    return {"n": 9, "linear": {"r2": r2}, "quadratic0": {"r2": r2, "r2_low": low, "r2_high": high}}


def test_pooled_fit_is_exact_on_a_noiseless_quadratic_and_skips_absent_predictors():
    rng = np.random.default_rng(0)
    kl = rng.uniform(0.1, 5.0, size=12)
    records = [
        {"metrics": {"forward_kl": float(k), "reverse_kl": float(k) ** 0.5, "forgetting": 0.03 * k + 0.01 * k**2}}
        for k in kl
    ]
    fits = pooled_fits(records)
    assert set(fits) == {"forward_kl", "reverse_kl"}  # the others are not in these records
    assert fits["forward_kl"]["n"] == 12
    assert fits["forward_kl"]["quadratic0"]["r2"] == pytest.approx(1.0, abs=1e-9)
    assert fits["forward_kl"]["quadratic0"]["coefs"] == pytest.approx([0.03, 0.01], abs=1e-9)
    assert fits["reverse_kl"]["quadratic0"]["r2"] < 1.0


def test_best_predictor_verdicts():
    separated = {"forward_kl": _fit(0.8, 0.7, 0.9), "reverse_kl": _fit(0.5, 0.3, 0.65)}
    assert best_predictor(separated)["verdict"] == "reproduced"
    tied = {"forward_kl": _fit(0.8, 0.7, 0.9), "reverse_kl": _fit(0.75, 0.6, 0.85)}
    out = best_predictor(tied)
    assert out["best"] == "forward_kl" and out["tied"] == ["reverse_kl"]
    assert out["verdict"].startswith("highest R², not separated from reverse_kl")
    beaten = {"forward_kl": _fit(0.5, 0.3, 0.6), "weight_l2": _fit(0.9, 0.8, 0.95)}
    assert best_predictor(beaten)["verdict"] == "not reproduced (weight_l2 fits better)"
    assert best_predictor({"weight_l2": _fit(0.9, 0.8, 0.95)})["verdict"] == "not testable"


def test_bad_jobs_is_one_line(capsys):
    from razorbench.cli import main

    assert main(["reproduce", "tiny", "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "razorbench: error: --jobs must be >= 1, got 0"


@pytest.mark.slow
def test_two_tasks_in_two_processes_write_every_record_and_the_report(tmp_path):
    plan = Plan(
        methods={"sft": ["trainer.max_steps=4"], "rl": ["trainer.max_steps=2"]},
        grid={"optim.lr": ["1e-4", "1e-3"]},
        seeds=1,
        common=["eval.new_task_prompts=24", "eval.kl_prompts=12", "eval.prior_limit=24"],
        track="tiny",
        tasks=("science", "tool"),
        r2_target=0.7,
    )
    out = reproduce_tiny(None, tmp_path / "runs", tmp_path / "REPRO.md", plan=plan, jobs=2, log=lambda _: None)
    assert set(out["seconds"]["sweeps"]) == {"science/sft", "science/rl", "tool/sft", "tool/rl"}
    for task in plan.tasks:
        for method in plan.methods:
            assert len(list((tmp_path / "runs" / task / method).glob("*/record.json"))) == 2
    findings = json.loads((tmp_path / "runs" / "analysis" / "findings.json").read_text())
    assert set(findings["tasks"]) == {"science", "tool"}
    assert findings["pooled"]["fits"]["forward_kl"]["n"] == 8
    report = (tmp_path / "REPRO.md").read_text()
    assert "## science" in report and "## tool" in report and "over all 8 runs" in report
    assert "## Design check" in report and "- tool: base accuracy" in report


def test_a_method_grid_adds_values_for_that_method_only():
    plan = Plan(
        methods={"sft": [], "rl": []},
        grid={"optim.lr": ["1e-4"]},
        seeds=1,
        track="tiny",
        tasks=("science",),
        method_grids={"sft": {"optim.lr": ["1e-5"], "trainer.max_steps": ["5"]}},
    )
    assert plan.grid_for("sft") == {"optim.lr": ["1e-5", "1e-4"], "trainer.max_steps": ["5"]}
    assert plan.grid_for("rl") == {"optim.lr": ["1e-4"]}


def test_busy_minutes_is_the_union_of_the_runs_intervals():
    from razorbench.tasks.tiny.reproduce import _busy_minutes

    spans = [(0, 60), (30, 120), (600, 660), (610, 620)]  # two overlapping, a pause, one inside another
    records = [{"provenance": {"start": a, "end": b}} for a, b in spans]
    assert _busy_minutes(records) == pytest.approx((120 + 60) / 60)
