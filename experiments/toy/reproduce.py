"""`razorbench reproduce toy`: RL's Razor's toy experiment (arXiv 2509.04259, ParityMNIST -> FashionMNIST): for each
method the grid `TOY.grid` (learning rate × steps) × `TOY.seeds` seeds on `parity-mnist` with the `fashion-mnist`
prior, each run's record kept in experiments/toy/reproduce/records/ as it ends (a rerun resumes from them), then
the analysis and the judged claims of `razorbench.analysis.reproduction`, from those kept records only, written to
docs/REPRODUCTION.md. The forgetting law's target is the paper's toy R² (0.96), judged at ≥ 0.9.

    razorbench reproduce toy --data-dir DIR      # the runs not kept yet, then the report
    razorbench reproduce toy --report-only       # the report from the kept records alone
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from razorbench.analysis.report import fmt, grid_text, named_claims, outputs_line, rule_text, task_section, verdict
from razorbench.analysis.report_provenance import generated_line, kept_line, runs_line
from razorbench.analysis.reproduction import Judged, Plan, judge_plan, report_plan
from razorbench.analysis.verdict import MIN_OVERLAP
from razorbench.launch.kept import load_kept, plan_points
from razorbench.launch.plan import Request, command_line, kept_beside, run_sweeps

TASK = "parity-mnist"
KEY = f"toy/{TASK}"
DOC = "docs/REPRODUCTION.md"
RECORDS = Path(__file__).parent / "reproduce" / "records"
# One toy run is too small to gain from more threads, and on a shared machine two threads per process contend (the
# tests' conftest says the same of the tiny model).
THREADS = 1
COMMAND = command_line("toy")
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
    records=RECORDS,
)
# A quick check of the headline claim (the slow test): GRPO against SFT on a small grid; its records are kept
# beside its runs, not in git.
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
    doc: str | Path | None = DOC,
    *,
    plan: Plan = TOY,
    report_only: bool = False,
    command: str = COMMAND,
    log=print,
) -> dict[str, Any]:
    """The runs of `plan` not kept yet (none with `report_only`), then its report from the kept records alone.
    `command`: the command the report names as the one that rewrites it. Returns {"analysis", "findings",
    "records", "doc"}."""
    out_dir = Path(out_dir)
    plan = kept_beside(plan, out_dir)
    if not report_only:
        run_sweeps(plan, data_dir, out_dir, log, threads=THREADS)
    return report_plan(plan, out_dir, doc, lambda judged: render(plan, judged, command), log)


def report_text(plan: Plan = TOY, command: str = COMMAND) -> str:
    """The report `plan`'s kept records give, written nowhere (what the doc must equal)."""
    return render(plan, judge_plan(plan, load_kept(plan, plan.records)), command)


def render(plan: Plan, judged: Judged, command: str = COMMAND) -> str:
    """The report, in Markdown, from the plan's kept records judged (`judge_plan`)."""
    records, findings = judged.records, judged.findings["tasks"][TASK]
    first = records[0]
    m0 = first["metrics"]
    base_prior = {name: s["base"] for name, s in m0["prior_scores"].items()}
    law = findings["forgetting_law"]
    samples = first["config"]["eval"]["samples_per_prompt"]
    priors = ", ".join(f"{p['n']} {k} images" for k, p in m0["prior_scores"].items())
    methods = "; ".join(f"`{m}`" + (f" ({' '.join(o)})" if o else "") for m, o in plan.methods.items())
    lines = [
        "# Reproduction: RL's Razor, toy experiment (ParityMNIST → FashionMNIST)",
        "",
        generated_line(f"{command} --report-only", records, __name__, THREADS),
        f"The runs: `{command} --data-dir DIR`, which runs those not kept yet and writes this file too.",
        "",
        kept_line(len(records), len(plan_points(plan)), plan.records),
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
        f"- {runs_line(records, plan.methods)}",
        "",
        "## How the claims are judged",
        "",
        "The forgetting law's target is R² ≥ 0.9, from the paper's 0.96 on this toy; its intervals are a percentile"
        " bootstrap over runs. The paper's other alternatives on the toy (weight-space ≈ 0.34–0.58, activation change"
        " ≈ 0.52–0.55) are reported in PAPER.md from secondary notes. " + rule_text(plan.levels, plan.min_overlap),
        "",
        f"## {TASK}",
        "",
        *task_section(findings, judged.analysis[KEY], records, plan.methods, "paper (toy)", PAPER_R2),
        "",
        "## Summary",
        "",
        f"- Forgetting law (R² ≥ {law['target']}): {law['verdict']} (R² = {fmt(law['r2'])}); forward KL the best"
        f" predictor: {findings['best_predictor']['verdict']}.",
        *(f"- {name}: {verdict(pair)}." for name, pair in named_claims(findings, plan.methods).items()),
    ]
    if {"rl", "reinforce"} & plan.methods.keys() and set(plan.offline) & plan.methods.keys():
        lines.append(f"- On-policy < offline, over its pairs: {findings['on_policy_vs_offline']['verdict']}.")
    lines += ["", outputs_line("toy"), ""]
    return "\n".join(lines)


def main(request: Request, log=print) -> dict[str, Any]:
    """The toy track's `reproduce` hook (`razorbench reproduce toy`); its runs take seconds, so one process."""
    if request.jobs != 1:
        from razorbench.util.errors import ConfigError

        raise ConfigError(f"--jobs {request.jobs}: the toy reproduction runs in one process; valid: 1")
    plan = request.plan_of(REDUCED if request.reduced else TOY)
    doc, command = request.doc or DOC, request.command("toy", plan, DOC)
    return reproduce_toy(
        request.data_dir, request.out_dir, doc, plan=plan, report_only=request.report_only, command=command, log=log
    )
