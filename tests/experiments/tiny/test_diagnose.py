"""The diagnosis script end to end on a tiny budget: runs with curves, the generated report and figures."""

from __future__ import annotations

import pytest

from experiments.tiny.diagnose import main

SMALL = ["eval.new_task_prompts=8", "eval.kl_prompts=4", "eval.prior_limit=8", "data.batch_size=4"]


@pytest.mark.slow
def test_curves_report_and_figures(tmp_path):
    doc = tmp_path / "docs" / "CURVES.md"
    argv = ["--steps", "2", "--every", "1", "--tasks", "science", "--methods", "sft,rl", "--jobs", "2"]
    assert main([*argv, "--out", str(tmp_path / "runs"), "--doc", str(doc), *SMALL]) == 0
    text = doc.read_text()
    assert "### science / sft" in text and "### science / rl" in text
    assert "| 2 |" in text and "accuracy overlap of rl and sft" in text
    assert "](CURVES/science.png)" in text and "per correct sample drawn" in text
    assert "step budget by the plateau rule" in text
    assert (tmp_path / "docs" / "CURVES" / "science.png").stat().st_size > 0
