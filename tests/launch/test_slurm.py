"""The SLURM launcher on a real one-node cluster (started on localhost by the `slurm_cluster` fixture): a 2-run job
array through submitit, the base evaluation a job before it, and the sweep collecting both records."""

import json

import pytest

from razorbench.launch.config import launcher_config
from razorbench.launch.state import read_launch_entry, sweep_state
from razorbench.launch.sweep import run_sweep


@pytest.mark.slow
def test_a_two_run_job_array(tmp_path, slurm_cluster, small):
    # The time limit leaves room for a loaded machine; an element that runs out of it fails the test by its reason.
    slurm = {"time_min": 120, "cpus_per_task": 1, "sbatch": {"comment": "razorbench"}}
    launcher = launcher_config("slurm", {"poll_seconds": 1, "slurm": slurm})
    sweep = tmp_path / "s"
    grid = {"optim.lr": ["1e-4", "1e-3"]}
    overrides = [*small, f"cache_dir={tmp_path / 'cache'}"]
    paths = run_sweep("sft", "science", grid, seeds=1, sweep_dir=sweep, overrides=overrides, launcher=launcher)
    records = [json.loads(p.read_text()) for p in paths]
    assert [r["config"]["optim"]["lr"] for r in records] == [1e-4, 1e-3]
    assert all("base_eval_cached" in r["provenance"]["timings"] for r in records)  # the base job came first
    jobs = [read_launch_entry(sweep, p.parent.name)["job"] for p in paths]
    assert len({j.split("_")[0] for j in jobs}) == 1  # one array
    assert sorted(j.split("_")[1] for j in jobs) == ["0", "1"]
    assert [s.state for s in sweep_state(sweep)] == ["done", "done"]
    before = {p: p.stat().st_mtime_ns for p in paths}
    run_sweep("sft", "science", grid, seeds=1, sweep_dir=sweep, overrides=overrides, launcher=launcher)  # collects
    assert {p: p.stat().st_mtime_ns for p in paths} == before
    assert [read_launch_entry(sweep, p.parent.name)["job"] for p in paths] == jobs  # nothing submitted again
