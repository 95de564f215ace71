"""A sweep's base evaluation alone (runner/base_only.py) sets up as a run does: it writes the cache entry a run of the
same config would write itself, and says whether the cache held it already."""

from __future__ import annotations

import json
from typing import Any

from razorbench.runner.base_only import evaluate_base_model
from razorbench.runner.run import train_and_evaluate

SMALL = [
    "trainer.max_steps=1",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
]


def _without_seconds(value: Any) -> Any:
    """The entry less its wall seconds: how long scoring took, not what it measured."""
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def test_the_base_alone_is_the_entry_a_run_writes_first(tmp_path):
    alone = [*SMALL, f"cache_dir={tmp_path / 'alone'}"]
    assert evaluate_base_model("sft", "science", overrides=alone) is False
    assert evaluate_base_model("sft", "science", overrides=alone) is True
    in_run = [*SMALL, f"cache_dir={tmp_path / 'run'}", f"output_dir={tmp_path / 'runs'}", "run_id=r"]
    train_and_evaluate("sft", "science", overrides=in_run, progress=False)
    (a,), (b,) = (list((tmp_path / cache / "base").glob("*.json")) for cache in ("alone", "run"))
    assert a.name == b.name  # the same cache key: the same model, tasks and settings
    assert _without_seconds(json.loads(a.read_text())) == _without_seconds(json.loads(b.read_text()))
