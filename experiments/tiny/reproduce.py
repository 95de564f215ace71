"""`razorbench reproduce tiny`: RL's Razor's LLM findings on the tiny track (science, math, tool), end to end.

The same three steps as `razorbench reproduce toy` (sweep, analyze, judge; see `razorbench.analysis.reproduction`),
once per new task, plus what only several tasks allow:
- the forgetting law fitted per task and pooled over every run of every task (the paper's R² = 0.71 pools its
  LLM runs), for each predictor, with bootstrap intervals; the target is R² ≥ 0.7 for the forward KL and the
  forward KL the best predictor (its R² highest; "not shown" where another predictor's interval reaches it);
- each matched-accuracy claim judged per task, then counted over tasks.

Each run's record is kept in experiments/tiny/reproduce/records/<task>/<method>/ as it ends, and a rerun runs only
what is not kept (a job stopped midway is resumed by the same command); the report is made from the kept records
only. Step 6's arm (dpo-nll) is a method of the same plan, its records beside the others'; its report
(docs/REPRODUCTION-tiny-step6.md) is this plan's part `--methods rl,reinforce,dpo-nll`, from the same records.

    razorbench reproduce tiny --jobs 2                  # the runs not kept yet, then docs/REPRODUCTION-tiny.md
    razorbench reproduce tiny --report-only             # the report from the kept records alone
    razorbench reproduce tiny --report-only --methods rl,reinforce,dpo-nll --doc docs/REPRODUCTION-tiny-step6.md

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
from razorbench.analysis.reproduction import Plan, judge_plan, report_plan
from razorbench.launch.kept import load_kept
from razorbench.launch.plan import Request, command_line, kept_beside, run_sweeps

TRACK = "tiny"
DOC = "docs/REPRODUCTION-tiny.md"
RECORDS = Path(__file__).parent / "reproduce" / "records"
COMMAND = command_line(TRACK)

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
    records=RECORDS,
)
# A quick check of the machinery (tests): GRPO against SFT on science, 2 learning rates, 1 seed, short runs; its
# records are kept beside its runs, not in git.
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
    doc: str | Path | None = DOC,
    *,
    plan: Plan = TINY,
    jobs: int = 1,
    report_only: bool = False,
    command: str = COMMAND,
    log=print,
) -> dict[str, Any]:
    """The runs of `plan` not kept yet (none with `report_only`), `jobs` sweeps at once, then its report from the
    kept records alone. `command`: the command the report names as the one that rewrites it. Returns
    {"analysis", "findings", "records", "doc"}."""
    out_dir = Path(out_dir)
    plan = kept_beside(plan, out_dir)
    if not report_only:
        began, load = time.time(), os.getloadavg()[0]
        seconds = run_sweeps(plan, data_dir, out_dir, log, jobs=jobs, threads=sweep_design.THREADS)
        # Said here, not in the report (made from the records alone): whether these minutes had a quiet machine.
        log(
            f"sweeps: {(time.time() - began) / 60:.1f} min here ({sum(seconds.values()) / 60:.1f} min summed over the"
            f" sweeps), on {os.cpu_count()} CPU cores, load average {load:.1f} at the start, {os.getloadavg()[0]:.1f}"
            " at the end"
        )
    return report_plan(plan, out_dir, doc, lambda judged: render(plan, judged, command), log)


def report_text(plan: Plan = TINY, command: str = COMMAND) -> str:
    """The report `plan`'s kept records give, written nowhere (what the doc must equal)."""
    return render(plan, judge_plan(plan, load_kept(plan, plan.records)), command)


def main(request: Request, log=print) -> dict[str, Any]:
    """The tiny track's `reproduce` hook (`razorbench reproduce tiny`)."""
    plan = request.plan_of(TINY_REDUCED if request.reduced else TINY)
    doc, command = request.doc or DOC, request.command(TRACK, plan, DOC)
    return reproduce_tiny(
        request.data_dir,
        request.out_dir,
        doc,
        plan=plan,
        jobs=request.jobs,
        report_only=request.report_only,
        command=command,
        log=log,
    )
