"""`razorbench reproduce toy` from kept records alone: the report of hand-made records whose every number is worked
out on paper, the rule's 0.2 overlap, paired intervals over seeds and items, and the same records giving the same
report (no run, no run folder)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from experiments.toy.reproduce import REDUCED, TASK, TOY, report_text, reproduce_toy
from razorbench.analysis.verdict import MIN_OVERLAP
from razorbench.util.errors import ConfigError

# SFT's prior score by learning rate (accuracy 0.5, 0.7, 0.9: conftest.ACCURACY); GRPO's is 0.10 + 0.02·seed higher at
# the same accuracy, so at every matched level the per-seed gaps are 0.10, 0.12, 0.14.
SFT_PRIOR = {"3e-5": 0.8, "3e-4": 0.6, "1e-3": 0.4}
T_2 = 4.302652729911275  # Student t, 2 degrees of freedom, 97.5%


def _prior(point) -> float:
    lr = next(o.split("=")[1] for o in point.overrides if o.startswith("optim.lr="))
    seed = int(point.overrides[-1].split("=")[1])
    return SFT_PRIOR[lr] + (0.10 + 0.02 * seed if point.method == "rl" else 0.0)


def _plan(tmp_path):
    """The quick check's grid at 3 seeds, judged by the rule's overlap, its runs kept in tmp_path/records."""
    return replace(REDUCED, seeds=3, min_overlap=MIN_OVERLAP, records=tmp_path / "records")


def test_the_full_plan_judges_by_the_rule_s_overlap_and_keeps_its_records_in_the_experiment_s_folder():
    assert TOY.min_overlap == MIN_OVERLAP == 0.2
    assert TOY.records.parts[-4:] == ("experiments", "toy", "reproduce", "records")


def test_the_report_of_kept_records_alone_by_hand(tmp_path, kept_records):
    plan = _plan(tmp_path)
    kept_records(plan, plan.records, _prior)
    out = reproduce_toy(None, tmp_path / "no-runs", tmp_path / "REPRODUCTION.md", plan=plan, report_only=True)
    assert not (tmp_path / "no-runs" / "sft").exists()  # nothing ran
    findings = out["findings"]["tasks"][TASK]
    assert (
        findings["forgetting_law"]["r2"] == pytest.approx(1.0) and findings["forgetting_law"]["verdict"] == "reproduced"
    )
    pair = findings["rl_vs_sft"]
    half = T_2 * math.sqrt(0.02**2 / 3)  # the gaps' standard deviation is 0.02 over 3 seeds; the items add nothing
    assert pair["levels"] == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9]) and pair["gap"] == pytest.approx([0.12] * 5)
    assert [bound for interval in pair["gap_interval"] for bound in interval] == pytest.approx(
        [0.12 - half, 0.12 + half] * 5
    )
    assert pair["verdict"] == "reproduced" and pair["overlap"] == pytest.approx(0.4)
    text = (tmp_path / "REPRODUCTION.md").read_text()
    assert "  | 0.500 | 0.080 | 0.200 | +0.120 | [+0.070, +0.170] |" in text
    assert "**GRPO < SFT**" in text and "- GRPO < SFT: reproduced, mean gap +0.120, 5 of 5 levels" in text
    assert f"Made from the 18 records of this plan's 18 runs kept in `{plan.records}/`." in text
    assert "Runs: 18; 18.0 min summed over the runs' wall times (sft 9.0 min, rl 9.0 min), made in 18.0 min" in text
    assert "runs made 2026-11-30 (razorbench 0.1.0, git 0123456789, torch 2.13.0+cpu, Python 3.11.7" in text
    assert text == report_text(plan)  # the same records, the same report


def test_the_item_term_widens_the_paired_interval_to_a_tie(tmp_path, kept_records):
    # GRPO's two items at final ± 0.05, SFT's at final: every item's seed-averaged gap is 0.12 ± 0.05, an exact item
    # bootstrap variance of (0.05² + 0.05²) / 2² = 0.00125 added to the seeds' 0.02² / 3.
    plan = _plan(tmp_path)
    kept_records(plan, plan.records, _prior, lambda p, f: [f + 0.05, f - 0.05] if p.method == "rl" else [f, f])
    out = reproduce_toy(None, tmp_path / "runs", None, plan=plan, report_only=True)
    pair = out["findings"]["tasks"][TASK]["rl_vs_sft"]
    half = T_2 * math.sqrt(0.02**2 / 3 + 0.00125)
    assert list(pair["gap_interval"][0]) == pytest.approx([0.12 - half, 0.12 + half])
    assert pair["signs"] == [0] * 5 and pair["verdict"] == "tie"


def test_a_plan_with_runs_not_kept_yet_says_so_and_none_kept_is_one_line(tmp_path, kept_records):
    plan = _plan(tmp_path)
    with pytest.raises(ConfigError, match=r"^no run of this plan is kept in .*records: run the plan first"):
        reproduce_toy(None, tmp_path / "runs", None, plan=plan, report_only=True)
    kept_records(plan, plan.records, _prior)
    for path in sorted((plan.records / TASK / "rl").glob("*.json.gz"))[:3]:  # three of rl's runs not kept yet
        path.unlink()
    assert "**The plan is not finished: 3 runs are not kept yet.**" in report_text(plan)


def test_the_command_makes_the_report_from_the_kept_records_without_a_run(tmp_path, kept_records):
    from razorbench.cli import main

    out = tmp_path / "runs"
    plan = replace(REDUCED, records=out / "records")  # a quick check keeps its records beside its runs
    kept_records(plan, plan.records, _prior)
    doc = tmp_path / "R.md"
    assert main(["reproduce", "toy", "--reduced", "--report-only", "--out", str(out), "--doc", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# Reproduction") and "Generated by `razorbench reproduce toy --reduced" in text
    assert text == report_text(plan, f"razorbench reproduce toy --reduced --doc {doc}")
