"""A two-method sweep on the tiny track with small budgets, then the analysis checked against float64."""

import json

import numpy as np
import pytest

from razorbench.analysis.analyze import analyze, find_records, pareto_frontier, plot, write
from razorbench.cli import main
from razorbench.launch.sweep import parse_grid, run_sweep
from razorbench.util.errors import ConfigError

SMALL = [
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
    "trainer.max_steps=2",
]


def test_pareto_frontier_is_exactly_the_non_dominated_points():
    rng = np.random.default_rng(1)
    points = [tuple(p) for p in rng.uniform(0, 1, (40, 2))]
    frontier = set(pareto_frontier(points))
    for i, (x, y) in enumerate(points):
        dominated = any(a >= x and b >= y and (a, b) != (x, y) for a, b in points)
        assert (i in frontier) == (not dominated)


def test_bad_grid_is_one_line():
    with pytest.raises(ConfigError, match="key=v1,v2"):
        parse_grid(["optim.lr"])


@pytest.mark.slow
def test_sweep_two_methods_resume_and_analyze(tmp_path):
    overrides = SMALL + [f"cache_dir={tmp_path / 'cache'}"]
    grid = {"optim.lr": ["1e-4", "3e-3"]}
    sft = run_sweep("sft", "science", grid, seeds=1, sweep_dir=tmp_path / "sft", overrides=overrides)
    rl = run_sweep(
        "rl", "science", grid, seeds=1, sweep_dir=tmp_path / "rl", overrides=overrides + ["method.group_size=2"]
    )
    assert all(p.exists() for p in sft + rl)
    before = {p: p.stat().st_mtime_ns for p in sft}
    run_sweep("sft", "science", grid, seeds=1, sweep_dir=tmp_path / "sft", overrides=overrides)  # resumes: no reruns
    assert {p: p.stat().st_mtime_ns for p in sft} == before

    records = find_records([tmp_path / "sft", tmp_path / "rl"])
    assert len(records) == 4
    result = analyze(records)
    group = result["tiny/science"]
    for method in ("sft", "rl"):
        points = [(p["accuracy"], p["prior"]) for p in group["methods"][method]["points"]]
        for f in group["methods"][method]["frontier"]:
            assert not any(
                a >= f["accuracy"] and b >= f["prior"] and (a, b) != (f["accuracy"], f["prior"]) for a, b in points
            )
    x = np.array([r["metrics"]["forward_kl"] for r in records], dtype=np.float64)
    y = np.array([r["metrics"]["forgetting"] for r in records], dtype=np.float64)
    design = np.stack([np.ones_like(x), x], 1)
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    ss_tot = ((y - y.mean()) ** 2).sum()
    if ss_tot > 0:
        expected = 1 - ((y - design @ beta) ** 2).sum() / ss_tot
        assert group["fits"]["forward_kl"]["linear"]["r2"] == pytest.approx(expected)
    out = tmp_path / "analysis"
    write(result, out)
    for path in plot(result, records, out):
        assert path.stat().st_size > 1000
    assert json.loads((out / "analysis.json").read_text())["tiny/science"]["runs"] == 4
    assert main(["analyze", str(tmp_path / "sft"), str(tmp_path / "rl"), "--out", str(tmp_path / "cli")]) == 0
