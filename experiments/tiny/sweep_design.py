"""The tiny reproduction sweep's design (issue step 4, docs/TINY-TRACK.md "The reproduction sweep"): each
method's step budget and learning rates per task, and the factor that fits the sweep into its wall-time limit.

Fixed before the sweep ran, from the diagnosis curves only (never from forgetting, KL or which method wins):
- B, the plateau budget of each (task, method): `diagnose.plateau_budget` of its seed-0 curve (SimPO's at the
  learning rate its calibration accepted, the curves still rising at 300 steps read from their 600-step reruns);
- three budgets per run, ⅓·b, ⅔·b and b, as curve points of one run of b steps (`razorbench.analysis.curve_points`),
  where b = B × `BUDGET_CUT` in whole thirds;
- learning rates {0.3, 1, 3} × the method's rate (its YAML default; SimPO's calibrated rate);
- seeds 0, 1, 2 (`TINY` in `experiments/tiny/reproduce.py`).

`BUDGET_CUT` is the factor, rounded down to 0.05, that brings the estimated sweep time (`estimate`, scaled from the
diagnosis runs' wall times, corrected by `MEASURED_RATIO`) to `TARGET_MINUTES` with two runs at once:

    python -m experiments.tiny.sweep_design runs/diagnose-tiny-v2-simpo runs/diagnose-tiny-v2 \\
        runs/diagnose-tiny-v2-600 runs/diagnose-tiny-v2-simpo9

(a later folder's curve of a (task, method) replaces an earlier one's: SimPO's accepted curve is math's at 1e-4 in
runs/diagnose-tiny-v2, science's and tool's at 1.1e-5 in runs/diagnose-tiny-v2-simpo9).

Those folders were not kept: the constants below are the design as fixed then, and the reproduction reruns them
unchanged. The curves rerun since (`python -m experiments.tiny.diagnose`, kept in experiments/tiny/diagnose/records/,
code of 2026-12-07; each method's default rate, 300 steps) give the B fixed then for 8 of the 15 (task, method)
pairs; of the others, five differ by 25-300 steps and two were fixed from other curves (science's REINFORCE from a
600-step rerun, tool's SimPO at its calibrated rate). The design is not refitted to them: a design fixed before its
sweep is not changed after.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from experiments.tiny.diagnose import plateau_budget

TASKS = ("science", "math", "tool")
METHODS = ("sft", "rl", "reinforce", "simpo", "oracle-sft")
# Step 5 (docs/TINY-TRACK.md): DPO, the offline arm with negatives added when SimPO's pairs were not testable,
# calibrated as SimPO was (accuracy curves only) and swept at the same cut; the step-4 runs are not rerun.
STEP5_METHODS = ("dpo",)
# Step 6: dpo-nll (DPO + the chosen answer's NLL), the offline arm with negatives that learns like SFT, calibrated
# by the same rule (its curves: docs/reports.md, "Superseded and calibration reports") and swept at the same cut; steps
# 4 and 5 are not rerun.
STEP6_METHODS = ("dpo-nll",)
SWEEP_METHODS = (*METHODS, *STEP5_METHODS, *STEP6_METHODS)
LR_FACTORS = (0.3, 1.0, 3.0)
# One torch thread a run: the tiny model gains little from more, and `--jobs` runs share the machine's cores (the
# run minutes the budgets were fitted to were measured so).
THREADS = 1
# Each method's learning rate: its YAML default (a test holds them equal); SimPO's per task, the highest of 1e-4
# (its default), ÷3, ÷9 at which its seed-0 curve does not lose accuracy (docs/TINY-TRACK.md, step (a)).
LEARNING_RATES: dict[str, float | dict[str, float]] = {
    "sft": 3e-4,
    "rl": 3e-4,
    "reinforce": 3e-4,
    "oracle-sft": 5e-4,
    "simpo": {"science": 1.1e-5, "math": 1e-4, "tool": 1.1e-5},
    # Step 5, the same rule from DPO's default 2e-4: science's curve lost accuracy at 2e-4, not at ÷3.
    "dpo": {"science": 6.7e-5, "math": 2e-4, "tool": 2e-4},
    # Step 6: no seed-0 curve ended below its step 0 at the default 2e-4, so the default stays on every task.
    "dpo-nll": 2e-4,
}
# B per task and method (steps), read by `estimate` from the diagnosis records (its output is in TINY-TRACK.md).
PLATEAU_BUDGETS: dict[str, dict[str, int]] = {
    "science": {"sft": 275, "rl": 250, "reinforce": 600, "simpo": 0, "oracle-sft": 375, "dpo": 0, "dpo-nll": 275},
    "math": {"sft": 275, "rl": 225, "reinforce": 200, "simpo": 175, "oracle-sft": 500, "dpo": 150, "dpo-nll": 275},
    "tool": {"sft": 250, "rl": 275, "reinforce": 225, "simpo": 250, "oracle-sft": 100, "dpo": 50, "dpo-nll": 225},
}
TARGET_MINUTES = 70.0  # the limit is 90; 70 is what the session that ran it had left for it
# Measured time / modelled time of the first 37 runs of a first launch (cut 0.40 for a target of 80 min, stopped
# there): the diagnosis runs the model scales were timed on a machine busy with other jobs.
MEASURED_RATIO = 0.614
BUDGET_CUT = 0.75  # `python -m experiments.tiny.sweep_design ...` (above): 85.6 min at B, 69.1 at 0.75
SEEDS = 3
JOBS = 2
CURVE_POINTS = 5  # measured per run: step 0, ⅓, ⅔ and all of its budget, and the final evaluation


def budget(task: str, method: str) -> int:
    """The run's budget: B cut to fit, a multiple of 3 (so its thirds are curve points), at least 3."""
    return max(3, 3 * round(PLATEAU_BUDGETS[task][method] * BUDGET_CUT / 3))


def learning_rate(task: str, method: str) -> float:
    rate = LEARNING_RATES[method]
    return rate[task] if isinstance(rate, dict) else rate


def learning_rates(task: str, method: str) -> list[str]:
    """The sweep's `optim.lr` values for one (task, method): {0.3, 1, 3} × its rate."""
    return [f"{learning_rate(task, method) * factor:.1e}" for factor in LR_FACTORS]


def diagnosis_records(dirs: list[str | Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """(task, method) -> its curve run's record; a later folder's record replaces an earlier one's."""
    out = {}
    for folder in map(Path, dirs):
        for path in sorted(folder.glob("*/record.json")):
            record = json.loads(path.read_text())
            out[(record["task"], record["method"])] = record
    return out


def run_seconds(record: dict[str, Any], steps: int, points: int = CURVE_POINTS) -> float:
    """A run of `steps` steps with `points` evaluations, scaled from a curve run: its time per training step
    (wall time less its evaluations) and per evaluation (the final one's: new task, priors, KL, drift)."""
    timings = record["provenance"]["timings"]
    evaluation = timings["final_eval"] + timings["kl"] + timings["drift"]
    measured = len(record["curve"]) + 1  # its curve points and its final evaluation
    per_step = (
        max(record["provenance"]["wall_seconds"] - measured * evaluation, 0.0)
        / record["config"]["trainer"]["max_steps"]
    )
    return per_step * steps + points * evaluation


def estimate(records: dict[tuple[str, str], dict[str, Any]], cut: float) -> float:
    """Minutes of the sweep with budgets cut by `cut`: every run of every (task, method), `JOBS` at once."""
    total = 0.0
    for record in records.values():
        steps = max(3, 3 * round(plateau_budget(record["curve"]) * cut / 3))
        total += run_seconds(record, steps) * len(LR_FACTORS) * SEEDS
    return total / JOBS / 60 * MEASURED_RATIO


def main(argv: list[str]) -> int:
    records = {k: v for k, v in diagnosis_records(argv).items() if k[0] in TASKS and k[1] in METHODS}
    print("| B (steps) | " + " | ".join(METHODS) + " |")
    print("|---|" + "---|" * len(METHODS))
    for task in TASKS:
        cells = []
        for method in METHODS:
            record = records[(task, method)]
            lr = record["config"]["optim"]["lr"]
            cells.append(f"{plateau_budget(record['curve'])} of {record['config']['trainer']['max_steps']} (lr {lr:g})")
        print(f"| {task} | " + " | ".join(cells) + " |")
    full = estimate(records, 1.0)
    cut = min(1.0, math.floor(20 * TARGET_MINUTES / full) / 20) if full > TARGET_MINUTES else 1.0
    while cut > 0.05 and estimate(records, cut) > TARGET_MINUTES:  # rounding to thirds can add a little
        cut -= 0.05
    print(f"\nestimated sweep at the full budgets: {full:.0f} min; cut {cut:.2f} -> {estimate(records, cut):.0f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
