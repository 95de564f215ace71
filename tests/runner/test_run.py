"""End to end on the embedded tiny model with small budgets: every record field, the base cache, errors."""

import json
import subprocess
import sys

import pytest
import yaml

from razorbench.runner.record_schema import validate_record
from razorbench.runner.run import train_and_evaluate
from razorbench.util.errors import UsageError

SMALL = [
    "trainer.max_steps=2",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
]


@pytest.fixture
def small(tmp_path):
    return SMALL + [f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}"]


@pytest.mark.parametrize("method", ["rl", "sft"])
def test_run_writes_a_full_record_and_reuses_the_base_evaluation(method, small, tmp_path):
    record, path = train_and_evaluate(method, "science", overrides=small + ["run_id=first"], progress=False)
    validate_record(json.loads(path.read_text()))
    assert path == tmp_path / "runs" / "first" / "record.json"
    m = record["metrics"]
    assert set(m["prior_scores"]) == {"arithmetic", "reverse", "elements", "capitals"}
    assert m["forward_kl"] >= 0 and m["forward_kl_per_token"] >= 0
    expected = sum(s["base"] - s["final"] for s in m["prior_scores"].values()) / 4
    assert m["forgetting"] == pytest.approx(expected)
    assert record["base_model"]["sha256"] and record["provenance"]["world_size"] == 1
    assert "base_eval" in record["provenance"]["timings"]
    saved = yaml.safe_load((path.parent / "config.yaml").read_text())
    assert saved["trainer"]["max_steps"] == 2 and saved["run_id"] == "first"
    # The logger's hparams: the method's config keys and the shared settings, one flat mapping.
    hparams = yaml.safe_load((path.parent / "logs" / "attempt-0" / "hparams.yaml").read_text())
    assert hparams["kl_coef"] == saved["method"]["kl_coef"] and hparams["batch_size"] == 4

    again, _ = train_and_evaluate(method, "science", overrides=small + ["run_id=second"], progress=False)
    assert "base_eval_cached" in again["provenance"]["timings"]
    assert again["metrics"]["base_new_task_accuracy"] == m["base_new_task_accuracy"]


def test_a_finished_run_is_never_overwritten(small):
    train_and_evaluate("sft", "math", overrides=small + ["run_id=done", "trainer.max_steps=1"], progress=False)
    with pytest.raises(UsageError, match="already finished"):
        train_and_evaluate("sft", "math", overrides=small + ["run_id=done"], progress=False)


def test_prior_task_cannot_be_trained_on(small):
    with pytest.raises(UsageError, match="prior task.*valid: .*science"):
        train_and_evaluate("sft", "arithmetic", overrides=small, progress=False)


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["run", "--method", "nope", "--task", "science"], "unknown method 'nope'; valid: "),
        (["run", "--method", "rl", "--task", "nope"], "unknown task 'nope' on track 'tiny'; valid: "),
        (["run", "--method", "rl", "--task", "science", "optim.lr=abc"], "optim.lr"),
        (["run", "--method", "rl", "--task", "science", "--track", "big"], "unknown track 'big'"),
    ],
)
def test_cli_bad_input_is_one_line(argv, needle):
    out = subprocess.run([sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], out.stderr


def test_cli_list_shows_methods_with_policy_and_negatives_columns():
    out = subprocess.run([sys.executable, "-m", "razorbench.cli", "list"], capture_output=True, text=True, check=True)
    assert "on-policy" in out.stdout and "negatives" in out.stdout and "science" in out.stdout


def test_progress_bar_counts_the_run_steps_without_an_epoch_total():
    import lightning as L
    from lightning.pytorch.demos.boring_classes import BoringModel

    from razorbench.runner.progress import StepProgressBar

    bar, model = StepProgressBar(), BoringModel()  # 64 batches an epoch: 70 steps span two epochs
    trainer = L.Trainer(
        max_steps=70,
        max_epochs=-1,
        accelerator="cpu",
        callbacks=[bar],
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        limit_val_batches=0,
    )
    trainer.fit(model)
    assert trainer.current_epoch > 0  # a second epoch began: the bar still counts on
    task = bar.train_progress_bar
    assert "/-" not in task.description and "Epoch" not in task.description
    assert (task.completed, task.total) == (70, 70)
    assert "v_num" not in bar.get_metrics(trainer, model)
