"""`razorbench reproduce tiny`: bad input, the busy minutes of its report, and (slow) the whole path with two tasks
in two processes (the helpers it shares with other tracks: tests/analysis/test_reproduction.py)."""

from __future__ import annotations

import json

import pytest

from razorbench.analysis.reproduction import Plan
from razorbench.tasks.tiny.reproduce import reproduce_tiny


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


def test_busy_minutes_is_the_union_of_the_runs_intervals():
    from razorbench.tasks.tiny.reproduce import _busy_minutes

    spans = [(0, 60), (30, 120), (600, 660), (610, 620)]  # two overlapping, a pause, one inside another
    records = [{"provenance": {"start": a, "end": b}} for a, b in spans]
    assert _busy_minutes(records) == pytest.approx((120 + 60) / 60)
