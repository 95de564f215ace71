"""The tiny reproduction's report (`razorbench reproduce tiny`): the design check, the pre-registered conditions
measured, the pooled and per-task forgetting-law fits, and each matched-accuracy claim per task, in Markdown.

Only reads the plan's kept records as `razorbench.analysis.reproduction.judge_plan` judged them; it runs nothing,
and the same records give the same report.
"""

from __future__ import annotations

from typing import Any

from experiments.tiny import sweep_design
from experiments.tiny.conditions import conditions_table, task_conditions
from razorbench.analysis.curve_points import runs_only
from razorbench.analysis.report import (
    fit_table,
    fmt,
    grid_text,
    named_claims,
    outputs_line,
    rule_text,
    task_section,
    verdict,
)
from razorbench.analysis.report_provenance import generated_line, kept_line, runs_line
from razorbench.analysis.reproduction import Judged, Plan
from razorbench.launch.kept import plan_points

PAPER_LLM_R2 = 0.71  # PAPER.md: forward KL, quadratic, across the LLM runs [paper/notes]


# Below this base accuracy an on-policy method with k samples per prompt sees a correct answer for few prompts.
LOW_BASE_ACCURACY = 0.02


def _design_check(records: list[dict[str, Any]], result: dict[str, Any], plan: Plan) -> list[str]:
    """One line per task: base accuracy, each method's best run and frontier range, and what rules a claim out."""
    lines = []
    for task in plan.tasks:
        runs = [r for r in records if r["task"] == task]
        if not runs:
            continue
        base = runs[0]["metrics"]["base_new_task_accuracy"]
        methods = [m for m in plan.methods if any(r["method"] == m for r in runs)]
        best = {m: max(r["metrics"]["new_task_accuracy"] for r in runs if r["method"] == m) for m in methods}
        fronts = result[f"{plan.track}/{task}"]["methods"]
        ranges = {
            m: (min(p["accuracy"] for p in f["frontier"]), max(p["accuracy"] for p in f["frontier"]))
            for m, f in fronts.items()
        }
        line = (
            f"- {task}: base accuracy {base:.3f}; best run per method "
            + ", ".join(f"{m} {a:.3f}" for m, a in best.items())
            + "; frontier accuracy ranges (seed means) "
            + ", ".join(f"{m} {lo:.3f}–{hi:.3f}" for m, (lo, hi) in ranges.items())
            + "."
        )
        if base < LOW_BASE_ACCURACY:
            line += (
                f" The base policy solves under {LOW_BASE_ACCURACY:.0%} of the prompts: on-policy methods see almost no"
                " reward, against the paper's condition that the base solves part of the task."
            )
        on_policy = [ranges[m][1] for m in ("rl", "reinforce") if m in ranges]
        if on_policy and "sft" in ranges and max(on_policy) < ranges["sft"][0]:
            line += (
                f" The on-policy frontiers end (at {max(on_policy):.3f}) below the lowest SFT frontier point"
                f" ({ranges['sft'][0]:.3f}): no matched accuracy to compare them at, within this grid."
            )
        lines.append(line)
    return lines


def _grid(plan: Plan) -> str:
    """The plan's grid in words (with per-task budgets, `budget_table` gives the values)."""
    if not plan.curve_budgets:
        return grid_text(plan)
    return (
        "per task and method, `optim.lr` ∈ {0.3, 1, 3} × its rate and one run of b steps whose curve points at ⅓·b"
        f" and ⅔·b are read as the runs stopped there (b = its plateau budget B × {sweep_design.BUDGET_CUT:g}, in"
        " thirds; `experiments/tiny/sweep_design.py`; the table below)"
    )


def _steps(plan: Plan, task: str, method: str) -> int | None:
    """The run's step budget b where the plan sets one for this (task, method)."""
    values = [o.split("=", 1)[1] for o in plan.overrides_for(method, task) if o.startswith("trainer.max_steps=")]
    return int(values[-1]) if values else None


def _plateau(task: str, method: str) -> int | None:
    return sweep_design.PLATEAU_BUDGETS.get(task, {}).get(method)


def budget_table(plan: Plan, runs: list[dict[str, Any]]) -> list[str]:
    """Per method and task, the run's step budget b (the plateau budget B it was cut from), learning rates, and the
    minutes its runs took, summed over their wall times (what that arm adds to a sweep run from nothing, ×1/jobs)."""
    if not plan.curve_budgets:
        return []
    minutes: dict[tuple[str, str], float] = {}
    for r in runs:
        key = (r["task"], r["method"])
        minutes[key] = minutes.get(key, 0.0) + r["provenance"]["wall_seconds"] / 60
    header = " | ".join(f"{t}: b (B); learning rates; run minutes" for t in plan.tasks)
    lines = ["", f"| method | {header} |", "|---|" + "---|" * len(plan.tasks)]
    for m in plan.methods:
        cells = [
            f"{_steps(plan, t, m)} ({'—' if _plateau(t, m) is None else _plateau(t, m)});"
            f" {', '.join(plan.grid_for(m, t).get('optim.lr', []))};"
            + (f" {minutes[(t, m)]:.1f}" if (t, m) in minutes else " —")
            for t in plan.tasks
        ]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def _conditions(records: list[dict[str, Any]], result: dict[str, Any], plan: Plan) -> list[str]:
    """The pre-registered conditions of docs/TINY-TRACK.md, measured on these runs
    (`experiments/tiny/conditions.py`)."""
    from experiments.tiny.diagnose import correct_per_prompt

    by_task = {}
    for task in plan.tasks:
        if not any(r["task"] == task for r in records):
            continue
        budgets = {
            m: (_steps(plan, task, m), _plateau(task, m))
            for m in plan.methods
            if _steps(plan, task, m) is not None and _plateau(task, m) is not None
        }
        by_task[task] = task_conditions(
            task, records, result[f"{plan.track}/{task}"], budgets, correct_per_prompt, plan.methods
        )
    return conditions_table(by_task)


def render(plan: Plan, judged: Judged, command: str) -> str:
    """The report, in Markdown, from the plan's kept records judged (`judge_plan`); `command`: the command line
    that rewrites it."""
    records, result, findings = judged.records, judged.analysis, judged.findings
    first = records[0]
    runs = runs_only(records)  # the runs made; `records` also holds their curve points read as runs
    pooled = findings["pooled"]
    law = pooled["forgetting_law"]
    lines = [
        "# Reproduction: RL's Razor on the tiny track (science, math, tool)",
        "",
        generated_line(f"{command} --report-only", records, __name__, sweep_design.THREADS),
        f"The runs: `{command} --jobs 2`, which runs those not kept yet and writes this file too.",
        "",
        kept_line(len(runs), len(plan_points(plan)), plan.records),
        "",
        "## Setup",
        "",
        f"- Base policy: the embedded tiny LM (`tasks/tiny/assets/tiny-lm`, sha256"
        f" `{first['base_model']['sha256'][:16]}…`); priors "
        + ", ".join(first["metrics"]["prior_scores"])
        + " (their mean drop is the forgetting).",
        f"- Grid: {_grid(plan)}; {plan.seeds} seeds (0–{plan.seeds - 1}); each method's other settings are its"
        " tiny-track defaults (`methods/<name>.yaml`)"
        + (f"; shared overrides `{' '.join(plan.common)}`" if plan.common else "")
        + ".",
        f"- Methods: {', '.join(f'`{m}`' for m in plan.methods)}; tasks: {', '.join(plan.tasks)}.",
        f"- {runs_line(records, plan.methods)}",
        *budget_table(plan, runs),
        "",
        "## Design check: the paper's conditions on each task",
        "",
        "The paper's comparison needs a new task with many correct answers that the base policy already solves in"
        " part (so that on-policy methods get a reward signal), SFT data that is one fixed choice among the correct"
        " answers, and priors that share parameters with it. From these runs:",
        "",
        *_conditions(records, result, plan),
        "",
        *_design_check(records, result, plan),
        "",
        "## Forgetting law, all tasks pooled",
        "",
        f"R² of forgetting against the forward KL (quadratic through 0) over all {len(records)} runs:"
        f" **{fmt(law['r2'])}** (target ≥ {law['target']}; the paper's {PAPER_LLM_R2} across its LLM runs):"
        f" **{law['verdict']}**. Forward KL the best predictor: **{pooled['best_predictor']['verdict']}**.",
        "",
        *fit_table(pooled["fits"], "paper (LLM runs)", {"forward_kl": PAPER_LLM_R2}),
        "",
        "## Summary per task",
        "",
        "| claim | " + " | ".join(findings["tasks"]) + " |",
        "|---|" + "---|" * len(findings["tasks"]),
    ]
    per_task = {t: named_claims(f, plan.methods) for t, f in findings["tasks"].items()}
    rows = {f"forgetting law (R² ≥ {plan.r2_target})": {t: f["forgetting_law"] for t, f in findings["tasks"].items()}}
    rows["forward KL best predictor"] = {t: f["best_predictor"] for t, f in findings["tasks"].items()}
    for claim in next(iter(per_task.values()), {}):
        rows[claim] = {t: c[claim] for t, c in per_task.items()}
    for claim, cells in rows.items():
        shown = []
        for t in findings["tasks"]:
            cell = cells[t]
            text = cell["verdict"]
            if "r2" in cell and isinstance(cell["r2"], float):
                text += f" (R² {cell['r2']:.2f})"
            elif "mean_gap" in cell:
                text += f" (gap {cell['mean_gap']:+.3f}, {sum(x > 0 for x in cell['signs'])}/{len(cell['signs'])} sig.)"
            shown.append(text)
        lines.append(f"| {claim} | " + " | ".join(shown) + " |")
    lines += [
        "",
        "\"gap\": mean forgetting of the second method minus the first's at matched accuracies (positive: the claim's"
        ' direction); "sig.": matched levels whose paired 95% interval of the gap lies above 0. '
        + rule_text(plan.levels, plan.min_overlap),
    ]
    for task, f in findings["tasks"].items():
        group = result[f"{plan.track}/{task}"]
        task_runs = [r for r in records if r["task"] == task]
        m0 = task_runs[0]["metrics"]
        base = ", ".join(f"{k} {v['base']:.3f}" for k, v in m0["prior_scores"].items())
        lines += [
            "",
            f"## {task}",
            "",
            f"Base new-task accuracy {m0['base_new_task_accuracy']:.3f} ({m0['n_new_task_prompts']} prompts); base"
            f" prior scores {base}. Forward KL on {m0['n_kl_prompts']} prompts.",
            "",
            *task_section(f, group, task_runs, plan.methods, "paper (LLM runs, pooled)", {"forward_kl": PAPER_LLM_R2}),
        ]
    lines += [
        "",
        "## Verdicts in one line each",
        "",
        f"- Forgetting law pooled: {law['verdict']} (R² = {fmt(law['r2'])}).",
    ]
    for task, f in findings["tasks"].items():
        claims = per_task[task]
        parts = [f"GRPO < SFT {verdict(claims['GRPO < SFT'])}"] if "GRPO < SFT" in claims else []
        if set(plan.offline) & set(plan.methods) and {"rl", "reinforce"} & set(plan.methods):
            parts.append(f"on-policy < offline {f['on_policy_vs_offline']['verdict']}")
        if "oracle SFT < GRPO" in claims:
            parts.append(f"oracle SFT < GRPO {verdict(claims['oracle SFT < GRPO'])}")
        lines.append(f"- {task}: " + "; ".join(parts) + ".")
    lines += ["", outputs_line("tiny"), ""]
    return "\n".join(lines)
