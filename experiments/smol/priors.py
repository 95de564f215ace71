"""Part 3 of the smol track's viability study (docs/SMOL-PRIORS.md): P1 of the new generative priors and the
evaluation's sizes from measured seconds per item.

    python -m experiments.smol.priors measure --data-dir DATA   # the base model, alone on quiet cores (~10 min)
    python -m experiments.smol.priors sizes                     # the rule of 3.4, from the records
    python -m experiments.smol.priors report                    # the doc's measured part, from the records

`measure` keeps one compact record per measured thing in experiments/smol/priors/records/ (the per-item scores an
interval is computed from, the seconds) and skips what is recorded, so it resumes. `DATA` must hold every prior's
local copy (`python -m razorbench.tasks.smol.olmo_data --data-dir DATA --link ../shared/data`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from .viability_rules import interval

RECORDS = Path(__file__).parent / "priors" / "records"
DOC = Path(__file__).resolve().parents[2] / "docs" / "SMOL-PRIORS.md"
MEASURED = "## Measured"
NEW_TASK = "arith1-number"
GENERATIVE = ("capitals", "elements", "trivia_qa", "nq_open")
LOG_LIKELIHOOD = ("hellaswag", "piqa", "sciq", "copa")
PRIORS = (*GENERATIVE, *LOG_LIKELIHOOD)  # 3.2's candidates, in its order: each has its record
NEW_CANDIDATES = ("trivia_qa", "nq_open")  # P1 measured here; part 2's P1 stands for the others
TIMING_ITEMS = {"generative": 100, "log-likelihood": 40}  # 3.4: items scored to time each prior
BUDGET_SECONDS = 240.0
MARGIN = 0.9
DRIFT_PROMPTS = 8
SEED = 0


def category(prior: str) -> str:
    return "generative" if prior in GENERATIVE else "log-likelihood"


def _config(data_dir: Path) -> Any:
    from razorbench.runner.run import resolve

    return resolve("sft", NEW_TASK, "smol", None, [f"task.data_dir={data_dir}"])[2]


def measure(data_dir: Path) -> None:
    """t_new, t_kl and each prior's seconds per item on the base model (3.4), and P1 of the new candidates (3.3)."""
    import torch

    from razorbench.api.registry import get_task, get_track
    from razorbench.metrics.divergences import divergences
    from razorbench.runner.evaluate import EvalSettings, base_kl_samples, new_task_accuracy, prior_scores
    from razorbench.sampling import build_sampler

    RECORDS.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    cfg = _config(data_dir)
    settings = EvalSettings.from_config(cfg)
    policy = get_track("smol").load_policy("smollm2")
    policy.model.eval()
    sampler = build_sampler("hf", policy)
    task = get_task(NEW_TASK, "smol")(cfg.task)
    out = RECORDS / "phases.json"
    if not out.exists():
        start = time.time()
        accuracy = new_task_accuracy(sampler, task, settings)["accuracy"]
        t_new = time.time() - start
        samples = base_kl_samples(sampler, task, settings)
        start = time.time()
        with torch.no_grad():
            divergences(policy, policy, samples, settings)  # π0 against itself: the KL phase's work
        t_kl = time.time() - start
        phases = {"new_task_seconds": round(t_new, 2), "kl_seconds": round(t_kl, 2), "base_accuracy": accuracy}
        phases |= {"new_task_prompts": settings.new_task_prompts, "kl_prompts": len(samples)}
        out.write_text(json.dumps(phases) + "\n")
        print(f"new task {t_new:.1f} s (accuracy {accuracy:.3f}), kl {t_kl:.1f} s", flush=True)
    for name in PRIORS:
        out = RECORDS / f"{name}.json"
        if out.exists():
            continue
        prior = get_task(name, "smol")(cfg.task)
        n = TIMING_ITEMS[category(name)]
        timed = dataclasses.replace(settings, prior_limit=n, prior_limits={})
        start = time.time()
        per_item = prior_scores(policy, sampler, [prior], timed)[name]["per_example"]
        seconds = time.time() - start
        mean, low, high = interval(list(per_item.values()))
        record = {
            "name": name,
            "category": category(name),
            "n": len(per_item),
            "whole_set": len(prior.examples("eval")),
            "seconds": round(seconds, 2),
            "seconds_per_item": seconds / len(per_item),
            "score": mean,
            "ci": [low, high],
            "per_item": {k: round(v, 4) for k, v in per_item.items()},
        }
        out.write_text(json.dumps(record) + "\n")
        print(f"{name}: {mean:.3f} [{low:.3f}, {high:.3f}], n={len(per_item)}, {seconds:.1f} s", flush=True)


def load() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The phases' record and each measured prior's (`PRIORS`), by name in alphabetical order (the doc's table order).
    Only these are read: another file in the records folder is not a prior's record."""
    phases = _record("phases")
    return phases, {name: _record(name) for name in sorted(PRIORS)}


def _record(name: str) -> dict[str, Any]:
    path = RECORDS / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no record of {name!r} ({path}): the measured priors are {', '.join(PRIORS)}, with the phases' record; "
            "`python -m experiments.smol.priors measure --data-dir DATA` writes what is missing"
        )
    return json.loads(path.read_text())


def admitted(priors: dict[str, dict[str, Any]]) -> list[str]:
    """3.3: every candidate that passes P1 (the new ones: lower end ≥ chance 0 + 0.05; part 2's stand), in 3.2's
    order."""
    return [name for name in PRIORS if name in priors and (name not in NEW_CANDIDATES or priors[name]["ci"][0] >= 0.05)]


def water_fill(budget: float, cost_of_whole: dict[str, float]) -> dict[str, float]:
    """Seconds per prior: equal shares of `budget`, a prior whose whole set costs less capped there and the rest shared
    equally among the others, repeated until no prior is capped (3.4, step 2).

    >>> water_fill(90.0, {"a": 10.0, "b": 100.0, "c": 100.0})
    {'a': 10.0, 'b': 40.0, 'c': 40.0}
    """
    shares: dict[str, float] = {}
    left, open_ = budget, dict(cost_of_whole)
    while open_:
        share = left / len(open_)
        capped = {name: cost for name, cost in open_.items() if cost <= share}
        if not capped:
            shares.update({name: share for name in open_})
            break
        for name, cost in capped.items():
            shares[name] = cost
            left -= cost
            del open_[name]
    return {name: shares[name] for name in cost_of_whole}


def sizes(phases: dict[str, Any], priors: dict[str, dict[str, Any]]) -> dict[str, int]:
    """3.4: each admitted prior's evaluation size."""
    budget = MARGIN * (BUDGET_SECONDS - phases["new_task_seconds"] - phases["kl_seconds"])
    names = admitted(priors)
    whole = {n: priors[n]["whole_set"] * priors[n]["seconds_per_item"] for n in names}
    seconds = water_fill(budget, whole)
    out = {}
    for name in names:
        if seconds[name] >= whole[name]:  # step 2: capped at its whole set, which it gets
            out[name] = priors[name]["whole_set"]
            continue
        items = int(seconds[name] / priors[name]["seconds_per_item"]) // 10 * 10
        out[name] = min(priors[name]["whole_set"], max(10, items))
    return out


def render() -> str:
    phases, priors = load()
    budget = MARGIN * (BUDGET_SECONDS - phases["new_task_seconds"] - phases["kl_seconds"])
    chosen = sizes(phases, priors)
    lines = [
        MEASURED,
        "",
        "Generated by `python -m experiments.smol.priors report` from experiments/smol/priors/records/ (measured by",
        "`python -m experiments.smol.priors measure`, base model, float32, 2 threads).",
        "",
        f"Phases: new task ({phases['new_task_prompts']} prompts x 2 samples) {phases['new_task_seconds']:.1f} s "
        f"(base accuracy {phases['base_accuracy']:.3f}); KL on {phases['kl_prompts']} base samples "
        f"{phases['kl_seconds']:.1f} s. Prior budget B = {MARGIN} x (240 - {phases['new_task_seconds']:.1f} - "
        f"{phases['kl_seconds']:.1f}) = {budget:.1f} s.",
        "",
        "| prior | category | items timed | seconds | s / item | base score | 95% interval | P1 | whole set "
        "| size (3.4) | projected s |",
        "|---|---|--:|--:|--:|--:|---|---|--:|--:|--:|",
    ]
    for name, r in priors.items():
        if name in NEW_CANDIDATES:
            p1 = "pass" if r["ci"][0] >= 0.05 else f"fail (lower end {r['ci'][0]:.3f} < 0.05)"
        else:
            p1 = "pass (part 2)"
        size = chosen.get(name)
        # lm-eval tasks render at most LMEvalTask.max_examples (500) documents: their sets are larger than that
        whole = "≥ 500" if r["category"] == "log-likelihood" and r["whole_set"] >= 500 else str(r["whole_set"])
        projected = f"{size * r['seconds_per_item']:.1f}" if size else ""
        lines.append(
            f"| {name} | {r['category']} | {r['n']} | {r['seconds']:.1f} | {r['seconds_per_item']:.3f} | "
            f"{r['score']:.3f} | [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | {p1} | {whole} | "
            f"{size if size else 'left out'} | {projected} |"
        )
    total = sum(chosen[n] * priors[n]["seconds_per_item"] for n in chosen)
    lines += [
        "",
        f"Default priors: {', '.join(f'{n} {chosen[n]}' for n in chosen)}. Projected evaluation: "
        f"{phases['new_task_seconds']:.1f} + {total:.1f} + {phases['kl_seconds']:.1f} = "
        f"{phases['new_task_seconds'] + total + phases['kl_seconds']:.1f} s (target 240 s).",
        "",
        "The base scores here are from the first items only (the timing pass); P1 of capitals, elements and the",
        "log-likelihood priors is part 2's.",
        "",
    ]
    return "\n".join(lines)


def write_report() -> None:
    text = DOC.read_text()
    head = text.split(MEASURED)[0].rstrip("\n")
    DOC.write_text(f"{head}\n\n{render()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="experiments.smol.priors", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("measure", "sizes", "report"))
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.step == "measure":
        if args.data_dir is None or not args.data_dir.is_dir():
            parser.error(f"measure needs --data-dir DATA, a folder; got {args.data_dir}")
        measure(args.data_dir)
    elif args.step == "sizes":
        print(json.dumps(sizes(*load()), indent=1))
    else:
        write_report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
