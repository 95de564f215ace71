"""A run ended by SIGTERM (`timeout`, a scheduler's preemption or its time limit) says so: status.json reads
"interrupted" with the checkpoint and step a rerun resumes from, its lock is free, the command exits with 143, and
rerunning the same command resumes from that checkpoint to a finished record."""

import json
import os
import signal
import subprocess
import sys

import pytest
from filelock import FileLock

from razorbench.util.faults import PAUSE_ENV, PAUSED

SMALL = [
    "trainer.max_steps=6",
    "trainer.checkpoint_every=2",
    "eval.new_task_prompts=4",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=4",
    "eval.prior_limit=4",
    "data.batch_size=4",
    "monitor.every=0",
]


@pytest.mark.slow
def test_a_run_ended_by_sigterm_says_where_it_resumes_and_resumes(tmp_path):
    argv = [sys.executable, "-m", "razorbench.cli", "run", "--method", "sft", "--task", "science", "--no-progress"]
    argv += ["--run-id", "t", "--output-dir", str(tmp_path / "runs"), *SMALL, f"cache_dir={tmp_path / 'cache'}"]
    # Held at the "training" fault point: after the step-4 checkpoint, with steps still to go.
    env = {**os.environ, PAUSE_ENV: "training"}
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in process.stderr:
            if line.startswith(PAUSED):
                break
        process.send_signal(signal.SIGTERM)  # from outside, as `timeout` or a scheduler sends it
        stderr = process.stderr.read()
        assert process.wait(timeout=120) == 143, stderr
    finally:
        process.kill()
    assert "interrupted by SIGTERM" in stderr and "resume from step 4" in stderr, stderr
    run_dir = tmp_path / "runs" / "t"
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "interrupted" and status["reason"] == "SIGTERM"
    assert status["resume_from"] == {"checkpoint": str(run_dir / "checkpoints" / "last.ckpt"), "step": 4}
    assert not (run_dir / "record.json").exists() and not (run_dir / "failure.json").exists()
    with FileLock(str(run_dir / "run.lock")).acquire(timeout=0):  # released: a rerun may take it
        pass

    resumed = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run_dir / "status.json").read_text())["state"] == "finished"
    record = json.loads((run_dir / "record.json").read_text())
    assert "resumed_from_checkpoint" in record["provenance"]["timings"]
