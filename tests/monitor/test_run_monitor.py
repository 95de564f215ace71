"""The monitor inside `razorbench run`: step 0 measures 0, a budget stops training at the first check past it (with a
checkpoint, its step and reason in the record), and the last check is the record's forward KL and `razorbench eval`'s
on the saved model."""

from __future__ import annotations

import pytest
import torch

from razorbench.runner.checkpoint_eval import evaluate_checkpoints
from razorbench.runner.record_schema import validate_record
from razorbench.runner.run import train_and_evaluate
from razorbench.util.errors import ConfigError

EVAL = ["eval.new_task_prompts=8", "eval.samples_per_prompt=2", "eval.kl_prompts=8", "eval.prior_limit=8"]
BUDGET = 0.08


@pytest.mark.slow  # ~1 min on 2 busy cores: a run, its model saved, and `razorbench eval` of it
def test_a_kl_budget_stops_at_the_first_check_past_it_and_the_last_check_is_the_records_kl(tmp_path):
    places = [f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}"]
    overrides = [*EVAL, *places, "trainer.max_steps=8", "data.batch_size=4", "optim.lr=3e-4", "save_model=true"]
    overrides += ["monitor.every=1", f"monitor.kl_budget={BUDGET}", "monitor.action=stop", "run_id=budget"]
    record, path = train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    validate_record(record)
    monitor = record["monitor"]
    checks = monitor["checks"]
    assert checks[0]["step"] == 0 and abs(checks[0]["forward_kl"]) < 1e-5
    assert monitor["cache"] == "logprobs" and monitor["law"]["n"] == 63  # the tiny track's shipped law
    assert all("forgetting_low" in c for c in checks)
    past = [c["step"] for c in checks if c["forward_kl"] > BUDGET]
    assert past, f"the budget was never crossed: {[c['forward_kl'] for c in checks]}"
    assert monitor["crossed"]["step"] == past[0] == checks[-1]["step"] < 8  # stopped there, before max_steps
    assert "kl_budget" in monitor["crossed"]["reason"]
    assert [c["step"] for c in checks] == list(range(past[0] + 1))
    saved = torch.load(path.parent / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    assert saved["global_step"] == past[0]  # the checkpoint of the stop
    assert record["metrics"]["forward_kl"] == pytest.approx(checks[-1]["forward_kl"], rel=1e-5)
    [(evaluated, _)], _ = evaluate_checkpoints(
        [str(path.parent / "model")], "science", overrides=[*EVAL, *places, "run_id=evaluated"]
    )
    assert evaluated["metrics"]["forward_kl"] == pytest.approx(checks[-1]["forward_kl"], rel=1e-5)


def test_a_bad_monitor_section_is_refused_before_any_work(tmp_path):
    places = [f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}"]
    with pytest.raises(ConfigError, match="valid: warn, stop"):
        train_and_evaluate("sft", "science", overrides=[*places, "monitor.action=halt"], progress=False)
    with pytest.raises(ConfigError, match="forgetting_budget needs a law"):
        train_and_evaluate(
            "sft", "science", overrides=[*places, "monitor.law=none", "monitor.forgetting_budget=0.1"], progress=False
        )
    assert not (tmp_path / "runs").exists()
