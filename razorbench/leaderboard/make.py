"""A conforming submission in one command (`razorbench leaderboard make METHOD...`): the protocol's grid and seeds
run as resumable sweeps (`razorbench.launch.plan.run_sweeps`, `jobs` at a time), then one submission per
(method, task) written to `leaderboard/submissions/`.

Per (task, method) the protocol's `grid` gives the learning rates and a step budget b (a method it does not list
gets `own_rate_factors` × its own YAML learning rate and the task's `default_steps`); each (rate, seed) is one run
of b steps whose curve points every b/`curve_points` steps are read as runs stopped there, so the runs of every rate
give one frontier (where the protocol asks for no curve points, of each run's final point and the base). The
evaluation settings are the protocol's, appended last; an override of one of them is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from razorbench.leaderboard.protocol import Protocol, TaskProtocol


def method_lr(method: str, task: str, track: str) -> float:
    """The method's own learning rate on `task` (its YAML, merged as a run merges it)."""
    from razorbench.runner.run import resolve

    return float(resolve(method, task, track, None, [])[2].optim.lr)


def run_overrides(p: TaskProtocol, method: str, extra: list[str]) -> tuple[list[float], list[str]]:
    """(learning rates, overrides) of `method`'s runs on `p`'s task: budget, curve points, `extra`, then the
    evaluation settings (last, so nothing changes them)."""
    from razorbench.util.errors import ConfigError

    for item in extra:
        key = item.split("=", 1)[0]
        if key in p.evaluation or key in ("seed", "optim.lr"):
            fixed = "the protocol's grid and seeds" if key in ("seed", "optim.lr") else "protocol evaluation settings"
            raise ConfigError(f"override {item!r}: {key} is one of the {fixed}; valid overrides are training keys")
    rates, steps = p.method_grid(method, method_lr(method, p.task, p.track))
    budget = [f"trainer.max_steps={steps}", f"curve.every={p.curve_every(steps)}"]
    return rates, [*budget, *extra, *p.overrides()]


def make_plan(protocol: Protocol, track: str, tasks: list[str], methods: list[str], extra: list[str]) -> Any:
    """The sweeps `make` runs, as a reproduction Plan: per (task, method) its learning rate, budget and seeds."""
    from razorbench.analysis.reproduction import Plan

    grids, overrides = {}, {}
    for task in tasks:
        p = protocol.task(track, task)
        for method in methods:
            rates, ov = run_overrides(p, method, extra)
            grids[f"{task}/{method}"] = {"optim.lr": [f"{lr:.2e}" for lr in rates]}
            overrides[f"{task}/{method}"] = ov
    seeds = {protocol.task(track, t).seeds for t in tasks}
    return Plan(
        methods={m: [] for m in methods},
        grid={},
        seeds=max(seeds),
        track=track,
        tasks=tuple(tasks),
        method_grids=grids,
        task_overrides=overrides,
        curve_budgets=True,
    )


def make(
    methods: list[str],
    *,
    protocol: Protocol,
    track: str,
    tasks: list[str] | None = None,
    runs_dir: Path,
    submissions_dir: Path,
    jobs: int = 1,
    extra: list[str] | None = None,
    link: str | None = None,
    authors: str | None = None,
    data_dir: str | None = None,
    log=print,
) -> list[Path]:
    """Run the protocol's sweeps of `methods` on `tasks` (default: every task of the track the protocol has), each
    run with the track's `hardware.threads`, and write one submission per (method, task), named after the method.
    `data_dir`: the task data of a track that reads it from a folder (smol). Returns the submission paths."""
    from razorbench.launch.plan import run_sweeps, sweep_dir
    from razorbench.leaderboard.submission import make_submission, submission_path, write_submission

    tasks = tasks or sorted(task for (t, task) in protocol.tasks if t == track)
    plan = make_plan(protocol, track, tasks, methods, extra or [])
    # A one-task plan's sweeps go to <out>/<method>, a plan of several to <out>/<task>/<method>: aim the one-task
    # plan at <runs>/<task> so that every sweep is <runs>/<task>/<method> whichever tasks are asked for, and a rerun
    # for fewer tasks (to write one task's files first) resumes instead of running them all again.
    out_dir = runs_dir / tasks[0] if len(tasks) == 1 else runs_dir
    run_sweeps(plan, data_dir, out_dir, log, jobs=jobs, threads=protocol.task(track, tasks[0]).threads)
    written = []
    for task in tasks:
        for method in methods:
            sub = make_submission(
                [sweep_dir(plan, out_dir, task, method)], method, protocol=protocol, link=link, authors=authors
            )
            written.append(write_submission(sub, submission_path(submissions_dir, sub)))
            log(f"wrote {written[-1]}")
    return written
