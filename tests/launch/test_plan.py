"""razorbench.launch.plan: a plan's sweeps (their grids and overrides), the launcher `razorbench reproduce` was given
reaching them, and a reproduction plan that cannot be imported told in one line."""

from pathlib import Path

import pytest

from razorbench.launch.plan import reproduce
from razorbench.launch.sweep_plan import SweepPlan
from razorbench.util.errors import ConfigError


def test_the_launcher_given_to_reproduce_reaches_the_sweeps():
    from razorbench.launch.config import launcher_config
    from razorbench.launch.plan import LAUNCHER, run_sweeps

    plan = SweepPlan(methods={"sft": []}, grid={"optim.lr": ["1e-4"]}, seeds=1, track="t", tasks=("k",))
    token = LAUNCHER.set(launcher_config("local", None, ["launcher.parallel=2"]))
    try:
        with pytest.raises(ConfigError, match="--jobs 2 with --launcher local: the launcher runs the sweeps; use one"):
            run_sweeps(plan, None, Path("unused"), jobs=2)
    finally:
        LAUNCHER.reset(token)


@pytest.mark.slow
def test_every_run_of_every_sweep_goes_to_the_launcher(tmp_path):
    from razorbench.analysis.analyze import find_records
    from razorbench.launch.config import launcher_config
    from razorbench.launch.plan import run_sweeps
    from razorbench.launch.state import read_launch_entry

    small = ["eval.new_task_prompts=8", "eval.samples_per_prompt=2", "eval.kl_prompts=8", "eval.prior_limit=8"]
    plan = SweepPlan(
        methods={"sft": ["trainer.max_steps=2"], "rl": ["trainer.max_steps=2", "method.group_size=2"]},
        grid={"optim.lr": ["1e-4"]},
        seeds=1,
        common=[*small, "data.batch_size=4"],
        track="tiny",
        tasks=("science",),
    )
    launcher = launcher_config("local", None, ["launcher.parallel=2"])
    seconds = run_sweeps(plan, None, tmp_path, log=lambda _: None, launcher=launcher)
    assert set(seconds) == {"sft", "rl"} and all(s > 0 for s in seconds.values())
    records = find_records([tmp_path / "sft", tmp_path / "rl"])
    assert sorted(r["method"] for r in records) == ["rl", "sft"]
    assert all(read_launch_entry(tmp_path / m, "optim.lr-1e-4_seed-0")["launcher"] == "local" for m in ("sft", "rl"))
    assert all(r["provenance"]["timings"].get("base_eval_cached") is not None for r in records)  # one base, first


def test_a_task_method_grid_and_overrides_apply_to_that_sweep_only():
    plan = SweepPlan(
        methods={"sft": ["method.x=1"], "rl": []},
        grid={},
        seeds=1,
        track="t",
        tasks=("a", "b"),
        method_grids={"sft": {"optim.lr": ["1e-4"]}, "b/sft": {"optim.lr": ["3e-5"]}},
        task_overrides={"b/sft": ["trainer.max_steps=9"]},
    )
    assert plan.grid_for("sft", "a") == {"optim.lr": ["1e-4"]}
    assert plan.grid_for("sft", "b") == {"optim.lr": ["3e-5"]}  # the task's own grid, not added to the method's
    assert plan.grid_for("rl", "b") == {}
    assert plan.overrides_for("sft", "a") == ["method.x=1"]
    assert plan.overrides_for("sft", "b") == ["method.x=1", "trainer.max_steps=9"]


def test_a_reproduction_plan_outside_this_checkout_is_one_line(monkeypatch):
    from razorbench.api import registry
    from razorbench.api.track import Track

    track = Track(name="t", description="d", model="m", tasks=(), reproduce="no_checkout_here.t.reproduce:main")
    monkeypatch.setattr(registry, "get_track", lambda name: track)
    with pytest.raises(ConfigError, match=r"^track 't': its reproduction plan no_checkout_here.t.reproduce is not"):
        reproduce("t", data_dir=None, out_dir=None, doc=None, reduced=False, jobs=1)


def test_a_request_keeps_the_plan_s_records_where_asked_and_names_its_command():
    from razorbench.launch.plan import Request

    plan = SweepPlan(methods={"sft": [], "rl": []}, grid={}, seeds=1, track="t", tasks=("a",), records=Path("kept"))
    asked = Request(None, Path("runs/x"), methods=["rl", "sft"])
    assert asked.plan_of(plan).records == Path("kept") and list(asked.plan_of(plan).methods) == ["sft", "rl"]
    assert Request(None, Path("runs/x"), records=Path("main/kept")).plan_of(plan).records == Path("main/kept")
    quick = SweepPlan(methods={"sft": []}, grid={}, seeds=1, track="t", tasks=("a",))  # keeps nothing in git
    assert Request(None, Path("runs/x")).plan_of(quick).records == Path("runs/x/records")
    # The report's command: its methods in the plan's order, its doc only when not the track's own.
    assert asked.command("t", asked.plan_of(plan), "docs/T.md") == "razorbench reproduce t --methods sft,rl"
    step6 = Request(None, Path("r"), doc="docs/T-6.md", methods=["rl"], report_only=True)
    assert (
        step6.command("t", step6.plan_of(plan), "docs/T.md") == "razorbench reproduce t --methods rl --doc docs/T-6.md"
    )
    assert Request(None, Path("r"), doc="docs/T.md", reduced=True).command("t", plan, "docs/T.md") == (
        "razorbench reproduce t --reduced"
    )
