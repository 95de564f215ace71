"""`razorbench reproduce tiny`: bad input, the busy minutes of its report, and (slow) the whole path with two tasks
in two processes (the helpers it shares with other tracks: tests/analysis/test_reproduction.py)."""

from __future__ import annotations

import json

import pytest

from experiments.tiny.reproduce import reproduce_tiny
from razorbench.analysis.reproduction import Plan


def test_bad_jobs_is_one_line(capsys):
    from razorbench.cli import main

    assert main(["reproduce", "tiny", "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "razorbench: error: --jobs must be >= 1, got 0"


def test_a_method_outside_the_plan_is_one_line_naming_the_plan_s_methods(capsys):
    from razorbench.cli import main

    assert main(["reproduce", "tiny", "--methods", "rl,grpo"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("razorbench: error: --methods: grpo not in this plan; valid: sft, rl, reinforce,"), err
    assert len(err.splitlines()) == 1


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
    reproduce_tiny(None, tmp_path / "runs", tmp_path / "REPRO.md", plan=plan, jobs=2, log=lambda _: None)
    for task in plan.tasks:
        for method in plan.methods:
            assert len(list((tmp_path / "runs" / task / method).glob("*/record.json"))) == 2
            assert len(list((tmp_path / "runs" / "records" / task / method).glob("*.json.gz"))) == 2  # kept
    findings = json.loads((tmp_path / "runs" / "analysis" / "findings.json").read_text())
    assert set(findings["tasks"]) == {"science", "tool"}
    assert findings["pooled"]["fits"]["forward_kl"]["n"] == 8
    report = (tmp_path / "REPRO.md").read_text()
    assert "## science" in report and "## tool" in report and "over all 8 runs" in report
    assert "## Design check" in report and "- tool: base accuracy" in report


@pytest.mark.slow
def test_curve_budgets_make_three_configurations_of_each_run_and_the_report_measures_the_conditions(tmp_path):
    plan = Plan(
        methods={"sft": [], "rl": []},
        grid={},
        seeds=2,
        common=["eval.new_task_prompts=24", "eval.kl_prompts=12", "eval.prior_limit=24"],
        track="tiny",
        tasks=("science",),
        r2_target=0.7,
        method_grids={"science/sft": {"optim.lr": ["3e-4"]}, "science/rl": {"optim.lr": ["3e-4"]}},
        task_overrides={
            "science/sft": ["trainer.max_steps=6", "curve.every=2"],
            "science/rl": ["trainer.max_steps=3", "curve.every=1"],
        },
        curve_budgets=True,
    )
    out = reproduce_tiny(None, tmp_path / "runs", tmp_path / "REPRO.md", plan=plan, jobs=1, log=lambda _: None)
    frontiers = out["analysis"]["tiny/science"]["methods"]
    # 2 seeds x 1 rate x 3 budgets: 3 configurations of 2 seeds per method
    assert all(len(f["points"]) == 3 and all(p["seeds"] == 2 for p in f["points"]) for f in frontiers.values())
    report = (tmp_path / "REPRO.md").read_text()
    assert "- Runs: 4 (12 configurations with their curve points)" in report
    assert "| sft | 6 (275); 3e-4; " in report  # b and the plateau budget B of sweep_design, then its run minutes
    assert "| base accuracy | 0.10 – 0.50 |" in report
    assert "frontiers of each compared pair overlap in accuracy" in report


def test_a_partial_plan_reports_only_the_claims_of_its_own_methods():
    from razorbench.analysis.report import named_claims as task_claims

    def pair(claim):
        return {"claim": claim, "verdict": "not testable"}

    findings = {
        "rl_vs_sft": pair("rl forgets less than sft"),
        "oracle_vs_rl": pair("oracle-sft forgets less than rl"),
        "on_policy_vs_offline": {
            "pairs": [pair(f"{a} forgets less than {b}") for a in ("rl", "reinforce") for b in ("sft", "dpo-nll")]
        },
    }
    assert set(task_claims(findings, ["rl", "reinforce", "dpo-nll"])) == {"rl < dpo-nll", "reinforce < dpo-nll"}
    everything = task_claims(findings, ["sft", "rl", "reinforce", "oracle-sft", "dpo-nll"])
    assert set(everything) == {
        "GRPO < SFT",
        "oracle SFT < GRPO",
        "reinforce < sft",
        "rl < dpo-nll",
        "reinforce < dpo-nll",
    }


def test_the_budget_table_sums_each_arm_s_run_minutes():
    from experiments.tiny.report import budget_table
    from experiments.tiny.reproduce import TINY

    plan = TINY.only(["rl", "dpo-nll"])

    def run(task, method, seconds):
        return {"task": task, "method": method, "provenance": {"wall_seconds": seconds}}

    runs = [run("science", "rl", 60.0), run("science", "rl", 90.0), run("tool", "dpo-nll", 30.0)]
    cells = [line.strip("| ").split(" | ") for line in budget_table(plan, runs)[3:]]
    rows = {row[0]: dict(zip(plan.tasks, row[1:], strict=True)) for row in cells}
    assert rows["rl"]["science"].endswith("; 2.5") and rows["rl"]["tool"].endswith("; —")
    assert rows["dpo-nll"]["tool"].endswith("; 0.5") and rows["dpo-nll"]["science"].endswith("; —")


def test_the_report_is_made_from_kept_records_alone_and_a_part_of_the_plan_reports_its_own_claims(
    tmp_path, kept_records
):
    """Hand-made records (tests/experiments/conftest.py): GRPO's prior 0.10 + 0.02·seed above SFT's at the same
    accuracy on every task, so GRPO < SFT is reproduced with a gap of 0.120 at 5 of 5 levels."""
    from experiments.tiny.reproduce import report_text

    sft_prior = {"3e-5": 0.8, "3e-4": 0.6, "1e-3": 0.4}

    def prior(point):
        lr = next(o.split("=")[1] for o in point.overrides if o.startswith("optim.lr="))
        return sft_prior[lr] + (0.10 + 0.02 * int(point.overrides[-1].split("=")[1]) if point.method == "rl" else 0)

    plan = Plan(
        methods={"sft": [], "rl": []},
        grid={"optim.lr": list(sft_prior)},
        seeds=3,
        track="tiny",
        tasks=("science", "tool"),
        r2_target=0.7,
        records=tmp_path / "records",
    )
    kept_records(plan, plan.records, prior)
    out = reproduce_tiny(None, tmp_path / "runs", tmp_path / "R.md", plan=plan, report_only=True, log=lambda _: None)
    assert not (tmp_path / "runs" / "science").exists()  # nothing ran
    assert out["findings"]["pooled"]["forgetting_law"]["verdict"] == "reproduced"
    text = (tmp_path / "R.md").read_text()
    assert "| GRPO < SFT | reproduced (gap +0.120, 5/5 sig.) | reproduced (gap +0.120, 5/5 sig.) |" in text
    assert "Made from the 36 records of this plan's 36 runs kept in" in text
    assert text == report_text(plan)
    rl_only = report_text(plan.only(["rl"]), "razorbench reproduce tiny --methods rl")
    assert "GRPO < SFT" not in rl_only and "Made from the 18 records of this plan's 18 runs" in rl_only
