"""examples/: TRL's SFTTrainer fine-tunes the tiny model and `razorbench eval` measures its checkpoints (slow; skips
without TRL, which is in the `bench` extra)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow
def test_trl_sft_then_razorbench_eval(tmp_path):
    pytest.importorskip("trl")
    small = ["eval.new_task_prompts=4", "eval.samples_per_prompt=1", "eval.kl_prompts=4", "eval.prior_limit=4"]
    out = tmp_path / "trl"
    command = [sys.executable, str(EXAMPLES / "trl_sft_then_eval.py"), "--out", str(out), "--steps", "4"]
    command += ["--eval", *small, f"cache_dir={tmp_path / 'cache'}"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    trajectory = json.loads(next((out / "eval").glob("*/trajectory.json")).read_text())
    assert [p["step"] for p in trajectory["points"]] == [2, 4]
    assert all(p["forward_kl"] > 0 for p in trajectory["points"])  # the trained weights moved away from the base
