"""A plan of sweeps, and running it: per (task, method) a grid × seeds, the sweeps one after another in this process,
`jobs` of them at once in processes, or every run of every sweep handed to one launcher at once.

What `razorbench reproduce TRACK` runs (a track's reproduction plan, through its `reproduce` hook given a `Request`:
`reproduce`) and what `razorbench leaderboard make` runs (`run_sweeps`). Each sweep is `razorbench.launch.sweep`'s,
so it resumes; a plan that names a `records` folder keeps each run's record there as it ends and resumes from it
(`razorbench.launch.kept`); what the runs say together is judged above this layer
(`razorbench.analysis.reproduction`).
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from razorbench.launch.config import LauncherConfig
from razorbench.launch.sweep_plan import SweepPlan

# The launcher `razorbench reproduce --launcher` chose, for `run_sweeps`: a track's reproduce hook passes its plan,
# never where the runs execute, so the launcher reaches the sweeps without every hook taking it as an argument.
LAUNCHER: ContextVar[LauncherConfig | None] = ContextVar("razorbench_reproduce_launcher", default=None)


def _no_checkpoints() -> list[str]:
    """A reproduction's runs last seconds: resume checkpoints (when this razorbench has them) only cost time."""
    from razorbench.runner.config import TrainerConfig

    return ["trainer.checkpoint_every=1000000"] if "checkpoint_every" in TrainerConfig.__dataclass_fields__ else []


def sweep_dir(plan: SweepPlan, out_dir: Path, task: str, method: str) -> Path:
    """`out_dir/<method>` for a one-task plan, `out_dir/<task>/<method>` otherwise."""
    return out_dir / method if len(plan.tasks) == 1 else out_dir / task / method


def run_sweeps(
    plan: SweepPlan,
    data_dir: str | None,
    out_dir: Path,
    log=print,
    *,
    jobs: int = 1,
    threads: int = 1,
    launcher: LauncherConfig | None = None,
) -> dict[str, float]:
    """Every (task, method) sweep of `plan`, `jobs` at a time, each run with `threads` torch threads; returns the
    wall seconds each took here (~0 when already done), by method (one-task plans) or task/method. With a
    `launcher` (default: the one `reproduce` was given, if any) every run of every sweep goes to it at once. A plan
    with a `records` folder keeps each run's record there as it ends and does not run a run kept there again
    (`razorbench.launch.kept`)."""
    launcher = launcher or LAUNCHER.get()
    if launcher is not None:
        from razorbench.util.errors import ConfigError

        if jobs > 1:
            raise ConfigError(f"--jobs {jobs} with --launcher {launcher.name}: the launcher runs the sweeps; use one")
        return _launch_sweeps(plan, data_dir, out_dir, log, launcher, threads)
    if jobs > 1 and len(plan.tasks) > 1:
        return _run_sweeps_in_processes(plan, data_dir, out_dir, log, jobs, threads)
    torch.set_num_threads(threads)
    return _run_sweeps_here(plan, data_dir, out_dir, log)


def _run_sweeps_in_processes(
    plan: SweepPlan, data_dir: str | None, out_dir: Path, log, jobs: int, threads: int
) -> dict[str, float]:
    """The sweeps of `plan`, each (task, method) a job of a pool of `jobs` processes (they share only locked caches)."""
    seconds: dict[str, float] = {}
    # spawn: a forked child would inherit torch's thread pools and locks mid-state.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(_one_sweep, plan, task, method, data_dir, out_dir, threads)
            for task in plan.tasks
            for method in plan.methods
        ]
        for future in futures:
            done = future.result()  # a failed sweep raises here, with its own one-line error
            seconds.update(done)
            for name, s in done.items():
                log(f"{name}: {s:.0f}s")
    return seconds


def _one_sweep(plan: SweepPlan, task: str, method: str, data_dir: str | None, out_dir: Path, threads: int) -> dict:
    """One (task, method) sweep in a worker process."""
    torch.set_num_threads(threads)
    one = replace(plan, methods={method: plan.methods[method]}, tasks=(task,))
    seconds = _run_sweeps_here(one, data_dir, out_dir / task, log=lambda _: None)
    return {f"{task}/{method}": seconds[method]}


def _sweep_overrides(plan: SweepPlan, data_dir: str | None, out_dir: Path, method: str, task: str) -> list[str]:
    overrides = [*plan.common, *_no_checkpoints(), *plan.overrides_for(method, task), f"cache_dir={out_dir / 'cache'}"]
    if data_dir:
        overrides.append(f"task.data_dir={Path(data_dir).expanduser().resolve()}")
    return overrides


def _launch_sweeps(
    plan: SweepPlan, data_dir: str | None, out_dir: Path, log, launcher: LauncherConfig, threads: int
) -> dict[str, float]:
    """Every run of every (task, method) sweep of `plan` handed to `launcher` at once."""
    from razorbench.launch.sweep import launch_sweeps

    if launcher.threads_per_run == 0:
        launcher = replace(launcher, threads_per_run=threads)  # the reproduction's threads, as its report states
    torch.set_num_threads(threads)
    sweeps, names = [], {}
    for task in plan.tasks:
        for method in plan.methods:
            sweep = _prepare(plan, data_dir, out_dir, task, method)
            sweeps.append(sweep)
            names[sweep.name] = method if len(plan.tasks) == 1 else f"{task}/{method}"
    seconds = {names[name]: s for name, s in launch_sweeps(sweeps, launcher, _keeper(plan)).items()}
    for name, s in seconds.items():
        log(f"{name}: {s:.0f}s")
    return seconds


def _prepare(plan: SweepPlan, data_dir: str | None, out_dir: Path, task: str, method: str):
    """The (task, method) sweep of `plan`, its folder's manifest written, without the runs the plan keeps already."""
    from razorbench.launch.kept import by_run, pending, plan_points
    from razorbench.launch.sweep import prepare_sweep

    sweep = prepare_sweep(
        method,
        task,
        plan.grid_for(method, task),
        seeds=plan.seeds,
        sweep_dir=sweep_dir(plan, out_dir, task, method),
        track=plan.track,
        overrides=_sweep_overrides(plan, data_dir, out_dir, method, task),
    )
    return sweep if plan.records is None else pending(sweep, by_run(plan_points(plan)), plan.records)


def _keeper(plan: SweepPlan):
    """What keeps each run's record as it ends (None: nothing is kept)."""
    from razorbench.launch.kept import by_run, keeper, plan_points

    return None if plan.records is None else keeper(by_run(plan_points(plan)), plan.records)


def _run_sweeps_here(plan: SweepPlan, data_dir: str | None, out_dir: Path, log) -> dict[str, float]:
    """Every (task, method) sweep of `plan`, one after another in this process."""
    from razorbench.launch.sweep import launch_sweeps

    seconds = {}
    on_done = _keeper(plan)
    for task in plan.tasks:
        for method in plan.methods:
            began = time.time()
            launch_sweeps([_prepare(plan, data_dir, out_dir, task, method)], on_done=on_done)
            name = method if len(plan.tasks) == 1 else f"{task}/{method}"
            seconds[name] = time.time() - began
            log(f"{name}: {seconds[name]:.0f}s")
    return seconds


@dataclass(frozen=True)
class Request:
    """What `razorbench reproduce TRACK` asks of the track's `reproduce` hook (`hook(request) -> dict`)."""

    data_dir: str | None
    """Local copies of the track's data (None: the hub)."""
    out_dir: Path
    """The runs' folders, the analysis and its plots (not kept)."""
    doc: str | None = None
    """The report to write (None: the track's own, under docs/)."""
    reduced: bool = False
    """The plan's quick check instead of the plan (never a report of docs/)."""
    jobs: int = 1
    """Sweeps at once, each in its own process."""
    methods: list[str] | None = None
    """Only these of the plan's methods (`SweepPlan.only`); None: all."""
    records: Path | None = None
    """The kept records' folder instead of the plan's (a run from a second checkout names the main one's)."""
    report_only: bool = False
    """No run: the report from the kept records alone."""

    def plan_of(self, plan: SweepPlan) -> SweepPlan:
        """`plan` as asked: restricted to `methods`, its runs kept in `records` where given (else the plan's own
        folder; a plan with none, a quick check, keeps them beside its runs: `kept_beside`)."""
        part = plan.only(self.methods)
        return kept_beside(part if self.records is None else replace(part, records=self.records), self.out_dir)

    def command(self, track: str, plan: SweepPlan, default_doc: str) -> str:
        """The command line the report of `plan` (this request's) names (`command_line`)."""
        doc = self.doc if self.doc and self.doc != default_doc else None
        return command_line(track, reduced=self.reduced, methods=list(plan.methods) if self.methods else None, doc=doc)


def command_line(track: str, *, reduced: bool = False, methods: list[str] | None = None, doc: str | None = None) -> str:
    """The `razorbench reproduce` command of a plan's report: its track, and the options that change what the
    report says (never --jobs, --out or --data-dir: how the runs were made, not what they are)."""
    return (
        f"razorbench reproduce {track}"
        + " --reduced" * reduced
        + (f" --methods {','.join(methods)}" if methods else "")
        + (f" --doc {doc}" if doc else "")
    )


def kept_beside(plan: SweepPlan, out_dir: Path) -> SweepPlan:
    """`plan`, or, where it names no records folder, `plan` keeping its runs in `out_dir/records` (not in git)."""
    return plan if plan.records is not None else replace(plan, records=Path(out_dir) / "records")


def reproduce(
    track_name: str,
    *,
    data_dir: str | None,
    out_dir: str | None,
    doc: str | None,
    reduced: bool,
    jobs: int,
    launcher: LauncherConfig | None = None,
    methods: list[str] | None = None,
    records: str | None = None,
    report_only: bool = False,
) -> dict[str, Any]:
    """Run the named track's reproduction (its `reproduce` hook, given a `Request`): `razorbench reproduce TRACK`;
    with a `launcher`, its sweeps run there (`run_sweeps`); with `methods`, only those of its plan
    (`SweepPlan.only`); with `report_only`, no run, the report from the kept records. The built-in tracks' plans
    are the repository's experiments (`experiments/<track>/reproduce.py`), importable from a checkout's root, not
    from an installed wheel: elsewhere this is a one-line error."""
    from razorbench.api.registry import get_track
    from razorbench.util.errors import ConfigError

    if jobs < 1:
        raise ConfigError(f"--jobs must be >= 1, got {jobs}")
    track = get_track(track_name)
    if track.reproduce is None:
        raise ConfigError(f"track {track.name!r} has no reproduction plan")
    out = Path(out_dir or f"runs/reproduce-{track.name}")
    module = track.reproduce.partition(":")[0]
    try:
        hook = track.hook("reproduce")
    except ModuleNotFoundError as e:
        if e.name is None or not (module == e.name or module.startswith(e.name + ".")):
            raise
        raise ConfigError(
            f"track {track.name!r}: its reproduction plan {module} is not importable here; the experiments are not "
            "installed, run `razorbench reproduce` from the root of a razorbench checkout"
        ) from None
    token = LAUNCHER.set(launcher)
    try:
        request = Request(
            data_dir,
            out,
            doc,
            reduced,
            jobs,
            methods,
            Path(records) if records else None,
            report_only,
        )
        return hook(request)
    finally:
        LAUNCHER.reset(token)
