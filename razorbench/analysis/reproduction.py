"""`razorbench reproduce toy|tiny`: RL's Razor's experiments end to end, and what the two reproductions share.

1. Sweep (`razorbench.launch.sweep.run_sweep`): for each task and method, the plan's grid × seeds; resumable, as
   every sweep is; independent sweeps may run in several processes (`jobs`), or every run of every sweep goes to
   one launcher at once (`razorbench reproduce TRACK --launcher local|slurm|ray`, `razorbench.launch`).
2. Analyze (`razorbench.analysis.analyze.analyze`): Pareto frontiers, forgetting fitted against every predictor
   (R²), and methods compared at matched new-task accuracy on their frontiers.
3. Judge the paper's claims from those numbers, as they come out (no seed is picked, no run dropped):
   - the forgetting law: R² of forgetting against the forward KL (quadratic through 0);
   - GRPO (`rl`) forgets less than `sft` at matched accuracy;
   - on-policy (`rl`, `reinforce`) forgets less than offline (`sft`, `simpo`; a plan may name more): every
     on/offline pair;
   - `oracle-sft` forgets less than `rl`.
   A pair is compared on the accuracy range where both frontiers exist (`matched_accuracy`, 5 levels): at each
   level the gap in retention with its paired 95% interval (`razorbench.analysis.difference`, the comparison the
   leaderboard ranks by), and the verdict by the one rule of `razorbench.analysis.verdict`: "reproduced" where the
   interval excludes 0 in the claim's favour at at least half of the levels, "reversed" the other way, "tie"
   otherwise, "not testable" when the shared range is narrower than the plan's pre-registered `min_overlap`.
4. Write `analysis.json`, `findings.json` and plots beside the sweeps, and the report:
   `razorbench.tasks.toy.experiments.reproduce` (ParityMNIST, docs/REPRODUCTION.md) and
   `razorbench.tasks.tiny.experiments.reproduce` (the tiny LM, docs/REPRODUCTION-tiny.md).

This module holds the steps every track's reproduction shares; `razorbench.analysis.report` the report pieces
(provenance line, forgetting-law, frontier and pair tables, notes). A track's `experiments/reproduce.py` keeps its
plans and its own report sections.
Every number in a report is computed from the records: rerunning the command rewrites it.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from razorbench.analysis.analyze import analyze, find_records, matched_accuracy, plot, write
from razorbench.analysis.curve_points import with_curve_points
from razorbench.analysis.difference import Frontier, retention_difference
from razorbench.analysis.verdict import MIN_OVERLAP, describe, level_sign, verdict
from razorbench.launch.config import LauncherConfig

ON_POLICY, OFFLINE = ("rl", "reinforce"), ("sft", "simpo")

# The launcher `razorbench reproduce --launcher` chose, for `run_sweeps`: a track's reproduce hook passes its plan,
# never where the runs execute, so the launcher reaches the sweeps without every hook taking it as an argument.
LAUNCHER: ContextVar[LauncherConfig | None] = ContextVar("razorbench_reproduce_launcher", default=None)


@dataclass(frozen=True)
class Plan:
    """What a reproduction runs: per-method overrides, the shared grid and overrides, and the seeds."""

    methods: dict[str, list[str]]
    grid: dict[str, list[str]]
    seeds: int
    common: list[str] = field(default_factory=list)
    levels: int = 5  # matched-accuracy levels per compared pair
    track: str = field(kw_only=True)
    tasks: tuple[str, ...] = field(kw_only=True)
    r2_target: float = 0.9  # the forgetting law's R² target: each track sets it from the paper's R²
    method_grids: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Extra values of a grid key for one method (added to `grid`'s for that method's sweeps only); a key
    "task/method" gives them for one task's sweep of the method instead of the method's."""
    task_overrides: dict[str, list[str]] = field(default_factory=dict)
    """Overrides for one (task, method) sweep, keyed "task/method" (e.g. its step budget), after the method's."""
    offline: tuple[str, ...] = OFFLINE
    """The offline methods every on-policy method is compared with (the claim "on-policy < offline")."""
    curve_budgets: bool = False
    """Read each run's non-zero curve points as the runs stopped there (`razorbench.analysis.curve_points`):
    budgets of one run, measured at the cost of the longest."""
    min_overlap: float = MIN_OVERLAP
    """The pre-registered accuracy range two frontiers must share for a claim on them to be judged."""

    def grid_for(self, method: str, task: str | None = None) -> dict[str, list[str]]:
        extra = self.method_grids.get(f"{task}/{method}", self.method_grids.get(method, {}))
        keys = [*self.grid, *(k for k in extra if k not in self.grid)]
        return {k: [*extra.get(k, []), *self.grid.get(k, [])] for k in keys}

    def overrides_for(self, method: str, task: str) -> list[str]:
        return [*self.methods[method], *self.task_overrides.get(f"{task}/{method}", [])]

    def only(self, methods: list[str] | None) -> Plan:
        """This plan restricted to `methods` (all of them when None), its offline arm with it: a part of a
        reproduction rerun or reported on its own (`razorbench reproduce TRACK --methods a,b`)."""
        if not methods:
            return self
        from razorbench.util.errors import ConfigError

        unknown = [m for m in methods if m not in self.methods]
        if unknown:
            raise ConfigError(f"--methods: {', '.join(unknown)} not in this plan; valid: {', '.join(self.methods)}")
        kept = {m: self.methods[m] for m in self.methods if m in methods}
        return replace(self, methods=kept, offline=tuple(m for m in self.offline if m in kept))


def _no_checkpoints() -> list[str]:
    """A reproduction's runs last seconds: resume checkpoints (when this razorbench has them) only cost time."""
    from razorbench.runner.config import TrainerConfig

    return ["trainer.checkpoint_every=1000000"] if "checkpoint_every" in TrainerConfig.__dataclass_fields__ else []


def sweep_dir(plan: Plan, out_dir: Path, task: str, method: str) -> Path:
    """`out_dir/<method>` for a one-task plan, `out_dir/<task>/<method>` otherwise."""
    return out_dir / method if len(plan.tasks) == 1 else out_dir / task / method


def run_sweeps(
    plan: Plan,
    data_dir: str | None,
    out_dir: Path,
    log=print,
    *,
    jobs: int = 1,
    threads: int = 1,
    launcher: LauncherConfig | None = None,
) -> dict[str, float]:
    """Every (task, method) sweep of `plan`, `jobs` at a time, each run with `threads` torch threads; returns the
    wall seconds each took here (~0 when already on disk), by method (one-task plans) or task/method. With a
    `launcher` (default: the one `reproduce` was given, if any) every run of every sweep goes to it at once."""
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
    plan: Plan, data_dir: str | None, out_dir: Path, log, jobs: int, threads: int
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


def _one_sweep(plan: Plan, task: str, method: str, data_dir: str | None, out_dir: Path, threads: int) -> dict:
    """One (task, method) sweep in a worker process."""
    torch.set_num_threads(threads)
    one = Plan(**{**plan.__dict__, "methods": {method: plan.methods[method]}, "tasks": (task,)})
    seconds = _run_sweeps_here(one, data_dir, out_dir / task, log=lambda _: None)
    return {f"{task}/{method}": seconds[method]}


def _sweep_overrides(plan: Plan, data_dir: str | None, out_dir: Path, method: str, task: str) -> list[str]:
    overrides = [*plan.common, *_no_checkpoints(), *plan.overrides_for(method, task), f"cache_dir={out_dir / 'cache'}"]
    if data_dir:
        overrides.append(f"task.data_dir={Path(data_dir).expanduser().resolve()}")
    return overrides


def _launch_sweeps(
    plan: Plan, data_dir: str | None, out_dir: Path, log, launcher: LauncherConfig, threads: int
) -> dict[str, float]:
    """Every run of every (task, method) sweep of `plan` handed to `launcher` at once."""
    from dataclasses import replace

    from razorbench.launch.sweep import launch_sweeps, prepare_sweep

    if launcher.threads_per_run == 0:
        launcher = replace(launcher, threads_per_run=threads)  # the reproduction's threads, as its report states
    torch.set_num_threads(threads)
    sweeps, names = [], {}
    for task in plan.tasks:
        for method in plan.methods:
            where = sweep_dir(plan, out_dir, task, method)
            sweep = prepare_sweep(
                method,
                task,
                plan.grid_for(method, task),
                seeds=plan.seeds,
                sweep_dir=where,
                track=plan.track,
                overrides=_sweep_overrides(plan, data_dir, out_dir, method, task),
            )
            sweeps.append(sweep)
            names[sweep.name] = method if len(plan.tasks) == 1 else f"{task}/{method}"
    seconds = {names[name]: s for name, s in launch_sweeps(sweeps, launcher).items()}
    for name, s in seconds.items():
        log(f"{name}: {s:.0f}s")
    return seconds


def _run_sweeps_here(plan: Plan, data_dir: str | None, out_dir: Path, log) -> dict[str, float]:
    """Every (task, method) sweep of `plan`, one after another in this process."""
    from razorbench.launch.sweep import run_sweep

    seconds = {}
    for task in plan.tasks:
        for method in plan.methods:
            overrides = _sweep_overrides(plan, data_dir, out_dir, method, task)
            began = time.time()
            where = sweep_dir(plan, out_dir, task, method)
            grid = plan.grid_for(method, task)
            run_sweep(method, task, grid, seeds=plan.seeds, sweep_dir=where, track=plan.track, overrides=overrides)
            name = method if len(plan.tasks) == 1 else f"{task}/{method}"
            seconds[name] = time.time() - began
            log(f"{name}: {seconds[name]:.0f}s")
    return seconds


def analyze_sweeps(plan: Plan, out_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any], list[Path]]:
    """The records of the plan's sweeps (its track and tasks only), their analysis, and the analysis written to
    `out_dir/analysis` (`analysis.json`) with its plots: (records, analysis, plot paths)."""
    dirs = [sweep_dir(plan, out_dir, t, m) for t in plan.tasks for m in plan.methods]
    records = [r for r in find_records(dirs) if r["task"] in plan.tasks and r["track"] == plan.track]
    if plan.curve_budgets:
        records = with_curve_points(records)
    result = analyze(records, levels=plan.levels)
    write(result, out_dir / "analysis")
    return records, result, plot(result, records, out_dir / "analysis")


def write_findings(findings: dict[str, Any], out_dir: Path) -> None:
    """The judged claims as `out_dir/analysis/findings.json`, beside the analysis they come from."""
    (out_dir / "analysis" / "findings.json").write_text(json.dumps(findings, indent=2) + "\n")


def write_report(doc: str | Path | None, render: Callable[[], str], log=print) -> Path | None:
    """The report rendered into `doc` (its folder made); nothing and None when `doc` is None."""
    if doc is None:
        return None
    doc = Path(doc)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render())
    log(f"wrote {doc}")
    return doc


def compare_pair(
    frontiers: dict[str, Any],
    better: str,
    worse: str,
    records: list[dict[str, Any]],
    levels: int,
    min_overlap: float = MIN_OVERLAP,
) -> dict[str, Any]:
    """The claim that `better` forgets less than `worse`, judged at matched accuracies on their frontiers by the
    one rule (`analysis.verdict`) from the paired gap in retention at each level (`analysis.difference`); one base
    for every run, so the gap in retention is the gap in forgetting. `records`: the runs the frontiers are made of."""
    claim = f"{better} forgets less than {worse}"
    if better not in frontiers or worse not in frontiers:
        return {"claim": claim, "verdict": "not testable", "note": "a method has no runs"}
    matched = matched_accuracy({better: frontiers[better], worse: frontiers[worse]}, levels)
    if not matched["levels"]:
        return {"claim": claim, "verdict": "not testable", "note": matched.get("note", "no common accuracy range")}
    low, high = matched["levels"][0], matched["levels"][-1]
    if high - low < min_overlap:
        note = f"the frontiers share only accuracies {low:.3f}–{high:.3f}, narrower than {min_overlap}"
        return {"claim": claim, "verdict": "not testable", "note": note}
    by_id = {r["run_id"]: r for r in records}
    sides = [Frontier(frontiers[m]["frontier"], by_id) for m in (better, worse)]
    gaps = [retention_difference(*sides, level) for level in matched["levels"]]  # > 0: `better` forgets less
    signs = [level_sign(g.ci_low, g.ci_high) if g is not None else 0 for g in gaps]
    scores = records[0]["metrics"]["prior_scores"]
    base_prior = sum(x["base"] for x in scores.values()) / len(scores)
    forget = {m: [base_prior - p for p in matched["prior"][m]] for m in (better, worse)}
    return {
        "claim": claim,
        "verdict": verdict(signs, high - low, min_overlap),
        "how": describe(signs),
        "levels": matched["levels"],
        "forgetting": forget,
        "gap": [g.value for g in gaps],
        "gap_interval": [(g.ci_low, g.ci_high) for g in gaps],
        "mean_gap": float(np.mean([g.value for g in gaps])),
        "signs": signs,
        "overlap": high - low,
    }


def judge(
    group: dict[str, Any],
    records: list[dict[str, Any]],
    levels: int,
    r2_target: float = 0.9,
    offline: tuple[str, ...] = OFFLINE,
    min_overlap: float = MIN_OVERLAP,
) -> dict[str, Any]:
    """The paper's claims, judged from one (track, task) group of `analyze` and its `records`; `offline`: the offline
    methods the on-policy ones are compared with. The on-policy claim counts its pairs' verdicts as they are."""
    frontiers = group["methods"]
    law = group["fits"].get("forward_kl", {}).get("quadratic0", {})
    on_off = [compare_pair(frontiers, a, b, records, levels, min_overlap) for a in ON_POLICY for b in offline]
    testable = [c for c in on_off if c["verdict"] != "not testable"]
    counts = {v: sum(c["verdict"] == v for c in testable) for v in ("reproduced", "tie", "reversed")}
    if not testable:
        on_off_verdict = "not testable"
    elif counts["reproduced"] == len(testable):
        on_off_verdict = "reproduced" + (
            f" on the {len(testable)} testable pairs of {len(on_off)}" if len(testable) < len(on_off) else ""
        )
    elif counts["reversed"] == len(testable):
        on_off_verdict = "reversed"
    elif counts["tie"] == len(testable):
        on_off_verdict = "tie"
    else:
        on_off_verdict = (
            "mixed (" + ", ".join(f"{n} {v}" for v, n in counts.items() if n) + f" of {len(testable)} testable pairs)"
        )
    return {
        "forgetting_law": law_verdict(law.get("r2"), r2_target),
        "rl_vs_sft": compare_pair(frontiers, "rl", "sft", records, levels, min_overlap),
        "on_policy_vs_offline": {"verdict": on_off_verdict, "pairs": on_off},
        "oracle_vs_rl": compare_pair(frontiers, "oracle-sft", "rl", records, levels, min_overlap),
    }


def law_verdict(r2: float | None, target: float) -> dict[str, Any]:
    """The forgetting-law claim: R² of forgetting against the forward KL (quadratic through 0) at least `target`;
    not testable when R² is undefined (forgetting constant)."""
    verdict = "not testable" if r2 is None else "reproduced" if r2 >= target else "not reproduced"
    return {"r2": r2, "target": target, "verdict": verdict}


def tied_with_forward_kl(fits: dict[str, Any]) -> list[str]:
    """Predictors whose quadratic-fit R² interval reaches the forward KL's: not told apart by these runs."""
    law = fits.get("forward_kl", {}).get("quadratic0", {})
    if law.get("r2_low") is None:
        return []
    return sorted(
        name
        for name, f in fits.items()
        if name not in ("forward_kl", "forward_kl_per_token")
        and f["quadratic0"].get("r2_high") is not None
        and f["quadratic0"]["r2_high"] >= law["r2_low"]
    )


def best_predictor(fits: dict[str, Any]) -> dict[str, Any]:
    """Which predictor's quadratic fit has the highest R², and whether the forward KL's is told apart."""
    scored = {n: f["quadratic0"]["r2"] for n, f in fits.items() if f["quadratic0"].get("r2") is not None}
    if "forward_kl" not in scored:
        return {"best": None, "verdict": "not testable", "tied": []}
    best = max(scored, key=scored.get)
    tied = tied_with_forward_kl(fits)
    if best in ("forward_kl", "forward_kl_per_token"):
        verdict = "reproduced" if not tied else "highest R², not separated from " + ", ".join(tied)
    else:
        verdict = f"not reproduced ({best} fits better)"
    return {"best": best, "r2": scored, "verdict": verdict, "tied": tied}


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
) -> dict[str, Any]:
    """Run the named track's reproduction (its `reproduce` hook): `razorbench reproduce TRACK`; with a
    `launcher`, its sweeps run there (`run_sweeps`); with `methods`, only those of its plan (`Plan.only`)."""
    from razorbench.api.registry import get_track
    from razorbench.util.errors import ConfigError

    if jobs < 1:
        raise ConfigError(f"--jobs must be >= 1, got {jobs}")
    track = get_track(track_name)
    if track.reproduce is None:
        raise ConfigError(f"track {track.name!r} has no reproduction plan")
    out = out_dir or f"runs/reproduce-{track.name}"
    hook = track.hook("reproduce")
    token = LAUNCHER.set(launcher)
    try:
        return hook(data_dir=data_dir, out_dir=out, doc=doc, reduced=reduced, jobs=jobs, methods=methods)
    finally:
        LAUNCHER.reset(token)
