"""`razorbench reproduce tiny`: RL's Razor's LLM findings on the tiny track (science, math, tool), end to end.

The same three steps as `razorbench reproduce toy` (sweep, analyze, judge; see `razorbench.analysis.reproduction`),
once per new task, plus what only several tasks allow:
- the forgetting law fitted per task and pooled over every run of every task (the paper's R² = 0.71 pools its
  LLM runs), for each predictor, with bootstrap intervals; the target is R² ≥ 0.7 for the forward KL and the
  forward KL the best predictor (its R² highest; "not shown" where another predictor's interval reaches it);
- each matched-accuracy claim judged per task, then counted over tasks.

Sweeps of different (task, method) pairs are independent, so `jobs` > 1 runs them in that many processes (the
base-evaluation and offline-sample caches are shared under file locks). Every run is kept; nothing is dropped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from experiments.tiny import sweep_design
from experiments.tiny.report import render
from razorbench.analysis.analyze import predictor_fits
from razorbench.analysis.reproduction import (
    Plan,
    analyze_sweeps,
    best_predictor,
    judge,
    law_verdict,
    write_findings,
    write_report,
)
from razorbench.launch.plan import run_sweeps

TRACK = "tiny"

# Step 4 of the tiny-track issue, as fixed in docs/TINY-TRACK.md before it ran
# (`experiments/tiny/sweep_design.py`): per task and method, one run of b steps (B cut to fit 90 min) per
# learning rate and seed, whose curve points at ⅓·b and ⅔·b are read as the runs stopped there; learning rates
# {0.3, 1, 3} × each method's own; 3 seeds.
TINY = Plan(
    methods={m: [] for m in sweep_design.SWEEP_METHODS},
    grid={},
    seeds=sweep_design.SEEDS,
    track=TRACK,
    tasks=sweep_design.TASKS,
    r2_target=0.7,
    method_grids={
        f"{t}/{m}": {"optim.lr": sweep_design.learning_rates(t, m)}
        for t in sweep_design.TASKS
        for m in sweep_design.SWEEP_METHODS
    },
    task_overrides={
        f"{t}/{m}": [f"trainer.max_steps={sweep_design.budget(t, m)}", f"curve.every={sweep_design.budget(t, m) // 3}"]
        for t in sweep_design.TASKS
        for m in sweep_design.SWEEP_METHODS
    },
    offline=("sft", "simpo", "dpo", "dpo-nll"),  # DPO, dpo-nll: steps 5 and 6 of docs/TINY-TRACK.md
    curve_budgets=True,
)
# A quick check of the machinery (tests): GRPO against SFT on science, 2 learning rates, 1 seed, short runs.
TINY_REDUCED = Plan(
    methods={"sft": ["trainer.max_steps=10"], "rl": ["trainer.max_steps=5"]},
    grid={"optim.lr": ["1e-4", "1e-3"]},
    seeds=1,
    common=["eval.new_task_prompts=40", "eval.kl_prompts=20", "eval.prior_limit=40"],
    track=TRACK,
    tasks=("science",),
    r2_target=0.7,
)


def reproduce_tiny(
    data_dir: str | None = None,
    out_dir: str | Path = "runs/reproduce-tiny",
    doc: str | Path | None = "docs/REPRODUCTION-tiny.md",
    *,
    plan: Plan = TINY,
    jobs: int = 1,
    threads: int = 1,
    log=print,
    command: str | None = None,
) -> dict[str, Any]:
    """Sweep every task, analyze, judge and write the report. Returns {"analysis", "findings", "seconds", "doc"}.
    `command`: the command line the report names as the one that rewrites it (default: the full reproduction's)."""
    out_dir = Path(out_dir)
    began, load_before = time.time(), os.getloadavg()[0]
    seconds = run_sweeps(plan, data_dir, out_dir, log, jobs=jobs, threads=threads)
    records, result, plots = analyze_sweeps(plan, out_dir)
    findings: dict[str, Any] = {"tasks": {}}
    for task in plan.tasks:
        group = result.get(f"{plan.track}/{task}")
        if group is None:
            continue
        runs = [r for r in records if r["task"] == task]
        findings["tasks"][task] = {
            **judge(group, runs, plan.levels, plan.r2_target, plan.offline, plan.min_overlap),
            "best_predictor": best_predictor(group["fits"]),
        }
    # The paper's R² = 0.71 pools its LLM runs: so does this fit, over every run of every task.
    pooled = predictor_fits(records)
    findings["pooled"] = {
        "fits": pooled,
        "forgetting_law": law_verdict(pooled.get("forward_kl", {}).get("quadratic0", {}).get("r2"), plan.r2_target),
        "best_predictor": best_predictor(pooled),
    }
    write_findings(findings, out_dir)
    total = time.time() - began
    # The machine's load tells a reader of the report whether its minutes were measured on a quiet machine.
    load = {"start": load_before, "end": os.getloadavg()[0]}
    out = {"analysis": result, "findings": findings, "seconds": {"sweeps": seconds, "total": total, "load": load}}
    out["doc"] = write_report(
        doc,
        lambda: render(plan, records, result, findings, out["seconds"], out_dir, plots, jobs, threads, command),
        log,
    )
    return out


def main(
    *,
    data_dir: str | None,
    out_dir: str | Path,
    doc: str | Path | None,
    reduced: bool,
    jobs: int,
    methods: list[str] | None = None,
    log=print,
) -> dict[str, Any]:
    """The tiny track's `reproduce` hook (`razorbench reproduce tiny`)."""
    plan = (TINY_REDUCED if reduced else TINY).only(methods)
    command = "razorbench reproduce tiny" + " --reduced" * reduced + (f" --jobs {jobs}" if jobs > 1 else "")
    command += (f" --methods {','.join(plan.methods)}" if methods else "") + (f" --doc {doc}" if doc else "")
    return reproduce_tiny(
        data_dir, out_dir, doc or "docs/REPRODUCTION-tiny.md", plan=plan, jobs=jobs, log=log, command=command
    )
