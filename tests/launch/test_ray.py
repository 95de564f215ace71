"""The Ray launcher on a local Ray cluster (`ray.init(num_cpus=2)`): a 2-run grid as Ray tasks."""

import json

import pytest

from razorbench.launch.config import launcher_config
from razorbench.launch.state import read_launch_entry, sweep_state
from razorbench.launch.sweep import run_sweep


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray", reason="ray not installed: pip install -e '.[launch]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_a_two_run_grid_as_ray_tasks(tmp_path, local_ray, small):
    launcher = launcher_config("ray", None, ["launcher.ray.num_cpus=1"])
    sweep = tmp_path / "s"
    overrides = [*small, f"cache_dir={tmp_path / 'cache'}"]
    paths = run_sweep("sft", "science", {"optim.lr": ["1e-4", "1e-3"]}, seeds=1, sweep_dir=sweep, overrides=overrides,
                      launcher=launcher)  # fmt: skip
    records = [json.loads(p.read_text()) for p in paths]
    assert [r["config"]["optim"]["lr"] for r in records] == [1e-4, 1e-3]
    assert all("base_eval_cached" in r["provenance"]["timings"] for r in records)  # the base task came first
    assert all(read_launch_entry(sweep, p.parent.name)["launcher"] == "ray" for p in paths)
    assert [s.state for s in sweep_state(sweep)] == ["done", "done"]
