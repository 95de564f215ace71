"""`logger=`: the CSV log is always in the run folder; tensorboard, wandb (offline) and mlflow (a local file store)
write where they say. Each logger's test skips when its package is not installed."""

import importlib.util

import pytest

from razorbench.runner.run import train_and_evaluate
from razorbench.util.errors import ConfigError

SMALL = [
    "trainer.max_steps=2",
    "data.batch_size=4",
    "eval.new_task_prompts=4",
    "eval.samples_per_prompt=1",
    "eval.kl_prompts=4",
    "eval.prior_limit=4",
]


def _run(tmp_path, logger: str):
    overrides = [*SMALL, f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}", f"logger={logger}"]
    _, path = train_and_evaluate("sft", "science", overrides=[*overrides, "run_id=logged"], progress=False)
    run_dir = path.parent
    assert (run_dir / "logs" / "attempt-0" / "metrics.csv").is_file()  # the CSV log is always there
    return run_dir


def _needs(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")


def test_tensorboard_writes_event_files_in_the_run_folder(tmp_path):
    _needs("tensorboard")
    run_dir = _run(tmp_path, "tensorboard")
    assert list((run_dir / "logs" / "attempt-0").glob("events.out.tfevents.*"))


def test_wandb_offline_keeps_its_run_in_the_run_folder(tmp_path, monkeypatch):
    _needs("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    run_dir = _run(tmp_path, "wandb")
    assert list((run_dir / "wandb").glob("offline-run-*"))


def test_mlflow_logs_to_a_local_file_store_in_the_run_folder(tmp_path, monkeypatch):
    _needs("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    run_dir = _run(tmp_path, "mlflow")
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri=(run_dir / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name("razorbench")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "logged" and run.data.metrics


def test_an_unknown_logger_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="'logger' must be one of csv, tensorboard, wandb, mlflow; got 'neptune'"):
        train_and_evaluate("sft", "science", overrides=["logger=neptune"], progress=False)
