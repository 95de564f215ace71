"""The diagnosis script: end to end on a tiny budget (runs with curves, kept records, the generated report and figures),
and its report made from kept records alone."""

from __future__ import annotations

import json

import pytest

from experiments.tiny.diagnose import main

SMALL = ["eval.new_task_prompts=8", "eval.kl_prompts=4", "eval.prior_limit=8", "data.batch_size=4"]


@pytest.mark.slow
def test_curves_report_and_figures(tmp_path):
    doc = tmp_path / "docs" / "CURVES.md"
    argv = ["--steps", "2", "--every", "1", "--tasks", "science", "--methods", "sft,rl", "--jobs", "2"]
    records = ["--records", str(tmp_path / "records")]  # not the repository's
    assert main([*argv, "--out", str(tmp_path / "runs"), "--doc", str(doc), *records, *SMALL]) == 0
    text = doc.read_text()
    assert "### science / sft" in text and "### science / rl" in text
    assert "| 2 |" in text and "accuracy overlap of rl and sft" in text
    assert "](CURVES/science.png)" in text and "per correct sample drawn" in text
    assert "step budget by the plateau rule" in text
    assert (tmp_path / "docs" / "CURVES" / "science.png").stat().st_size > 0


def _curve_record(task: str, method: str, gain: float, start: int) -> dict:
    """A kept curve run by hand: 2 steps, a point every step, accuracy rising by `gain` a step from 0.3."""
    points = [
        {
            "step": step,
            "new_task_accuracy": 0.3 + gain * step,
            "forgetting": 0.01 * step,
            "prior_scores": {"arithmetic": 1.0 - 0.01 * step},
            "forward_kl": 0.5 * step,
            "token_entropy": 1.0,
            "distinct_responses": 3.0,
            "distinct_correct_responses": 1.0,
        }
        for step in range(3)
    ]
    return {
        "run_id": f"{task}-{method}",
        "method": method,
        "task": task,
        "config": {
            "seed": 0,
            "trainer": {"max_steps": 2},
            "curve": {"every": 1},
            "eval": {"new_task_prompts": 8, "samples_per_prompt": 4},
            "task": {"priors": ["arithmetic"]},
        },
        "base_model": {"sha256": "cd" * 32},
        "metrics": {"base_new_task_accuracy": 0.3},
        "curve": points,
        "provenance": {"start": start, "end": start + 60, "wall_seconds": 60.0},
    }


def test_the_curves_report_is_made_from_kept_records_alone_and_a_kept_run_is_not_run_again(tmp_path, monkeypatch):
    import razorbench.runner.run
    from experiments.tiny.diagnose import load, point, render, report_text
    from razorbench.util.compact_record import keep_record, read_kept
    from razorbench.util.errors import ConfigError

    records = tmp_path / "records"
    for k, (method, gain) in enumerate((("sft", 0.2), ("rl", 0.1))):
        keep_record(point("science", method, 2, 1, []).path(records), _curve_record("science", method, gain, 1000 * k))
    monkeypatch.setattr(razorbench.runner.run, "train_and_evaluate", lambda *a, **k: pytest.fail("a run was run"))
    design = ["--tasks", "science", "--methods", "sft,rl", "--records", str(records), "--out", str(tmp_path / "runs")]
    doc = ["--doc", str(tmp_path / "scratch.md")]
    assert main(["--steps", "2", "--every", "1", *design, *doc]) == 0  # both kept: nothing runs
    with pytest.raises(ConfigError, match="was made with trainer.max_steps=2, the plan sets trainer.max_steps=300"):
        main(["--steps", "300", "--every", "1", *design, *doc])
    # A run that finished in its folder but was not kept (the job stopped between the two) is kept, not rerun.
    finished = tmp_path / "runs" / "tool" / "rl" / "seed-0" / "record.json"  # its sweep's folder, its run id
    finished.parent.mkdir(parents=True)
    finished.write_text(json.dumps({**_curve_record("tool", "rl", 0.1, 5000), "run_id": "seed-0"}))
    tool = ["--tasks", "tool", "--methods", "rl", "--records", str(records), "--out", str(tmp_path / "runs")]
    assert main(["--steps", "2", "--every", "1", *tool, *doc]) == 0
    assert read_kept(point("tool", "rl", 2, 1, []).path(records))["task"] == "tool"

    doc = tmp_path / "docs" / "TINY-TRACK-curves.md"
    assert main(["--report-only", "--records", str(records), "--doc", str(doc)]) == 0
    text = doc.read_text()
    assert text == render(load(records, ["science", "tool"], ["sft", "rl"]), str(doc), records) == report_text(records)
    assert "`python -m experiments.tiny.diagnose --steps 2 --every 1 --report-only`" in text
    assert "3.0 min while at least one was going (1 at once at most" in text
    assert "- accuracy overlap of rl and sft over their curves: 0.200" in text  # rl 0.3–0.5, sft 0.3–0.7
    assert "### tool / rl" in text and "### tool / sft" not in text  # what is kept, no more
    assert (tmp_path / "docs" / "TINY-TRACK-curves" / "science.png").stat().st_size > 0
