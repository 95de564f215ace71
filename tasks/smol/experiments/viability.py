"""Which tasks and priors are viable on the smol track: the measurement that docs/SMOL-VIABILITY.md pre-registers.

    python -m razorbench.tasks.smol.experiments.viability base --data-dir ../shared/data      # every candidate's base
    python -m razorbench.tasks.smol.experiments.viability pilots --data-dir ../shared/data    # sft and rl pilots
    python -m razorbench.tasks.smol.experiments.viability precision --data-dir ../shared/data # rule P3
    python -m razorbench.tasks.smol.experiments.viability report                               # part 2 of the doc

Each step keeps compact records in docs/smol-viability/ (one JSON per candidate, pilot or check: the per-prompt and
per-document values an interval is computed from) and skips what is already recorded, so an interrupted step resumes
and `report` regenerates part 2 of the doc from the records alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

RECORDS = Path(__file__).resolve().parents[3] / "docs" / "smol-viability"
DOC = RECORDS.parent / "SMOL-VIABILITY.md"
NEW_TASKS = ("science", "math", "tool", "arith2", "arith3")
PRIORS = ("hellaswag", "truthfulqa_mc2", "mmlu", "winogrande", "ifeval", "humaneval", "capitals", "elements")
CHANCE = {
    "hellaswag": 0.25,
    "mmlu": 0.25,
    "winogrande": 0.5,
    "ifeval": 0.0,
    "humaneval": 0.0,
    "capitals": 0.0,
    "elements": 0.0,
}
PAPER_CAP, ARITH_CAP = 128, 32
BOOT, SEED = 2000, 0
PILOTS = {
    "sft": {"lrs": (3e-5, 1e-4), "steps": 100, "every": 25, "batch": 16},
    "rl": {"lrs": (1e-5, 3e-5), "steps": 40, "every": 10, "batch": 8},
}


def interval(values: list[float]) -> tuple[float, float, float]:
    """(mean, low, high): the mean and its 95% percentile-bootstrap interval (2,000 resamples, seed 0)."""
    from razorbench.metrics.stats import bootstrap_means, percentile_interval

    array = np.asarray(values, dtype=np.float64)
    low, high = percentile_interval(bootstrap_means(array, BOOT, np.random.default_rng(SEED)))
    return float(array.mean()), low, high


def truthfulqa_chance(data_dir: Path) -> float:
    """MC2 of a uniform distribution over the choices: the mean share of true answers (the first 300 questions)."""
    rows = [json.loads(line) for line in (data_dir / "truthfulqa_mc" / "validation.jsonl").open()][:300]
    return float(np.mean([sum(r["mc2_targets"]["labels"]) / len(r["mc2_targets"]["labels"]) for r in rows]))


def _config(task: str, data_dir: Path, extra: list[str]) -> Any:
    from razorbench.runner.run import resolve

    cap = ARITH_CAP if task.startswith("arith") else PAPER_CAP
    overrides = [f"task.data_dir={data_dir}", f"sampling.max_new_tokens={cap}", "task.priors=[]", *extra]
    return resolve("sft", task if task in NEW_TASKS else "arith2", "smol", None, overrides)[2]


def measure_base(data_dir: Path, only: list[str]) -> None:
    """Each candidate's base score with the track's settings, one record per candidate."""
    import torch

    from razorbench.api.registry import get_task, get_track
    from razorbench.runner.evaluate import EvalSettings, new_task_accuracy, prior_scores
    from razorbench.sampling import build_sampler

    (RECORDS / "base").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    policy = get_track("smol").load_policy("smollm2")
    sampler = build_sampler("hf", policy)
    for name in only or (*NEW_TASKS, *PRIORS):
        out = RECORDS / "base" / f"{name}.json"
        if out.exists():
            continue
        cfg = _config(name, data_dir, [])
        settings = EvalSettings.from_config(cfg)
        task = get_task(name, "smol")(cfg.task)
        start = time.time()
        if task.kind == "new":
            values = list(new_task_accuracy(sampler, task, settings)["per_prompt"].values())
            chance = getattr(task, "chance", None) or (0.25 if name == "science" else 0.0)
        else:
            values = list(prior_scores(policy, sampler, [task], settings)[name]["per_example"].values())
            chance = truthfulqa_chance(data_dir) if name == "truthfulqa_mc2" else CHANCE[name]
        mean, low, high = interval(values)
        record = {
            "name": name,
            "kind": task.kind,
            "n": len(values),
            "score": mean,
            "ci": [low, high],
            "chance": chance,
            "seconds": round(time.time() - start, 1),
            "settings": {
                "max_new_tokens": settings.max_new_tokens,
                "samples_per_prompt": settings.samples_per_prompt,
                "prior_limit": settings.prior_limit,
            },
            "values": [round(v, 4) for v in values],
        }
        out.write_text(json.dumps(record) + "\n")
        print(
            f"{name}: {mean:.3f} [{low:.3f}, {high:.3f}] (chance {chance:.3f}, n={len(values)}, {record['seconds']} s)",
            flush=True,
        )


def base_verdict(record: dict[str, Any]) -> tuple[bool, str]:
    """Rule N1 (new task) or P1 (prior) on a base record: (passes, the reason in words)."""
    low, high, chance = record["ci"][0], record["ci"][1], record["chance"]
    if record["kind"] == "new":
        inside = low >= 0.10 and high <= 0.60
        above = low > chance if chance else True
        if inside and above:
            return True, "interval inside [0.10, 0.60]" + (" and above chance" if chance else "")
        if not inside:
            return False, f"interval [{low:.3f}, {high:.3f}] not inside [0.10, 0.60]"
        return False, f"interval's lower end {low:.3f} not above chance {chance:.3f}"
    if low >= chance + 0.05:
        return True, f"lower end {low:.3f} ≥ chance + 0.05 = {chance + 0.05:.3f}"
    return False, f"lower end {low:.3f} < chance + 0.05 = {chance + 0.05:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="viability", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("base", "pilots", "precision", "report"))
    parser.add_argument("--data-dir", type=Path, default=None, help="local copy of the benchmark data")
    parser.add_argument("--only", default="", help="comma-separated candidates (default: all)")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    if args.step == "base":
        measure_base(args.data_dir.resolve(), only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
