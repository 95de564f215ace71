"""The viability measurement measures through the runner's one path, in this process: a pilot is the run that
`razorbench run` starts for the command the measurement used to run as a subprocess, and a prior's per-document
scores are the runner's (no model of the smol track is loaded here)."""

from __future__ import annotations

import json

import pytest

from experiments.smol import viability


class _Started(Exception):
    """Raised by a stand-in runner once it has seen what it was asked to run."""


def _runner(calls: list, record: dict | None = None):
    def train_and_evaluate(method, task, **kwargs):
        calls.append((method, task, kwargs))
        if record is None:
            raise _Started
        return record, None

    return train_and_evaluate


def test_a_pilot_is_the_run_the_razorbench_run_command_starts(monkeypatch, tmp_path):
    from razorbench.cli import main
    from razorbench.runner import run

    monkeypatch.setenv("TQDM_DISABLE", "0")  # restored after the test (the pilots set it, as --no-progress does)
    records = tmp_path / "records"
    (records / "base").mkdir(parents=True)
    (records / "base" / "science.json").write_text(json.dumps({"kind": "new", "ci": [0.2, 0.3], "chance": 0.0}))
    monkeypatch.setattr(viability, "RECORDS", records)
    data, runs = tmp_path / "data", tmp_path / "runs"
    record = {
        "metrics": {"base_new_task_accuracy": 0.2, "new_task_accuracy": 0.45, "forward_kl": 1.5},
        "curve": [{"step": 0, "new_task_accuracy": 0.2}, {"step": 20, "new_task_accuracy": 0.5}],
        "provenance": {"timings": {"fit": 3.0}},
    }
    in_process: list = []
    monkeypatch.setattr(run, "train_and_evaluate", _runner(in_process, record))
    viability.run_pilots(data, runs, ["sft-lr0.0001"])

    # The command the measurement ran as a subprocess before (the sft pilot at 1e-4: 60 steps of 16, a point every 20)
    command = ["run", "--method", "sft", "--task", "science", "--track", "smol", "--no-progress",
               "--data-dir", str(data), "--output-dir", str(runs), "--run-id", "pilot-science-sft-lr0.0001",
               "task.priors=[]", "optim.lr=0.0001", "trainer.max_steps=60", "data.batch_size=16", "curve.every=20",
               "eval.new_task_prompts=100", "eval.kl_prompts=50", "monitor.every=0", "seed=0",
               "save_model=true"]  # fmt: skip
    by_command: list = []
    monkeypatch.setattr(run, "train_and_evaluate", _runner(by_command))
    with pytest.raises(_Started):
        main(command)
    ((method, task, kwargs),) = in_process
    ((cli_method, cli_task, cli_kwargs),) = by_command
    assert (method, task) == (cli_method, cli_task) == ("sft", "science")
    assert kwargs["track"] == cli_kwargs["track"] == "smol"
    assert sorted(kwargs["overrides"]) == sorted(cli_kwargs["overrides"])
    assert not kwargs["progress"] and not cli_kwargs["progress"]
    assert not cli_kwargs["force"] and cli_kwargs["config_file"] is None

    compact = json.loads((records / "pilots" / "sft-lr0.0001.json").read_text())
    assert compact["task"] == "science" and compact["lr"] == 1e-4 and compact["steps"] == 60
    assert compact["base_accuracy"] == 0.2 and compact["final"] == [60, 0.45]
    assert compact["curve"] == [[0, 0.2], [20, 0.5]] and compact["timings"] == {"fit": 3.0}


def test_a_prior_is_scored_by_the_runner_s_scoring_step(policy_pair):
    from razorbench.api.registry import get_task
    from razorbench.runner.evaluate import EvalSettings, prior_scores
    from razorbench.runner.run import resolve
    from razorbench.sampling import build_sampler

    _, policy = policy_pair
    cfg = resolve("sft", "science", "tiny", None, ["eval.prior_limit=4", "sampling.max_new_tokens=8"])[2]
    settings = EvalSettings.from_config(cfg)
    prior = get_task("capitals", "tiny")()
    sampler = build_sampler("hf", policy)
    per_item = viability.prior_per_item(policy, sampler, prior, settings)
    assert len(per_item) == 4
    assert per_item == prior_scores(policy, sampler, [prior], settings)["capitals"]["per_example"]
