"""Sequences of new tasks (`razorbench run --task science,tool`): stage 2 trains from stage 1's policy, its
evaluation scores stage 1's task against π0, and a sequence killed in stage 2 resumes without rerunning stage 1."""

import json
import signal
import subprocess
import sys

import pytest

from razorbench.runner.record_schema import validate_record
from razorbench.runner.sequence import parse_tasks
from razorbench.util.errors import UsageError
from razorbench.util.faults import FAULT_ENV

SMALL = [
    "trainer.max_steps=4",
    "trainer.checkpoint_every=2",
    "data.batch_size=4",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
]


def sequence_cli(tmp_path, kill_at=None):
    argv = [sys.executable, "-m", "razorbench.cli", "run", "--method", "sft", "--task", "science,tool"]
    argv += ["--no-progress", "--run-id", "seq", "--output-dir", str(tmp_path / "runs"), *SMALL]
    argv += [f"cache_dir={tmp_path / 'cache'}"]
    env = {k: v for k, v in __import__("os").environ.items() if k != FAULT_ENV}
    if kill_at:
        env[FAULT_ENV] = kill_at
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)


def read(path):
    return json.loads(path.read_text())


@pytest.mark.slow
def test_two_stage_sequence_scores_stage_one_and_resumes_after_a_kill_in_stage_two(tmp_path):
    killed = sequence_cli(tmp_path, kill_at="stage-2/training")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    folder = tmp_path / "runs" / "seq"
    one, two = folder / "stage-1-science", folder / "stage-2-tool"
    assert (one / "record.json").exists() and (one / "stage.json").exists()
    assert not (two / "record.json").exists() and (two / "checkpoints" / "last.ckpt").exists()
    partial = read(folder / "sequence.json")
    assert partial["state"] == "running" and [s["task"] for s in partial["stages"]] == ["science"]
    stage_one_files = {
        p: p.read_bytes() for p in (one / "record.json", one / "stage.json", one / "model" / "model.safetensors")
    }

    resumed = sequence_cli(tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "stage 1/2: sft on science" not in resumed.stdout and "stage 2/2: sft on tool" in resumed.stdout
    for path, content in stage_one_files.items():  # stage 1 was not run again
        assert path.read_bytes() == content, path
    run_one, run_two = read(one / "record.json"), read(two / "record.json")
    validate_record(run_two)
    assert "resumed_from_checkpoint" in run_two["provenance"]["timings"]
    # Stage 2 trained from stage 1's saved policy, so its own record measures against that policy.
    assert run_two["base_model"]["sha256"] == run_one["saved_model"]["sha256"]

    eval_one, eval_two = read(one / "stage.json"), read(two / "stage.json")
    # Stage 1 against π0 is its own run's measurement: same samples, same weights.
    assert eval_one["tasks"]["science"]["accuracy"] == run_one["metrics"]["new_task_accuracy"]
    assert eval_one["tasks"]["science"]["forward_kl_to_base"] == pytest.approx(
        run_one["metrics"]["forward_kl"], rel=1e-5
    )
    # Stage 2's record scores stage 1's task: accuracy, forgetting since stage 1, the KLs on its prompts.
    science = eval_two["tasks"]["science"]
    assert science["accuracy_after_own_stage"] == eval_one["tasks"]["science"]["accuracy"]
    assert science["forgetting"] == pytest.approx(science["accuracy_after_own_stage"] - science["accuracy"])
    assert science["forward_kl_to_base"] > 0 and science["forward_kl_to_previous"] > 0
    assert eval_two["tasks"]["tool"]["forgetting"] is None
    # The KL to the previous stage on stage 2's own task is what stage 2's run measured.
    tool_kl = eval_two["tasks"]["tool"]["forward_kl_to_previous"]
    assert tool_kl == pytest.approx(run_two["metrics"]["forward_kl"], rel=1e-5)
    assert eval_two["cumulative_stage_kl"] == pytest.approx(eval_one["stage_kl"] + tool_kl)
    # The priors against π0 (not against stage 1): π0's base scores in both stages.
    assert {n: s["base"] for n, s in eval_two["prior_scores"].items()} == {
        n: s["base"] for n, s in eval_one["prior_scores"].items()
    }
    record = read(folder / "sequence.json")
    assert record["kind"] == "sequence" and record["state"] == "finished" and record["schema_version"] == 1
    assert [s["stage"] for s in record["stages"]] == [1, 2]
    assert record["final"]["mean_accuracy"] == pytest.approx(
        (science["accuracy"] + eval_two["tasks"]["tool"]["accuracy"]) / 2
    )
    assert record["final"]["task_forgetting"] == pytest.approx(science["forgetting"])

    again = sequence_cli(tmp_path)
    assert again.returncode == 2 and "already finished" in again.stderr


def test_a_sequence_names_each_task_once():
    assert parse_tasks("science, tool,math") == ["science", "tool", "math"]
    with pytest.raises(UsageError, match="names science twice"):
        parse_tasks("science,tool,science")
    with pytest.raises(UsageError, match="empty name"):
        parse_tasks("science,,tool")


def test_a_lora_sequence_is_refused_before_any_work(tmp_path):
    from razorbench.runner.sequence import run_sequence
    from razorbench.util.errors import ConfigError

    with pytest.raises(ConfigError, match="peft.lora.r=8 in a sequence"):
        run_sequence("sft", ["science", "tool"], overrides=["peft.lora.r=8", f"output_dir={tmp_path}"])
    assert not list(tmp_path.iterdir())
