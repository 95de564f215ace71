"""The rules and constants of docs/SMOL-VIABILITY.md as code: the candidates, chance levels, the pilots' grid and
the verdict arithmetic (intervals, rules N1/P1, part 1d's sizing, the paired standard error). No model is loaded
here: `viability` measures, `viability_report` renders, both from these."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "viability" / "records"  # one folder per step: base, pilots, precision, sized, resized
DOC = HERE.parents[1] / "docs" / "SMOL-VIABILITY.md"
NEW_TASKS = ("science", "math", "tool", "arith2", "arith3", "arith2-number", "arith1-number")
PRIORS = (
    "hellaswag",
    "truthfulqa_mc2",
    "mmlu",
    "winogrande",
    "ifeval",
    "humaneval",
    "capitals",
    "elements",
    # part 1e: SmolLM2's model-card benchmarks scored by log-likelihood
    "arc_easy",
    "arc_challenge",
    "piqa",
    "commonsense_qa",
    "openbookqa",
    # part 1f: the wheel's other log-likelihood benchmarks
    "sciq",
    "social_iqa",
    "copa",
    "cb",
    "rte",
    "mrpc",
    "sst2",
)
MAJORITY_CHANCE = ("cb", "rte", "mrpc", "sst2")  # classification: the most frequent label's share
CHANCE = {
    "hellaswag": 0.25,
    "mmlu": 0.25,
    "winogrande": 0.5,
    "ifeval": 0.0,
    "humaneval": 0.0,
    "capitals": 0.0,
    "elements": 0.0,
    "piqa": 0.5,
    "commonsense_qa": 0.2,
    "openbookqa": 0.25,
    "sciq": 0.25,
    "social_iqa": 1 / 3,
    "copa": 0.5,
}
SIZE_CAP, SIZE_STEP = 300, 50  # part 1d: a prior is sized up to part 1's 300 documents, in steps of 50
RESIZE_CAP = 600  # part 1g: sized once more from part 1d's spread, up to twice part 1's size
BOOT, SEED = 2000, 0
PILOTS = {
    "sft": {"lrs": (3e-5, 1e-4), "steps": 60, "every": 20, "batch": 16, "extra": []},
    "rl": {"lrs": (1e-5, 3e-5), "steps": 30, "every": 10, "batch": 8, "extra": ["method.group_size=4"]},
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


def choices_chance(data_dir: Path, name: str, n: int) -> float:
    """ARC's chance: the mean of 1 / number of choices over the first `n` documents (3 to 5 choices)."""
    rows = [json.loads(line) for line in (data_dir / name / "validation.jsonl").open()][:n]
    return float(np.mean([1 / len(r["choices"]["text"]) for r in rows]))


def majority_chance(data_dir: Path, name: str, n: int) -> float:
    """The share of the most frequent label among the first `n` documents: always answering it scores that."""
    labels = [json.loads(line)["label"] for line in (data_dir / name / "validation.jsonl").open()][:n]
    return max(labels.count(label) for label in set(labels)) / len(labels)


def prior_chance(data_dir: Path, name: str, n: int) -> float:
    if name == "truthfulqa_mc2":
        return truthfulqa_chance(data_dir)
    if name in MAJORITY_CHANCE:
        return majority_chance(data_dir, name, n)
    if name.startswith("arc_"):
        return choices_chance(data_dir, name, n)
    return CHANCE[name]


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


def pilot_name(method: str, lr: float) -> str:
    return f"{method}-lr{lr:g}"


def items_for_se(se: float, n: int, target: float = 0.02) -> int:
    """How many items a paired SE of `se` over `n` items would need to reach `target`, the per-item spread held
    fixed (SE ∝ 1/√n): a projection, not a measurement.

    >>> items_for_se(0.04, 100), items_for_se(0.02, 100)
    (400, 100)
    """
    return math.ceil(n * (se / target) ** 2 - 1e-9)


def size_for(se: float, n: int) -> int:
    """Part 1d's size for a prior whose P3 failed: the projection rounded up to a multiple of 50."""
    return math.ceil(items_for_se(se, n) / SIZE_STEP) * SIZE_STEP


def paired(base: dict[str, float], final: dict[str, float]) -> dict[str, Any]:
    """The paired standard error of forgetting (base minus final, per item) and the share of items that changed."""
    ids = [i for i in base if i in final]
    differences = np.array([base[i] - final[i] for i in ids])
    se = float(differences.std(ddof=1) / math.sqrt(len(ids)))
    return {"n": len(ids), "paired_se": se, "changed_share": float(np.mean(differences != 0))}
