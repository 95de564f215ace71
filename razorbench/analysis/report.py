"""The pieces of a reproduction report every track's report is made of, in Markdown: the grid, the forgetting-law
table, the frontiers, the claims judged and each pair with its levels, the verdict rule in words, and the notes on
the data and on the law. Each piece is computed from the records and the analysis, never typed in (what a report
says of its records themselves: `razorbench.analysis.report_provenance`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from razorbench.analysis.reproduction import Plan, tied_with_forward_kl


def fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def r2_cell(fit: dict[str, Any]) -> str:
    if fit.get("r2") is None:
        return "n/a"
    return f"{fit['r2']:.3f} [{fmt(fit.get('r2_low'), 2)}, {fmt(fit.get('r2_high'), 2)}]"


def grid_text(plan: Plan) -> str:
    """The plan's grid in Markdown, with the values that only some methods add."""
    text = ", ".join(f"`{k}` ∈ {{{', '.join(v)}}}" for k, v in plan.grid.items())
    for method, extra in plan.method_grids.items():
        text += f" (`{method}` also " + ", ".join(f"`{k}` ∈ {{{', '.join(v)}}}" for k, v in extra.items()) + ")"
    return text


def fit_table(
    fits: dict[str, Any], reference: str, reference_r2: Mapping[str, float], unreported: str = "-"
) -> list[str]:
    """The forgetting-law fits, best quadratic R² first, beside published R² values: `reference` heads their
    column, `unreported` fills it for the predictors they do not cover."""
    lines = [
        f"| predictor | runs | R² linear [95% CI] | R² quadratic through 0 [95% CI] | {reference} |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(fits, key=lambda n: -(fits[n]["quadratic0"]["r2"] or -1.0)):
        f = fits[name]
        ref = fmt(reference_r2[name], 2) if name in reference_r2 else unreported
        lines.append(f"| {name} | {f['n']} | {r2_cell(f['linear'])} | {r2_cell(f['quadratic0'])} | {ref} |")
    return lines


def frontier_table(methods: dict[str, Any]) -> list[str]:
    """Each method's Pareto frontier (configurations averaged over seeds) from one `analyze` group."""
    lines = ["| method | runs | frontier (accuracy → prior score), mean over seeds |", "|---|---|---|"]
    for method, front in methods.items():
        n = sum(len(p["run_ids"]) for p in front["points"])
        points = ", ".join(f"{p['accuracy']:.3f} → {p['prior']:.3f}" for p in front["frontier"])
        lines.append(f"| {method} | {n} | {points} |")
    return lines


def outputs_line(track: str) -> str:
    """Where the analysis that is not kept goes (a constant: the report does not depend on the invocation)."""
    return (
        "`analysis.json`, `findings.json` and plots are written beside the runs, not kept"
        f" (`razorbench reproduce {track}`'s `--out`, default `runs/reproduce-{track}/analysis`)."
    )


def named_claims(task_findings: dict[str, Any], methods: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The matched-accuracy claims of one task's findings (`reproduction.judge`), by a short name: those whose two
    methods are both in the plan (a partial plan, `--methods`, reports only its own)."""
    named = {
        "GRPO < SFT": (("rl", "sft"), task_findings["rl_vs_sft"]),
        "oracle SFT < GRPO": (("oracle-sft", "rl"), task_findings["oracle_vs_rl"]),
    }
    for pair in task_findings["on_policy_vs_offline"]["pairs"]:
        a, b = pair["claim"].split(" forgets less than ")
        if (a, b) != ("rl", "sft"):  # that one is "GRPO < SFT"
            named[f"{a} < {b}"] = ((a, b), pair)
    kept = set(methods)
    return {name: pair for name, (both, pair) in named.items() if set(both) <= kept}


def rule_text(levels: int, min_overlap: float) -> str:
    """How every matched-accuracy claim is judged, in words (`razorbench.analysis.verdict`)."""
    return (
        "Each pair is compared where both Pareto frontiers (configurations averaged over seeds) exist, at"
        f" {levels} evenly spaced accuracies, each frontier read between its two measured points around the accuracy"
        " (linear interpolation). Forgetting = base prior score − frontier prior score. Each level's gap in retention"
        " has a paired 95% interval over seeds and items (`razorbench.analysis.difference`). The one verdict rule"
        " (`razorbench.analysis.verdict`): reproduced where the interval lies above 0 at at least half of the levels,"
        " reversed where it lies below 0 at at least half, a tie otherwise; not testable when the two frontiers share"
        f" less than {min_overlap} of accuracy (the pre-registered overlap)."
    )


def task_section(
    task_findings: dict[str, Any],
    group: dict[str, Any],
    runs: list[dict[str, Any]],
    methods: Iterable[str],
    reference: str,
    reference_r2: Mapping[str, float],
) -> list[str]:
    """One task's judged claims, as every reproduction report shows them: the forgetting law (its verdict, the fits
    beside the published R² of `reference`, the notes), what the offline methods trained on, each matched-accuracy
    claim of the plan's `methods` with its levels, and the frontiers. `group`: the task's `analyze` group; `runs`:
    its records; `task_findings`: its findings (`reproduction.judge_plan`)."""
    from razorbench.analysis.analyze import PREDICTORS

    law, fits = task_findings["forgetting_law"], group["fits"]
    lines = [
        "Forgetting law: R² of forgetting (mean prior drop) against the forward KL, quadratic through 0 (the paper's"
        f" form): **{fmt(law['r2'])}** (target ≥ {law['target']}): **{law['verdict']}**; forward KL the best"
        f" predictor: {task_findings['best_predictor']['verdict']}.",
        "",
        *fit_table(fits, reference, reference_r2),
    ]
    missing = [p for p in PREDICTORS if p not in fits]
    if missing:
        lines += ["", f"No fit (fewer than 3 runs report it): {', '.join(missing)}."]
    lines += law_notes(fits, runs)
    notes = data_notes(runs)
    lines += ["", *notes, *[""] * bool(notes), "Matched-accuracy comparisons:", ""]
    for name, pair in named_claims(task_findings, methods).items():
        lines += [f"**{name}**", "", *pair_table(pair), ""]
    return lines + frontier_table(group["methods"])


def verdict(pair: dict[str, Any]) -> str:
    """A pair's verdict with how many matched levels carry it (paired 95% intervals of the gap)."""
    if "signs" not in pair:
        return pair["verdict"]
    return f"{pair['verdict']}, mean gap {pair['mean_gap']:+.3f}, {pair['how']}"


def pair_table(pair: dict[str, Any]) -> list[str]:
    if pair["verdict"] == "not testable":
        return [f"- {pair['claim']}: **not testable** ({pair['note']})."]
    a, b = pair["forgetting"]
    lines = [
        f"- {pair['claim']}: **{pair['verdict']}**; mean forgetting gap {pair['mean_gap']:+.3f} "
        f"(positive: {a} forgets less), on accuracies {pair['levels'][0]:.3f}–{pair['levels'][-1]:.3f}.",
        "",
        f"  | new-task accuracy | forgetting {a} | forgetting {b} | gap | paired 95% interval of the gap |",
        "  |---|---|---|---|---|",
    ]
    for k, level in enumerate(pair["levels"]):
        low, high = pair["gap_interval"][k]
        shown = "–" if low is None or low != low else f"[{low:+.3f}, {high:+.3f}]"
        lines.append(
            f"  | {level:.3f} | {pair['forgetting'][a][k]:.3f} | {pair['forgetting'][b][k]:.3f} "
            f"| {pair['gap'][k]:+.3f} | {shown} |"
        )
    return lines


def data_notes(records: list[dict[str, Any]]) -> list[str]:
    """What the offline methods trained on, from their `method_stats` (the same draw for every run of a method)."""
    notes = []
    for method in ("oracle-sft", "simpo"):
        stats = next((r["method_stats"] for r in records if r["method"] == method), None)
        if not stats:
            continue
        if method == "oracle-sft" and stats.get("exact"):
            notes.append("- `oracle-sft` trained on the exact π*(y|x) ∝ π0(y|x)·1[y correct] (closed form).")
        elif method == "oracle-sft":
            notes.append(
                "- `oracle-sft` trained on rejection samples of π0 (k per prompt, the checked-correct kept):"
                f" acceptance rate {stats['acceptance_rate']:.3f}, {stats['prompts_skipped']} of {stats['prompts']}"
                " training prompts skipped (no correct sample); π* is approximated, not exact."
            )
        else:
            notes.append(
                f"- `simpo` trained on {stats['pairs']} pairs (reference label over a wrong π0 sample);"
                f" {stats['prompts_skipped']} prompts had no wrong sample."
            )
    return notes


def law_notes(fits: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """Is the forward KL distinguishable from the other predictors, where does the quadratic turn, and which
    methods lie off it (mean residual per method)."""
    law = fits.get("forward_kl", {}).get("quadratic0", {})
    if law.get("r2") is None:
        return []
    tied = tied_with_forward_kl(fits, records)
    notes = [""]
    if tied:
        notes.append(
            "Predictors these runs do not tell apart from the forward KL (the paired 95% interval of the difference"
            f" in R² includes 0): {', '.join(tied)}."
        )
    a, b = law["coefs"]
    kl = np.array([r["metrics"]["forward_kl"] for r in records])
    if b < 0 and -a / (2 * b) < kl.max():
        notes.append(
            f"The fitted quadratic ({a:.3f}·KL {b:+.4f}·KL²) peaks at KL = {-a / (2 * b):.1f} nats, inside the data"
            f" (up to {kl.max():.1f}): forgetting saturates there, at the prior score's floor, rather than growing."
        )
    notes += ["", "| method | runs | mean forgetting − fit(forward KL) |", "|---|---|---|"]
    for method in sorted({r["method"] for r in records}):
        rs = [r for r in records if r["method"] == method]
        residual = np.mean(
            [
                r["metrics"]["forgetting"] - (a * r["metrics"]["forward_kl"] + b * r["metrics"]["forward_kl"] ** 2)
                for r in rs
            ]
        )
        notes.append(f"| {method} | {len(rs)} | {residual:+.3f} |")
    return notes
