"""razorbench.launch.kept, and run_sweeps of a plan with a `records` folder: a plan's points and where each is
kept, a kept run never rerun, a finished run kept as it ends (or on the next call when the job stopped before), a
kept record made under other settings refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from razorbench.launch.kept import Point, by_run, check_kept, keeper, load_kept, pending, plan_points
from razorbench.launch.sweep import Sweep
from razorbench.launch.sweep_plan import SweepPlan
from razorbench.launch.worker import RunSpec
from razorbench.util.compact_record import compact, keep_record, read_kept
from razorbench.util.errors import ConfigError

PLAN = SweepPlan(
    methods={"sft": [], "rl": ["method.group_size=2"]},
    grid={"optim.lr": ["1e-4", "3e-4"]},
    seeds=2,
    common=["eval.kl_prompts=8"],
    track="tiny",
    tasks=("science", "tool"),
    task_overrides={"tool/rl": ["trainer.max_steps=3"]},
)


def _record(point: Point, **config) -> dict:
    """A record of `point`'s run as the runner writes one, as far as keeping it goes."""
    values: dict = {
        "seed": int(point.overrides[-1].split("=")[1]),
        "optim": {"lr": 1e-4 if "1e-4" in point.run_id else 3e-4},
    }
    values |= {"eval": {"kl_prompts": 8}, "method": {"group_size": 2}, "trainer": {"max_steps": 3}} | config
    return {"run_id": point.run_id, "method": point.method, "task": point.task, "config": values, "metrics": {}}


def test_every_point_of_the_plan_has_its_own_path_and_the_plan_s_overrides_for_it(tmp_path):
    points = plan_points(PLAN)
    assert len(points) == 2 * 2 * 2 * 2 == len({p.path(tmp_path) for p in points})
    first = points[0]
    assert (first.task, first.method, first.run_id) == ("science", "sft", "optim.lr-1e-4_seed-0")
    assert first.path(tmp_path) == tmp_path / "science" / "sft" / "optim.lr-1e-4_seed-0.json.gz"
    (tool_rl,) = [p for p in points if (p.task, p.method, p.run_id) == ("tool", "rl", "optim.lr-3e-4_seed-1")]
    assert tool_rl.overrides == (
        "eval.kl_prompts=8",
        "method.group_size=2",
        "trainer.max_steps=3",
        "optim.lr=3e-4",
        "seed=1",
    )


def test_a_kept_record_of_other_settings_is_refused_in_one_line_and_numbers_compare_as_numbers(tmp_path):
    point = next(p for p in plan_points(PLAN) if p.task == "tool" and p.method == "rl")
    check_kept(_record(point), point, tmp_path / "x.json.gz")  # optim.lr=1e-4 recorded as 0.0001: the same
    with pytest.raises(ConfigError) as refused:
        check_kept(_record(point, trainer={"max_steps": 5}), point, tmp_path / "x.json.gz")
    assert str(refused.value) == (
        f"kept record {tmp_path / 'x.json.gz'} was made with trainer.max_steps=5, the plan sets trainer.max_steps=3:"
        " delete it to rerun the run, or restore the plan"
    )
    with pytest.raises(ConfigError, match="is a run of method 'sft', not 'rl'"):
        check_kept({**_record(point), "method": "sft"}, point, tmp_path / "x.json.gz")


def _sweep(points: list[Point], runs: Path) -> Sweep:
    specs = [RunSpec(p.method, p.task, "tiny", None, p.overrides, str(runs / p.run_id), str(runs)) for p in points]
    return Sweep("sft/science", runs, specs, ["base"] * len(specs))


def test_pending_leaves_out_kept_runs_and_keeps_a_finished_run_not_kept_yet(tmp_path):
    points = [p for p in plan_points(PLAN) if (p.task, p.method) == ("science", "sft")]
    kept, finished, fresh = points[0], points[1], points[2]
    folder, runs = tmp_path / "records", tmp_path / "runs"
    keep_record(kept.path(folder), _record(kept))
    (runs / finished.run_id).mkdir(parents=True)
    (runs / finished.run_id / "record.json").write_text(json.dumps(_record(finished)))
    left = pending(_sweep(points[:3], runs), by_run(points), folder)
    assert [s.run_id for s in left.specs] == [fresh.run_id] and left.base_keys == ["base"]
    assert finished.path(folder).read_bytes() == compact(_record(finished))  # kept, not rerun
    assert not fresh.path(folder).exists()


def test_the_keeper_keeps_a_run_as_it_ends_and_the_report_reads_the_plan_s_kept_runs_in_order(tmp_path):
    points = plan_points(PLAN)
    folder, runs = tmp_path / "records", tmp_path / "runs"
    on_done = keeper(by_run(points), folder)
    for point in reversed(points[:3]):
        (runs / point.run_id).mkdir(parents=True, exist_ok=True)
        (runs / point.run_id / "record.json").write_text(json.dumps(_record(point)))
        on_done(_sweep([point], runs).specs[0])
    assert [r["run_id"] for r in load_kept(PLAN, folder)] == [p.run_id for p in points[:3]]
    assert read_kept(points[0].path(folder)) == _record(points[0])


@pytest.mark.parametrize("kept_before", [True, False])
def test_run_sweeps_runs_only_what_is_not_kept_and_keeps_each_run_it_makes(tmp_path, monkeypatch, kept_before):
    import razorbench.launch.worker as worker
    from razorbench.launch.plan import run_sweeps

    folder = tmp_path / "records"
    plan = SweepPlan(
        methods={"sft": []}, grid={"optim.lr": ["1e-4"]}, seeds=1, track="tiny", tasks=("science",), records=folder
    )
    (point,) = plan_points(plan)
    if kept_before:
        keep_record(point.path(folder), _record(point))
    ran = []

    def run_point(spec: RunSpec, threads: int = 0) -> str:  # what a run leaves: its record in its folder
        ran.append(spec.run_id)
        spec.record.parent.mkdir(parents=True, exist_ok=True)
        spec.record.write_text(json.dumps(_record(point)))
        return str(spec.record)

    monkeypatch.setattr(worker, "run_point", run_point)
    run_sweeps(plan, None, tmp_path / "runs", log=lambda _: None)
    assert ran == ([] if kept_before else [point.run_id])
    assert read_kept(point.path(folder)) == _record(point)
