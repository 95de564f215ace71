"""`razorbench eval` on checkpoints: a run's saved model gives the run's own metrics back; mismatched vocabularies
and folders that hold no model are refused in one line; several checkpoints give a trajectory."""

import json
import subprocess
import sys

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.runner.checkpoint_eval import evaluate_checkpoints
from razorbench.runner.record_schema import validate_record
from razorbench.runner.run import train_and_evaluate
from razorbench.util.errors import UsageError

EVAL = ["eval.new_task_prompts=8", "eval.samples_per_prompt=2", "eval.kl_prompts=8", "eval.prior_limit=8"]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval")
    return [f"output_dir={folder / 'runs'}", f"cache_dir={folder / 'cache'}"]


@pytest.fixture(scope="module")
def saved_run(places):  # one short training run for all the tests of this file
    overrides = [*EVAL, *places, "trainer.max_steps=2", "data.batch_size=4", "save_model=true", "run_id=trained"]
    record, path = train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    return record, path.parent / "model"


def assert_wall_covers_its_parts(record):
    """The printed wall time is at least the sum of the timed parts (each rounded to 1 ms), the base's load and
    evaluation included: they are timed from the command's start, and so is the wall."""
    provenance = record["provenance"]
    parts = provenance["timings"]
    assert sum(parts.values()) <= provenance["wall_seconds"] + 0.001 * len(parts), provenance


def test_eval_of_a_saved_run_gives_the_runs_own_metrics_back(saved_run, places):
    run_record, model = saved_run
    assert (model / "model.safetensors").is_file() and (model / "tokenizer.json").is_file()
    assert Policy.load(str(model)).model.config.vocab_size > 0  # standard HF files
    [(record, path)], trajectory = evaluate_checkpoints(
        [str(model)], "science", overrides=[*EVAL, *places, "run_id=evaluated"]
    )
    validate_record(json.loads(path.read_text()))
    assert trajectory is None and record["method"] == "external"
    assert record["model"]["sha256"] == run_record["saved_model"]["sha256"]
    assert record["model"]["kind"] == "full"
    assert "base_eval_cached" in record["provenance"]["timings"]  # the run's base evaluation, from the same cache
    assert_wall_covers_its_parts(record)
    assert record["base_model"] == run_record["base_model"]
    # The run recorded the base it was fine-tuned from: the same base, so no warning.
    assert record["model"]["origin"]["sha256"] == run_record["base_model"]["sha256"]
    assert "origin_warning" not in record["model"]
    ours, theirs = record["metrics"], run_record["metrics"]
    for key in ("new_task_accuracy", "base_new_task_accuracy", "prior_scores", "forgetting_per_prior", "forgetting"):
        assert ours[key] == theirs[key], key
    assert record["per_example"]["new_task"] == run_record["per_example"]["new_task"]
    assert record["per_example"]["priors"] == run_record["per_example"]["priors"]
    for key, value in theirs.items():  # the KLs and predictors: equal up to float rounding
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key


def test_several_checkpoints_give_one_record_each_and_a_trajectory(saved_run, places, tmp_path):
    _, model = saved_run
    base_copy = tmp_path / "checkpoint-0"
    Policy.load(str(model)).save(base_copy)  # an identical model under a step name
    later = tmp_path / "checkpoint-20"
    Policy.load(str(model)).save(later)
    results, trajectory = evaluate_checkpoints(
        [str(later), str(base_copy)], "science", overrides=[*EVAL, *places, "run_id=steps"]
    )
    points = json.loads(trajectory.read_text())["points"]
    assert [p["step"] for p in points] == [0, 20]
    assert [r["run_id"] for r, _ in results] == ["steps-checkpoint-0", "steps-checkpoint-20"]
    assert points[0]["forward_kl"] == pytest.approx(points[1]["forward_kl"])
    assert all(path.parent.parent.name == "steps" for _, path in results)
    for record, _ in results:  # the second checkpoint's record too: the shared parts ran before its own
        assert_wall_covers_its_parts(record)


def test_a_checkpoint_with_another_vocabulary_is_refused(saved_run, places, tmp_path):
    _, model = saved_run
    policy = Policy.load(str(model))
    policy.tokenizer.add_tokens(["<new-token>"])
    policy.model.resize_token_embeddings(len(policy.tokenizer))
    other = tmp_path / "other-vocab"
    policy.save(other)
    with pytest.raises(UsageError, match="does not share the base model's vocabulary"):
        evaluate_checkpoints([str(other)], "science", overrides=[*EVAL, *places])


def test_cli_refuses_a_folder_without_a_model_in_one_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "razorbench.cli", "eval", "--model", str(tmp_path), "--task", "science"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "neither config.json" in lines[0], out.stderr


def test_a_prior_task_is_refused(saved_run):
    _, model = saved_run
    with pytest.raises(UsageError, match="prior task"):
        evaluate_checkpoints([str(model)], "arithmetic")


def test_damaged_weights_show_kl(saved_run, places, tmp_path):
    _, model = saved_run
    policy = Policy.load(str(model))
    with torch.no_grad():
        policy.model.model.layers[0].mlp.down_proj.weight.mul_(3.0)
    damaged = tmp_path / "damaged"
    policy.save(damaged)
    [(record, _)], _ = evaluate_checkpoints([str(damaged)], "science", overrides=[*EVAL, *places])
    assert record["metrics"]["forward_kl"] > 0 and record["metrics"]["weight_l2"] > 0


def test_a_checkpoint_fine_tuned_from_another_base_is_measured_with_a_warning(saved_run, places, tmp_path, caplog):
    import shutil

    _, model = saved_run
    other = tmp_path / "from-the-hub"
    shutil.copytree(model, other)
    (other / "razorbench_origin.json").unlink()
    config = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**config, "_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct"}))
    [(record, _)], _ = evaluate_checkpoints([str(other)], "science", overrides=[*EVAL, *places, "run_id=other-base"])
    warning = record["model"]["origin_warning"]
    assert "'HuggingFaceTB/SmolLM2-135M-Instruct' (config.json)" in warning and "--base" in warning
    assert warning in caplog.text
