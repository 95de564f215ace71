"""What a reproduction's runs say: RL's Razor's claims judged from a plan's kept records, the steps every track's
reproduction shares after its runs (`razorbench reproduce toy|tiny`).

1. The sweeps ran (`razorbench.launch.plan.run_sweeps`: the plan's grid × seeds per task and method; resumable),
   each run's record kept compactly in the plan's `records` folder as it ended (`razorbench.launch.kept`). The
   report is made from those kept records only, never from the run folders, so that it can be made again
   without a run (`razorbench reproduce TRACK --report-only`).
2. Analyze (`razorbench.analysis.analyze.analyze`): Pareto frontiers, forgetting fitted against every predictor
   (R²), and methods compared at matched new-task accuracy on their frontiers.
3. Judge the paper's claims from those numbers, as they come out (no seed is picked, no run dropped), per task:
   - the forgetting law: R² of forgetting against the forward KL (quadratic through 0), and whether the forward KL
     is the best predictor (`best_predictor`); over several tasks also pooled over every run (the paper pools its
     LLM runs);
   - GRPO (`rl`) forgets less than `sft` at matched accuracy;
   - on-policy (`rl`, `reinforce`) forgets less than offline (`sft`, `simpo`; a plan may name more): every
     on/offline pair;
   - `oracle-sft` forgets less than `rl`.
   A pair is compared on the accuracy range where both frontiers exist (`pairs.compare_pair`, 5 levels): at each
   level the gap in retention with its paired 95% interval over seeds and items (`razorbench.analysis.difference`,
   the comparison the leaderboard ranks by), and the verdict by the one rule of `razorbench.analysis.verdict`:
   "reproduced" where the interval excludes 0 in the claim's favour at at least half of the levels, "reversed" the
   other way, "tie" otherwise, "not testable" when the shared range is narrower than the plan's pre-registered
   `min_overlap` (the rule's 0.2). The smol claims report judges its claims with the same functions.
4. Write `analysis.json`, `findings.json` and plots beside the runs, and the report: the repository's
   experiments `experiments/toy/reproduce.py` (ParityMNIST, docs/REPRODUCTION.md) and
   `experiments/tiny/reproduce.py` (the tiny LM, docs/REPRODUCTION-tiny.md).

This module holds the verdicts every track's reproduction shares (`judge_plan`: steps 2 and 3 for a whole plan;
a pair's comparison is `razorbench.analysis.pairs.compare_pair`);
`razorbench.analysis.report` the report pieces (forgetting-law, frontier and pair tables, notes) and
`razorbench.analysis.report_provenance` the lines a report states about its records; `razorbench.launch.plan`
runs the sweeps. A track's experiment keeps its plans and its own report sections.
Every number in a report is computed from the kept records: the same records give the same report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from razorbench.analysis.analyze import analyze, plot, predictor_fits, predictor_value, write
from razorbench.analysis.curve_points import with_curve_points
from razorbench.analysis.pairs import compare_pair
from razorbench.analysis.predictor_difference import paired_values, r2_difference
from razorbench.analysis.verdict import MIN_OVERLAP
from razorbench.launch.sweep_plan import SweepPlan

ON_POLICY, OFFLINE = ("rl", "reinforce"), ("sft", "simpo")


@dataclass(frozen=True)
class Plan(SweepPlan):
    """A reproduction's plan: the sweeps it runs (`razorbench.launch.sweep_plan.SweepPlan`: methods, grid, seeds, track,
    tasks) and how their claims are judged."""

    levels: int = 5  # matched-accuracy levels per compared pair
    r2_target: float = 0.9  # the forgetting law's R² target: each track sets it from the paper's R²
    offline: tuple[str, ...] = OFFLINE
    """The offline methods every on-policy method is compared with (the claim "on-policy < offline")."""
    curve_budgets: bool = False
    """Read each run's non-zero curve points as the runs stopped there (`razorbench.analysis.curve_points`):
    budgets of one run, measured at the cost of the longest."""
    min_overlap: float = MIN_OVERLAP
    """The pre-registered accuracy range two frontiers must share for a claim on them to be judged."""

    def only(self, methods: list[str] | None) -> Plan:
        """This plan restricted to `methods` (all of them when None), its offline arm with it: a part of a
        reproduction rerun or reported on its own (`razorbench reproduce TRACK --methods a,b`)."""
        part = super().only(methods)
        return part if part is self else replace(part, offline=tuple(m for m in self.offline if m in part.methods))


@dataclass(frozen=True)
class Judged:
    """A plan's kept records judged: the records analysed (with their curve points read as runs where the plan
    says so), the analysis per (track, task), and the findings: per task and, over all tasks, pooled."""

    records: list[dict[str, Any]]
    analysis: dict[str, Any]
    findings: dict[str, Any]


def judge_plan(plan: Plan, kept: list[dict[str, Any]]) -> Judged:
    """Steps 2 and 3 for every task of `plan` from its `kept` records (`razorbench.launch.kept.load_kept`):
    findings {"tasks": {task: claims of `judge` and the best predictor}, "pooled": the law over every run}."""
    records = [r for r in kept if r["task"] in plan.tasks and r["track"] == plan.track]
    if plan.curve_budgets:
        records = with_curve_points(records)
    result = analyze(records, levels=plan.levels)
    findings: dict[str, Any] = {"tasks": {}}
    for task in plan.tasks:
        group = result.get(f"{plan.track}/{task}")
        if group is None:
            continue
        runs = [r for r in records if r["task"] == task]
        findings["tasks"][task] = {
            **judge(group, runs, plan.levels, plan.r2_target, plan.offline, plan.min_overlap),
            "best_predictor": best_predictor(group["fits"], runs),
        }
    # The paper's LLM R² pools its runs: so does this fit, over every run of every task (one task: its own fits).
    groups = list(result.values())
    pooled = groups[0]["fits"] if len(groups) == 1 else predictor_fits(records)
    findings["pooled"] = {
        "fits": pooled,
        "forgetting_law": law_verdict(pooled.get("forward_kl", {}).get("quadratic0", {}).get("r2"), plan.r2_target),
        "best_predictor": best_predictor(pooled, records),  # one group: every record is in it
    }
    return Judged(records, result, findings)


def write_analysis(judged: Judged, out_dir: Path) -> list[Path]:
    """`analysis.json`, `findings.json` and the plots in `out_dir/analysis` (beside the runs, not kept): the plot
    paths."""
    write(judged.analysis, out_dir / "analysis")
    write_findings(judged.findings, out_dir)
    return plot(judged.analysis, judged.records, out_dir / "analysis")


def report_plan(
    plan: Plan, out_dir: Path, doc: str | Path | None, render: Callable[[Judged], str], log=print
) -> dict[str, Any]:
    """The report of `plan` from its kept records alone (`plan.records`): judged (`judge_plan`), the analysis
    written beside the runs (`write_analysis`), and `render(judged)` written to `doc`. Returns {"analysis",
    "findings", "records", "doc"}. No kept record is a one-line error."""
    from razorbench.launch.kept import load_kept
    from razorbench.util.errors import ConfigError

    kept = load_kept(plan, plan.records) if plan.records is not None else []
    if not kept:
        raise ConfigError(f"no run of this plan is kept in {plan.records}: run the plan first (without --report-only)")
    judged = judge_plan(plan, kept)
    plots = write_analysis(judged, out_dir)
    log(f"analysis and {len(plots)} plot files: {out_dir / 'analysis'}")
    out = {"analysis": judged.analysis, "findings": judged.findings, "records": judged.records}
    return {**out, "doc": write_report(doc, lambda: render(judged), log)}


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


def _is_forward_kl(name: str) -> bool:
    """The forward KL in any of its forms: exact per sequence or per token, or a sampled estimate of it (k1, k2,
    k3). The claim is that the forward KL predicts forgetting better than the *other* measures; an estimate of the
    same quantity is not a rival."""
    return name.startswith("forward_kl")


def forward_kl_differences(fits: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per rival predictor fitted in `fits`: R²(forward KL) − R²(rival), quadratic through 0, with its paired
    bootstrap interval over the runs of `records` that report both (`predictor_difference.r2_difference`)."""
    out = {}
    for name, f in fits.items():
        if _is_forward_kl(name) or f["quadratic0"].get("r2") is None:
            continue
        kl, rival, forgetting = paired_values(records, "forward_kl", name, predictor_value)
        if len(forgetting) >= 3:
            out[name] = r2_difference(kl, rival, forgetting, "quadratic0")
    return out


def tied_with_forward_kl(fits: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """Rival predictors the runs do not tell apart from the forward KL: the paired interval of the R² difference
    includes 0 (or could not be formed)."""
    return _tied(forward_kl_differences(fits, records))


def _tied(differences: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(name for name, d in differences.items() if d["low"] is None or d["low"] <= 0 <= d["high"])


def best_predictor(fits: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """Which predictor's quadratic fit has the highest R², and the claim that the forward KL predicts forgetting
    better than every other measure (a rival: not `_is_forward_kl`), judged by the verdict rule on paired intervals
    of the R² difference: "reproduced" where every rival's interval excludes 0 in the forward KL's favour, "not
    reproduced" where some rival's excludes 0 in its own, else "tie" (naming the rivals not told apart)."""
    scored = {n: f["quadratic0"]["r2"] for n, f in fits.items() if f["quadratic0"].get("r2") is not None}
    if "forward_kl" not in scored:
        return {"best": None, "verdict": "not testable", "tied": []}
    best = max(scored, key=scored.get)
    differences = forward_kl_differences(fits, records)
    better = sorted(n for n, d in differences.items() if d["high"] is not None and d["high"] < 0)
    tied = _tied(differences)  # the bootstrap once: not again through tied_with_forward_kl
    if better:
        verdict = f"not reproduced ({', '.join(better)} {'fits' if len(better) == 1 else 'fit'} better)"
    elif tied:
        verdict = "tie (not told apart from " + ", ".join(tied) + ")"
    else:
        verdict = "reproduced"
    return {"best": best, "r2": scored, "verdict": verdict, "tied": tied, "better": better}
