"""docs/REPRODUCTION-smol.md from the smol claims sweep's records (`python -m experiments.smol.claims report`).

Every number is computed here from experiments/smol/claims/records/ with the library's analysis
(`razorbench.analysis.analyze`, `razorbench.analysis.reproduction`: the toy and tiny reports' code path), under the
pre-registration (docs/REPRODUCTION-smol-plan.md): the claims judged over all priors and per category, the design
conditions, the per-configuration table with paired intervals, and the machine time spent. No date is printed: the
same records give the same file (a test checks the doc against this rendering).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from razorbench.analysis.analyze import analyze, predictor_fits
from razorbench.analysis.difference import item_bootstrap_variance, paired_seed_difference
from razorbench.analysis.pairs import compare_pair
from razorbench.analysis.reproduction import best_predictor, law_verdict

from .claims_diagnosis import diagnosis
from .claims_plan import LRS, METHODS, ORDER, RECORDS, load_records, run_name

DOC = Path(__file__).resolve().parents[2] / "docs" / "REPRODUCTION-smol.md"
JOBS = RECORDS.parent / "jobs.json"
GENERATIVE = ("capitals", "elements")
LOG_LIKELIHOOD = ("hellaswag", "piqa", "sciq", "copa")
READINGS = {"all": GENERATIVE + LOG_LIKELIHOOD, "generative": GENERATIVE, "log-likelihood": LOG_LIKELIHOOD}
FAMILIES = {"SFT family (sft, oracle-sft)": ("sft", "oracle-sft"), "RL (rl)": ("rl",)}
LEVELS, MIN_OVERLAP, R2_TARGET = 5, 0.2, 0.7
PAPER = {"r2_forward_kl": 0.71}  # shared/PAPER.md: R² of the forward KL across the paper's LLM runs
DOCS = DOC.parent
OTHER_TRACKS = {"toy": DOCS / "REPRODUCTION.md", "tiny": DOCS / "REPRODUCTION-tiny.md"}
_LAW_R2 = re.compile(r"R² of forgetting[^\n]*?forward KL[^\n]*?\*\*(-?\d+\.\d+)\*\*")
_PROBLEM = re.compile(r"What is (\d+) ([+-]) (\d+)\?")


def restricted(record: dict[str, Any], priors: tuple[str, ...]) -> dict[str, Any]:
    """`record` as if only `priors` had been scored: prior scores, per-item results and forgetting recomputed."""
    out = copy.deepcopy(record)
    m = out["metrics"]
    m["prior_scores"] = {p: s for p, s in m["prior_scores"].items() if p in priors}
    m["forgetting_per_prior"] = {p: v for p, v in m["forgetting_per_prior"].items() if p in priors}
    m["forgetting"] = sum(m["forgetting_per_prior"].values()) / len(m["forgetting_per_prior"])
    out["per_example"]["priors"] = {p: v for p, v in out["per_example"]["priors"].items() if p in priors}
    return out


def twin_free(prompts: dict[str, str]) -> set[str]:
    """Held-out prompt ids whose commuted twin is not in the training split (SMOL-PRIORS.md 3.8): subtractions, a + a,
    and additions whose twin is held out too. `prompts`: id -> prompt of the held-out split."""
    from razorbench.api.registry import get_task

    train = {e.prompt for e in get_task("arith1-number", "smol")().examples("train")}
    out = set()
    for pid, prompt in prompts.items():
        a, op, b = _PROBLEM.match(prompt).groups()
        twin = prompt.replace(f"{a} + {b}", f"{b} + {a}")
        if op == "-" or a == b or twin not in train:
            out.add(pid)
    return out


def _held_out_prompts() -> dict[str, str]:
    from razorbench.api.registry import get_task

    return {e.id: e.prompt for e in get_task("arith1-number", "smol")().examples("eval")}


def forgetting_estimate(runs: list[dict[str, Any]]):
    """A configuration's forgetting over its seeds with a 95% interval over seeds and items
    (`razorbench.analysis.difference`: student t over seeds, the exact item bootstrap added)."""
    per_seed = {r["config"]["seed"]: r["metrics"]["forgetting"] for r in runs}
    by_prior: dict[str, list[float]] = {}
    for prior in runs[0]["per_example"]["priors"]:
        base = runs[0]["per_example"]["priors"][prior]["base"]
        for item in base:
            d = [
                r["per_example"]["priors"][prior]["base"][item] - r["per_example"]["priors"][prior]["final"][item]
                for r in runs
            ]
            by_prior.setdefault(prior, []).append(sum(d) / len(d))
    items = item_bootstrap_variance({p: np.array(v) for p, v in by_prior.items()})
    if len(runs) == 1:  # one seed: the item term alone, normal interval
        value, half = per_seed[next(iter(per_seed))], 1.96 * items**0.5
        return value, value - half, value + half
    e = paired_seed_difference(per_seed, dict.fromkeys(per_seed, 0.0), item_variance=items)
    return e.value, e.ci_low, e.ci_high


def _by_config(records: list[dict[str, Any]]) -> dict[tuple[str, float], list[dict[str, Any]]]:
    out: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault((r["method"], float(r["config"]["optim"]["lr"])), []).append(r)
    return out


def _cell(estimate: tuple[float, float, float]) -> str:
    value, low, high = estimate
    return f"{value:+.3f} [{low:+.3f}, {high:+.3f}]" if low == low else f"{value:+.3f}"


def configuration_table(records: list[dict[str, Any]], free: set[str]) -> list[str]:
    lines = [
        "| method | lr | seeds | accuracy | twin-free accuracy | forgetting, all [95%] | generative | log-likelihood "
        "| forward KL |",
        "|---|--:|--:|--:|--:|---|---|---|--:|",
    ]
    groups = _by_config(records)
    for method in METHODS:
        for lr in LRS[method]:
            runs = groups.get((method, lr))
            if not runs:
                continue
            acc = np.mean([r["metrics"]["new_task_accuracy"] for r in runs])
            free_acc = np.mean(
                [np.mean([v for k, v in r["per_example"]["new_task"]["final"].items() if k in free]) for r in runs]
            )
            cells = [_cell(forgetting_estimate([restricted(r, READINGS[k]) for r in runs])) for k in READINGS]
            kl = np.mean([r["metrics"]["forward_kl"] for r in runs])
            lines.append(
                f"| {method} | {lr:g} | {len(runs)} | {acc:.3f} | {free_acc:.3f} | {' | '.join(cells)} | {kl:.2f} |"
            )
    return lines


def per_prior_table(records: list[dict[str, Any]]) -> list[str]:
    priors = [p for p in READINGS["all"] if p in records[0]["metrics"]["prior_scores"]]
    lines = [
        "| method | lr | "
        + " | ".join(f"{p} (base {records[0]['metrics']['prior_scores'][p]['base']:.3f})" for p in priors)
        + " |",
        "|---|--:|" + "---|" * len(priors),
    ]
    groups = _by_config(records)
    for method in METHODS:
        for lr in LRS[method]:
            runs = groups.get((method, lr))
            if runs:
                cells = [_cell(forgetting_estimate([restricted(r, (p,)) for r in runs])) for p in priors]
                lines.append(f"| {method} | {lr:g} | " + " | ".join(cells) + " |")
    return lines


def claims_section(name: str, records: list[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    group = analyze(records, LEVELS)[f"smol/{records[0]['task']}"]
    frontiers = group["methods"]
    law = law_verdict(group["fits"].get("forward_kl", {}).get("quadratic0", {}).get("r2"), R2_TARGET)
    best = best_predictor(group["fits"], records)
    pairs = [
        compare_pair(frontiers, a, b, records, LEVELS, MIN_OVERLAP) for a, b in (("rl", "sft"), ("oracle-sft", "rl"))
    ]
    r2 = law["r2"]
    lines = [
        f"### Reading: {name} ({', '.join(READINGS[name])})",
        "",
        f"- **Forgetting law** (R² of forgetting against the forward KL, quadratic through 0, target ≥ {R2_TARGET}; "
        f"the paper's {PAPER['r2_forward_kl']}): R² = {'n/a' if r2 is None else f'{r2:.3f}'}: **{law['verdict']}**. "
        f"Best predictor: {best.get('best')}: **{best['verdict']}**.",
    ]
    for pair in pairs:
        detail = pair.get("how") or pair.get("note", "")
        overlap = f"; shared accuracy {pair['overlap']:.3f}" if "overlap" in pair else ""
        lines.append(f"- **{pair['claim']}** at matched accuracy: **{pair['verdict']}** ({detail}{overlap}).")
        if "levels" in pair:
            lines += [
                "",
                "  | accuracy | gap in retention (> 0: claim's favour) | 95% interval |",
                "  |--:|--:|---|",
                *[
                    f"  | {a:.3f} | {g:+.4f} | [{lo:+.4f}, {hi:+.4f}] |"
                    for a, g, (lo, hi) in zip(pair["levels"], pair["gap"], pair["gap_interval"], strict=True)
                ],
                "",
            ]
    lines.append("")
    return lines, {"law": law, "pairs": pairs, "group": group}


def fit_lines(records: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| predictor | " + " | ".join(["all runs", *FAMILIES]) + " |",
        "|---|" + "---|" * (1 + len(FAMILIES)),
    ]
    fits = {"all runs": predictor_fits(records)}
    for family, methods in FAMILIES.items():
        fits[family] = predictor_fits([r for r in records if r["method"] in methods])
    names = sorted(fits["all runs"], key=lambda n: -(fits["all runs"][n]["quadratic0"].get("r2") or -9))
    for name in names:
        cells = []
        for group in fits.values():
            f = group.get(name, {}).get("quadratic0", {})
            cells.append("n/a" if f.get("r2") is None else f"{f['r2']:.3f} [{f['r2_low']:.2f}, {f['r2_high']:.2f}]")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def conditions(records: list[dict[str, Any]], judged: dict[str, Any]) -> list[str]:
    lines = ["| condition | reading | result | met |", "|---|---|---|---|"]
    for name, result in judged.items():
        for pair in result["pairs"]:
            overlap = pair.get("overlap")
            shown = f"{overlap:.3f}" if overlap is not None else pair.get("note", "n/a")
            met = "yes" if overlap is not None and overlap >= MIN_OVERLAP else "no"
            lines.append(f"| frontier overlap ≥ {MIN_OVERLAP}: {pair['claim']} | {name} | {shown} | {met} |")
    aggressive = _by_config(records).get(("sft", max(LRS["sft"])))
    if aggressive:
        value, low, high = forgetting_estimate(aggressive)
        met = "yes" if low == low and low > 0 else "no"
        lines.append(
            f"| SFT at lr {max(LRS['sft']):g} forgets beyond its interval | all | "
            f"{value:+.3f} [{low:+.3f}, {high:+.3f}] ({len(aggressive)} seeds) | {met} |"
        )
    else:
        lines.append(f"| SFT at lr {max(LRS['sft']):g} forgets beyond its interval | all | not run yet | no |")
    base = records[0]["metrics"]["base_new_task_accuracy"]
    for method in METHODS:
        runs = [r for r in records if r["method"] == method]
        if runs:
            gain = max(r["metrics"]["new_task_accuracy"] for r in runs) - base
            lines.append(f"| {method} gains ≥ 0.15 accuracy | — | {gain:+.3f} | {'yes' if gain >= 0.15 else 'no'} |")
    return lines


def budget(records: list[dict[str, Any]]) -> list[str]:
    seconds = sum(r["provenance"]["wall_seconds"] for r in records)
    jobs = json.loads(JOBS.read_text()) if JOBS.exists() else []
    by_method = {m: [r["provenance"]["wall_seconds"] for r in records if r["method"] == m] for m in METHODS}
    means = ", ".join(f"{m} {np.mean(s) / 60:.1f} min" for m, s in by_method.items() if s)
    spans = ", ".join(f"{j['started']} to {j['ended']}, {j['runs']} runs" for j in jobs)
    return [
        f"Runs recorded: {len(records)} of {len(ORDER)}. Machine time in the recorded runs: {seconds / 3600:.2f} h "
        f"(mean a run: {means}); jobs so far: {len(jobs)} "
        f"({spans}).",
    ]


RENDERED_FROM = "Rendered from these records:"


def named_records(doc: str) -> set[str]:
    """The run names a rendered report lists as its records (its last line)."""
    line = next((x for x in doc.splitlines() if x.startswith(RENDERED_FROM)), None)
    if line is None:
        return set()
    return {n.strip(" `.") for n in line.removeprefix(RENDERED_FROM).split(",") if n.strip(" `.")}


def side_by_side(judged: dict[str, Any]) -> list[str]:
    """This track's forgetting law and claims beside the paper's (shared/PAPER.md) and the toy and tiny tracks' (the
    R² their reports print, read from them: rerunning those reports updates this table)."""
    others = {}
    for track, doc in OTHER_TRACKS.items():
        found = _LAW_R2.search(doc.read_text()) if doc.exists() else None
        others[track] = f"{found.group(1)} ([report]({doc.name}))" if found else "n/a"
    law = judged["all"]["law"]
    rl_sft, oracle_rl = judged["all"]["pairs"]
    smol_r2 = "n/a" if law["r2"] is None else f"{law['r2']:.3f}"
    return [
        "| | paper (Qwen2.5-3B, LLM runs) | toy | tiny | smol (this sweep, all priors) |",
        "|---|---|---|---|---|",
        f"| R² of forgetting on the forward KL (quadratic through 0) | {PAPER['r2_forward_kl']} (LLM runs; 0.96 on "
        f"its toy) | {others['toy']} | {others['tiny']} | {smol_r2} ({law['verdict']}) |",
        f"| RL forgets less than SFT at matched accuracy | yes (its central claim) | see its report | see its report "
        f"| {rl_sft['verdict']} |",
        f"| oracle-SFT forgets less than RL | yes (shown on its toy, in closed form) | see its report | see its report "
        f"| {oracle_rl['verdict']} |",
    ]


def render(only: set[str] | None = None) -> str:
    """The report from every committed record, or from the runs named in `only` (what a report says it was rendered
    from: the sweep commits records while it runs, so a report is checked against its own records)."""
    records = load_records()
    if only is not None:
        records = [r for r in records if r["run_id"] in only]
    lines = [
        "# Reproduction: RL's Razor on SmolLM2-135M-Instruct (the smol track)",
        "",
        "Generated by `python -m experiments.smol.claims report` from the committed records "
        "(experiments/smol/claims/records/) under the pre-registration [REPRODUCTION-smol-plan.md]"
        "(REPRODUCTION-smol-plan.md). Rerunning the command rewrites this file.",
        "",
    ]
    if not records:
        return "\n".join([*lines, "No run is recorded yet.", ""])
    done = {run_name(r["method"], float(r["config"]["optim"]["lr"]), r["config"]["seed"]) for r in records}
    missing = [run_name(*p) for p in ORDER if run_name(*p) not in done]
    if missing:
        lines += [
            f"**The sweep is not finished: {len(records)} of {len(ORDER)} runs recorded.** Every verdict below is "
            "read from the runs so far and will change as the sweep goes on; the pre-registered verdicts are those of "
            "the finished sweep.",
            "",
        ]
    free = twin_free(_held_out_prompts())
    lines += ["## Budget", "", *budget(records), "", "## Claims", ""]
    judged = {}
    for name in READINGS:
        section, judged[name] = claims_section(name, [restricted(r, READINGS[name]) for r in records])
        lines += section
    lines += ["## Side by side", "", *side_by_side(judged), ""]
    if any(pair["verdict"] == "not testable" for pair in judged["all"]["pairs"]):
        lines += ["## Diagnosis: why a claim at matched accuracy is not testable", ""]
        lines += [*diagnosis(records, METHODS, MIN_OVERLAP), ""]
    lines += [
        "## Forgetting law: R² (quadratic through 0) [95% interval], all priors",
        "",
        *fit_lines(records),
        "",
        "## Design conditions",
        "",
        *conditions(records, judged),
        "",
        f"## Configurations (mean over seeds; forgetting with its 95% interval over seeds and items; twin-free: "
        f"{len(free)} of the 55 held-out prompts)",
        "",
        *configuration_table(records, free),
        "",
        "## Forgetting per prior [95% interval over seeds and items]",
        "",
        *per_prior_table(records),
        "",
        RENDERED_FROM + " " + ", ".join(f"`{r['run_id']}`" for r in records) + ".",
        "",
    ]
    return "\n".join(lines)


def write_report() -> None:
    DOC.write_text(render())
    print(f"wrote {DOC}")
