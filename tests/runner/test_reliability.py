"""A run survives being killed: SIGKILL at several points, rerun, exactly one valid record whose metrics equal
an uninterrupted run's (CPU, fixed seed). Bad input never crashes; non-finite losses never reach a record."""

import json
import os
import signal
import subprocess
import sys

import pytest

from razorbench.runner.record_schema import validate_record
from razorbench.util.faults import FAULT_ENV

SMALL = [
    "trainer.max_steps=6",
    "trainer.checkpoint_every=2",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
    "method.group_size=2",
]
METRICS = ("new_task_accuracy", "base_new_task_accuracy", "forgetting", "forward_kl", "reverse_kl", "weight_l2")


def rl_argv(tmp_path, run_id, cache, extra=()):
    """The CLI command of one small rl run into tmp_path/runs/<run_id>."""
    return [
        sys.executable,
        "-m",
        "razorbench.cli",
        "run",
        "--method",
        "rl",
        "--task",
        "science",
        "--no-progress",
        "--run-id",
        run_id,
        "--output-dir",
        str(tmp_path / "runs"),
        *SMALL,
        f"cache_dir={cache}",
        *extra,
    ]


def clean_env(kill_at=None):
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    return {**env, FAULT_ENV: kill_at} if kill_at else env


def run_cli(tmp_path, run_id, cache, kill_at=None, extra=()):
    return subprocess.run(
        rl_argv(tmp_path, run_id, cache, extra), capture_output=True, text=True, env=clean_env(kill_at), timeout=600
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    out = run_cli(tmp, "ref", tmp / "cache")
    assert out.returncode == 0, out.stderr
    return json.loads((tmp / "runs" / "ref" / "record.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("point", ["base_eval", "training", "final_eval", "record_write"])
def test_killed_run_resumes_to_the_uninterrupted_result(point, reference, tmp_path):
    killed = run_cli(tmp_path, "r", tmp_path / "cache", kill_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    run_dir = tmp_path / "runs" / "r"
    assert not (run_dir / "record.json").exists()
    assert json.loads((run_dir / "status.json").read_text())["state"] == "running"
    resumed = run_cli(tmp_path, "r", tmp_path / "cache")
    assert resumed.returncode == 0, resumed.stderr
    record = json.loads((run_dir / "record.json").read_text())
    validate_record(record)
    assert [p.name for p in run_dir.glob("**/record.json")] == ["record.json"]
    assert not list(run_dir.glob(".*.tmp"))
    assert json.loads((run_dir / "status.json").read_text())["state"] == "finished"
    if point in ("training", "final_eval", "record_write"):
        assert "resumed_from_checkpoint" in record["provenance"]["timings"]
    for key in METRICS:
        assert record["metrics"][key] == pytest.approx(reference["metrics"][key], rel=1e-6, abs=1e-9), key


@pytest.mark.slow
def test_finished_run_is_kept_and_force_starts_over(reference, tmp_path):
    assert run_cli(tmp_path, "f", tmp_path / "cache").returncode == 0
    again = run_cli(tmp_path, "f", tmp_path / "cache")
    assert again.returncode == 2 and "already finished" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    forced = run_cli(tmp_path, "f", tmp_path / "cache", extra=["--force"])
    assert forced.returncode == 0


def test_non_finite_loss_fails_the_run_without_a_record(tmp_path):
    from razorbench.runner.run import train_and_evaluate
    from razorbench.util.errors import RunFailure

    # A learning rate this large drives the weights to inf/NaN within a few steps.
    overrides = [
        "trainer.max_steps=4",
        "optim.lr=1e30",
        "trainer.gradient_clip_val=0",
        "eval.new_task_prompts=4",
        "eval.kl_prompts=4",
        "eval.prior_limit=4",
        "data.batch_size=4",
        "run_id=nan",
        f"output_dir={tmp_path}",
        f"cache_dir={tmp_path / 'cache'}",
    ]
    with pytest.raises(RunFailure, match="non-finite"):
        train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    assert not (tmp_path / "nan" / "record.json").exists()
    failure = json.loads((tmp_path / "nan" / "failure.json").read_text())
    assert "non-finite" in failure["reason"]
    assert json.loads((tmp_path / "nan" / "status.json").read_text())["state"] == "failed"


@pytest.mark.slow
def test_two_processes_share_an_output_folder_and_the_cache(tmp_path):
    def start(run_id):
        argv = rl_argv(tmp_path, run_id, tmp_path / "cache")
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())

    a, b, same = start("a"), start("b"), start("a")
    outputs = [p.communicate(timeout=600) for p in (a, b, same)]
    codes = sorted([a.returncode, same.returncode])
    assert b.returncode == 0, outputs[1][1]
    assert codes == [0, 2], outputs  # one of the two "a" processes ran it, the other was refused in one line
    refused = outputs[0][1] if a.returncode else outputs[2][1]
    assert "in use by another process" in refused or "already finished" in refused
    records = [json.loads((tmp_path / "runs" / r / "record.json").read_text()) for r in ("a", "b")]
    timings = [r["provenance"]["timings"] for r in records]
    assert sum("base_eval" in t for t in timings) == 1  # the base was evaluated once, under the cache lock
    assert len(list((tmp_path / "cache" / "base").glob("*.json"))) == 1
    assert records[0]["metrics"]["forward_kl"] == records[1]["metrics"]["forward_kl"]


@pytest.mark.slow
def test_killed_sweep_reruns_only_the_missing_runs(tmp_path):
    env = clean_env()
    argv = [
        sys.executable,
        "-m",
        "razorbench.cli",
        "sweep",
        "--method",
        "sft",
        "--task",
        "science",
        "--grid",
        "optim.lr=1e-4,1e-3",
        "--output-dir",
        str(tmp_path),
        "--sweep-id",
        "s",
        *SMALL[:-1],
        f"cache_dir={tmp_path / 'cache'}",
    ]
    killed = subprocess.run(argv, capture_output=True, text=True, env={**env, FAULT_ENV: "training"}, timeout=600)
    assert killed.returncode == -signal.SIGKILL
    runs = sorted(p.name for p in (tmp_path / "s").iterdir() if p.is_dir())
    assert len(runs) == 1 and not (tmp_path / "s" / runs[0] / "record.json").exists()  # killed in its first run
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    records = sorted((tmp_path / "s").glob("*/record.json"))
    assert len(records) == 2  # both grid points, each once
    first = json.loads((tmp_path / "s" / runs[0] / "record.json").read_text())
    assert "resumed_from_checkpoint" in first["provenance"]["timings"]
