"""The local launcher: two runs at once give the records one-after-another gives, the base evaluated once before
the fan-out, in workers forked from the template that imported the stack; a worker killed mid-run is resubmitted on
the next collect, and each point ends with one record."""

import json

import pytest

from razorbench.launch.config import launcher_config
from razorbench.launch.local import start_worker_template
from razorbench.launch.state import read_launch_entry, sweep_state
from razorbench.launch.sweep import run_sweep
from razorbench.util.errors import RunFailure
from razorbench.util.faults import FAULT_ENV

GRID = {"optim.lr": ["1e-4", "1e-3"]}
# Everything a run's record holds that does not say where or when it ran.
MEASURED = ("metrics", "per_example", "uncertainty", "method_stats", "base_model")


def _records(paths):
    return [json.loads(p.read_text()) for p in paths]


def _without_wall_times(stats: dict) -> dict:
    """`method_stats` less the checkers' wall seconds: how long checking took, which two runs of one point differ
    in, not what was measured (the counts stay)."""
    checker = {name: {k: v for k, v in s.items() if k != "seconds"} for name, s in stats.get("checker", {}).items()}
    return {**stats, "checker": checker}


def _same_run(a: dict, b: dict) -> None:
    for key in MEASURED:
        if key == "method_stats":
            assert _without_wall_times(a[key]) == _without_wall_times(b[key]), key
        else:
            assert a[key] == b[key], key
    where = ("output_dir", "run_id", "cache_dir")
    assert {k: v for k, v in a["config"].items() if k not in where} == {
        k: v for k, v in b["config"].items() if k not in where
    }


@pytest.fixture
def two_cores(monkeypatch):
    """The parallel path even where the test machine has one core (there the launcher would run one at a time)."""
    monkeypatch.setattr("razorbench.launch.local.cpu_cores", lambda: 2)


@pytest.mark.slow
def test_two_at_once_gives_the_sequential_records(tmp_path, small, two_cores):
    sequential = run_sweep(
        "sft", "science", GRID, seeds=1, sweep_dir=tmp_path / "seq", overrides=[*small, f"cache_dir={tmp_path / 'c1'}"]
    )
    parallel = run_sweep(
        "sft",
        "science",
        GRID,
        seeds=1,
        sweep_dir=tmp_path / "par",
        overrides=[*small, f"cache_dir={tmp_path / 'c2'}"],
        launcher=launcher_config("local", None, ["launcher.parallel=2", "launcher.threads_per_run=1"]),
    )
    for a, b in zip(_records(sequential), _records(parallel), strict=True):
        _same_run(a, b)
        # The sweep evaluated the base before the fan-out: no worker evaluated it again.
        assert "base_eval_cached" in b["provenance"]["timings"]
    assert len(list((tmp_path / "c2" / "base").glob("*.json"))) == 1
    assert [s.state for s in sweep_state(tmp_path / "par")] == ["done", "done"]
    # No worker imported the stack itself: each was forked from the template that had.
    workers = {read_launch_entry(tmp_path / "par", p.parent.name)["worker"] for p in parallel}
    assert workers == {"forked, stack preloaded"}


@pytest.mark.slow
def test_a_killed_worker_is_resubmitted_once(tmp_path, monkeypatch, small, two_cores):
    overrides = [*small, "trainer.max_steps=4", "trainer.checkpoint_every=1", f"cache_dir={tmp_path / 'cache'}"]
    launcher = launcher_config("local", None, ["launcher.parallel=2", "launcher.threads_per_run=1"])
    sweep = tmp_path / "s"
    # The workers kill themselves after their step-2 checkpoint. Set after the template started: the workers take the
    # sweep's environment at their start, not the template's.
    start_worker_template()
    monkeypatch.setenv(FAULT_ENV, "training")
    with pytest.raises(RunFailure, match="2 of 2 runs failed: .*killed by SIGKILL.*Rerun the same command"):
        run_sweep("sft", "science", GRID, seeds=1, sweep_dir=sweep, overrides=overrides, launcher=launcher)
    states = sweep_state(sweep)
    assert [s.state for s in states] == ["failed", "failed"]
    assert all(s.reason.startswith("interrupted: worker process killed by SIGKILL") for s in states)
    monkeypatch.delenv(FAULT_ENV)
    paths = run_sweep("sft", "science", GRID, seeds=1, sweep_dir=sweep, overrides=overrides, launcher=launcher)
    records = _records(paths)
    assert all("resumed_from_checkpoint" in r["provenance"]["timings"] for r in records)
    assert sorted(p.parent.name for p in sweep.glob("*/record.json")) == sorted(p.parent.name for p in paths)
    assert len({p.parent for p in sweep.glob("*/record.json")}) == 2
    before = {p: p.stat().st_mtime_ns for p in paths}
    run_sweep("sft", "science", GRID, seeds=1, sweep_dir=sweep, overrides=overrides, launcher=launcher)  # collects only
    assert {p: p.stat().st_mtime_ns for p in paths} == before


@pytest.mark.slow
def test_more_workers_than_cores_run_one_at_a_time_and_say_why(tmp_path, monkeypatch, small, capsys):
    monkeypatch.setattr("razorbench.launch.local.cpu_cores", lambda: 1)
    launcher = launcher_config("local", None, ["launcher.parallel=2"])
    overrides = [*small, f"cache_dir={tmp_path / 'cache'}"]
    paths = run_sweep("sft", "science", GRID, seeds=1, sweep_dir=tmp_path / "s", overrides=overrides, launcher=launcher)
    assert all(p.exists() for p in paths)
    out = " ".join(capsys.readouterr().out.split())
    assert "launcher.parallel=2 but this process may use 1 core(s): running 1 at once (one after another)" in out
    assert not (tmp_path / "s" / ".launch").exists()  # in this process, as a sequential sweep: no worker started
