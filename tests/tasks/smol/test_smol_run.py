"""The smol track end to end on the real SmolLM2 base, with small limits: `razorbench run` writes a complete record."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from razorbench.runner.run import resolve

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("method", ["sft", "rl"])
def test_a_small_run_on_the_smol_track_writes_a_complete_record(method, smol_folder, smol_data, tmp_path):
    small = [  # the track's default priors, each at its first 6 documents (sciq's long passages: 2)
        "eval.new_task_prompts=6",
        "eval.samples_per_prompt=1",
        "eval.kl_prompts=4",
        "eval.prior_limit=6",
        "eval.prior_limits.sciq=2",
        "trainer.max_steps=2",
        "data.batch_size=2",
        "monitor.every=0",
        f"cache_dir={tmp_path / 'cache'}",
    ]
    if method == "rl":
        small.append("method.group_size=2")
    command = [
        sys.executable,
        "-m",
        "razorbench.cli",
        "run",
        "--method",
        method,
        "--task",
        "arith1-number",
        "--track",
        "smol",
        "--no-progress",
        "--data-dir",
        str(smol_data),
        "--output-dir",
        str(tmp_path),
        "--run-id",
        "smol",
        *small,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=1500, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads((tmp_path / "smol" / "record.json").read_text())
    assert record["track"] == "smol" and record["task"] == "arith1-number" and record["method"] == method
    assert record["base_model"]["name"] == "SmolLM2-135M-Instruct (Q4_1, dequantised)"
    assert len(record["base_model"]["sha256"]) == 64
    defaults = resolve("sft", "arith1-number", "smol", None, [])[2].task.priors
    assert set(record["metrics"]["prior_scores"]) == set(defaults)
    assert set(defaults) == {"capitals", "elements", "hellaswag", "piqa", "sciq", "copa"}  # docs/SMOL-PRIORS.md 3.3
    assert set(record["prior_seconds"]) == set(defaults)
    assert record["metrics"]["forward_kl"] >= 0.0
    assert record["config"]["trainer"]["precision"] in ("32-true", "bf16-mixed")  # 'auto', resolved
    assert "wall" in done.stdout  # the printed summary ends with the wall time split by phase
    assert "priors capitals" in done.stdout  # and each prior's seconds under it
