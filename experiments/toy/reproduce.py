"""`razorbench reproduce toy`: RL's Razor's toy experiment (arXiv 2509.04259, ParityMNIST -> FashionMNIST): for each
method the grid `TOY.grid` (learning rate × steps) × `TOY.seeds` seeds on `parity-mnist` with the `fashion-mnist`
prior, then the analysis and the judged claims of `razorbench.analysis.reproduction`, written to
docs/REPRODUCTION.md. The forgetting law's target is the paper's toy R² (0.96), judged at ≥ 0.9.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from razorbench.analysis.analyze import PREDICTORS
from razorbench.analysis.report import (
    data_notes,
    fit_table,
    fmt,
    frontier_table,
    generated_line,
    grid_text,
    law_notes,
    outputs_line,
    pair_table,
    verdict,
)
from razorbench.analysis.reproduction import (
    Plan,
    analyze_sweeps,
    judge,
    tied_with_forward_kl,
    write_findings,
    write_report,
)
from razorbench.analysis.verdict import MIN_OVERLAP
from razorbench.launch.plan import run_sweeps

TASK = "parity-mnist"
KEY = f"toy/{TASK}"
PAPER_R2 = {"forward_kl": 0.96, "reverse_kl": 0.93, "total_variation_per_token": 0.80}  # PAPER.md, toy [notes]

# The paper sweeps 15 learning rates in [3e-6, 1e-3] x 2 schedulers x {1, 2} epochs (~500 runs per method); this
# grid keeps the range's upper decades, where the methods move, at two lengths (100 and 300 steps of 32 images,
# ~0.4 and ~1.1 passes over the ~8,500 training images), within a 20-minute budget on two CPU cores.
# The toy's frontiers live between the base's 0.87 and 1.0, so the rule's 0.2 of shared accuracy (MIN_OVERLAP, the
# one rule of razorbench.analysis.verdict) may not be met: a matched-accuracy claim is then "not testable", which is
# what the toy can say under the rule every track's report uses (issue 46 item 4; it judged on 0.01 before).
TOY_MIN_OVERLAP = MIN_OVERLAP
# The slow test's quick direction check (REDUCED, never a report) compares on any shared range of 0.01 or more.
SMOKE_MIN_OVERLAP = 0.01
TOY = Plan(
    methods={
        "sft": [],
        "rl": ["method.group_size=8"],
        "reinforce": ["method.samples_per_prompt=8"],
        "simpo": ["method.samples_per_prompt=16"],
        "oracle-sft": ["method.samples_per_prompt=16"],
    },
    grid={"optim.lr": ["1e-5", "3e-5", "1e-4", "3e-4", "1e-3"], "trainer.max_steps": ["100", "300"]},
    seeds=3,
    common=["data.batch_size=32"],
    track="toy",
    tasks=(TASK,),
    min_overlap=TOY_MIN_OVERLAP,
)
# A quick check of the headline claim (the slow test): GRPO against SFT on a small grid.
REDUCED = Plan(
    methods={"sft": [], "rl": ["method.group_size=8"]},
    grid={"optim.lr": ["3e-5", "3e-4", "1e-3"], "trainer.max_steps": ["100"]},
    seeds=2,
    common=["data.batch_size=32"],
    track="toy",
    tasks=(TASK,),
    min_overlap=SMOKE_MIN_OVERLAP,
)


def reproduce_toy(
    data_dir: str | None,
    out_dir: str | Path = "runs/reproduce-toy",
    doc: str | Path | None = "docs/REPRODUCTION.md",
    *,
    plan: Plan = TOY,
    threads: int = 1,
    log=print,
) -> dict[str, Any]:
    """Sweep, analyze, judge and write the report. Returns {"analysis", "findings", "seconds", "doc"}.

    `threads`: torch threads for the runs; one toy run is too small to gain from more, and on a shared machine
    two threads per process contend (the tests' conftest says the same of the tiny model).
    """
    out_dir = Path(out_dir)
    began = time.time()
    seconds = run_sweeps(plan, data_dir, out_dir, log, threads=threads)
    records, result, plots = analyze_sweeps(plan, out_dir)
    group = result[KEY]
    findings = judge(group, records, plan.levels, min_overlap=plan.min_overlap)
    write_findings(findings, out_dir)
    total = time.time() - began
    out = {"analysis": result, "findings": findings, "seconds": {"methods": seconds, "total": total}}
    out["doc"] = write_report(
        doc, lambda: render(plan, records, group, findings, out["seconds"], data_dir, out_dir, plots, threads), log
    )
    return out


def render(
    plan: Plan,
    records: list[dict[str, Any]],
    group: dict[str, Any],
    findings: dict[str, Any],
    seconds: dict[str, Any],
    data_dir: str | None,
    out_dir: Path,
    plots: list[Path],
    threads: int,
) -> str:
    """The report, in Markdown."""
    first = records[0]
    m0 = first["metrics"]
    base_prior = {name: s["base"] for name, s in m0["prior_scores"].items()}
    compute = sum(r["provenance"]["wall_seconds"] for r in records)
    command = "razorbench reproduce toy" + (f" --data-dir {data_dir}" if data_dir else "")
    law = findings["forgetting_law"]
    samples = first["config"]["eval"]["samples_per_prompt"]
    priors = ", ".join(f"{p['n']} {k} images" for k, p in m0["prior_scores"].items())
    methods = "; ".join(f"`{m}`" + (f" ({' '.join(o)})" if o else "") for m, o in plan.methods.items())
    per_method = ", ".join(
        f"{m} {sum(r['provenance']['wall_seconds'] for r in records if r['method'] == m) / 60:.1f} min"
        for m in plan.methods
    )
    lines = [
        "# Reproduction: RL's Razor, toy experiment (ParityMNIST → FashionMNIST)",
        "",
        generated_line(command, records, threads, __name__),
        "",
        "## Setup",
        "",
        f"- Base policy: the toy MLP 785→512→256→10 (`tasks/toy/assets/toy-mlp`, sha256"
        f" `{first['base_model']['sha256'][:16]}…`), pretrained jointly on ~500 MNIST images (a random label of the"
        " digit's parity) and ~500 Fashion-MNIST images (their class).",
        f"- Base scores: new-task accuracy {m0['base_new_task_accuracy']:.3f} (probability mass on labels of the right"
        " parity, sampled), " + ", ".join(f"{k} {v:.3f}" for k, v in base_prior.items()) + " (greedy accuracy).",
        f"- Evaluation: {m0['n_new_task_prompts']} held-out MNIST images ({samples} samples each), forward KL on"
        f" {m0['n_kl_prompts']} of them (exact over the 10 labels), {priors}.",
        f"- Grid: {grid_text(plan)}; {plan.seeds} seeds (0–{plan.seeds - 1});"
        f" shared overrides `{' '.join(plan.common) or '-'}`.",
        f"- Methods: {methods}.",
        f"- Runs: {len(records)}; {compute / 60:.1f} min summed over the runs' wall times ({per_method}); this"
        f" invocation took {seconds['total'] / 60:.1f} min (runs already on disk are reused, not rerun).",
        *data_notes(records),
        "",
        "## Forgetting law",
        "",
        f"R² of forgetting (mean prior drop) against the forward KL, quadratic through 0 (the paper's form):"
        f" **{fmt(law['r2'])}** (target ≥ {law['target']}, the paper's 0.96): **{law['verdict']}**.",
        "",
        *fit_table(group["fits"], "paper (toy)", PAPER_R2, unreported="n/a"),
    ]
    fits = group["fits"]
    missing = [p for p in PREDICTORS if p not in fits]
    if missing:
        lines += ["", f"No fit (fewer than 3 runs report it): {', '.join(missing)}."]
    lines += law_notes(fits, records)
    lines += [
        "",
        "Intervals: percentile bootstrap over runs. The paper's other alternatives on the toy (weight-space"
        " ≈ 0.34–0.58, activation change ≈ 0.52–0.55) are reported in PAPER.md from secondary notes.",
        "",
        "## Findings at matched new-task accuracy",
        "",
        "Each pair is compared where both Pareto frontiers (configurations averaged over seeds) exist, at 5 evenly"
        " spaced accuracies, by linear interpolation along each frontier. Forgetting = base prior score − frontier"
        " prior score. Each level's gap has a paired 95% interval over seeds (`razorbench.analysis.difference`); the"
        " verdict follows the one rule of `razorbench.analysis.verdict`: reproduced where the interval lies above 0 at"
        f" at least half of the levels, reversed where below, a tie otherwise; not testable under {plan.min_overlap}"
        " of shared accuracy range.",
        "",
        "### GRPO forgets less than SFT",
        "",
        *pair_table(findings["rl_vs_sft"]),
        "",
        "### On-policy (rl, reinforce) forgets less than offline (sft, simpo): "
        f"**{findings['on_policy_vs_offline']['verdict']}**",
        "",
    ]
    for pair in findings["on_policy_vs_offline"]["pairs"]:
        lines += [*pair_table(pair), ""]
    lines += ["### Oracle SFT forgets less than GRPO", "", *pair_table(findings["oracle_vs_rl"]), ""]
    lines += ["## Pareto frontiers", "", *frontier_table(group["methods"])]
    lines += [
        "",
        "## Summary",
        "",
        f"- Forgetting law (R² ≥ 0.9): {law['verdict']} (R² = {fmt(law['r2'])}); forward KL the best predictor:"
        + (
            f" not shown: the 95% intervals do not separate it from {', '.join(tied_with_forward_kl(fits))}."
            if tied_with_forward_kl(fits)
            else " yes, every other predictor's R² interval lies below its."
        ),
        f"- GRPO < SFT: {verdict(findings['rl_vs_sft'])}.",
        f"- On-policy < offline: {findings['on_policy_vs_offline']['verdict']} ("
        + "; ".join(
            f"{p['claim'].split(' forgets')[0]} vs {p['claim'].split()[-1]}: {verdict(p)}"
            for p in findings["on_policy_vs_offline"]["pairs"]
        )
        + ").",
        f"- Oracle SFT < GRPO: {verdict(findings['oracle_vs_rl'])}.",
        "",
        outputs_line(out_dir, plots),
        "",
    ]
    return "\n".join(lines)


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
    """The toy track's `reproduce` hook (`razorbench reproduce toy`); its runs take seconds, so one process."""
    if jobs != 1:
        from razorbench.util.errors import ConfigError

        raise ConfigError(f"--jobs {jobs}: the toy reproduction runs in one process; valid: 1")
    plan = (REDUCED if reduced else TOY).only(methods)
    return reproduce_toy(data_dir, out_dir, doc or "docs/REPRODUCTION.md", plan=plan, log=log)
