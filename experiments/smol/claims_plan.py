"""The smol claims sweep's fixed plan (docs/REPRODUCTION-smol-plan.md, pre-registered) and its compact records: what
the sweep (`experiments.smol.claims`) runs and the report (`experiments.smol.claims_report`) reads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

# The compact format every experiment keeps its records in (re-exported: the sweep and its tests use it from here).
from razorbench.util.compact_record import compact as compact

RECORDS = Path(__file__).parent / "claims" / "records"
TASK = "arith1-number"
TRACK = "smol"
METHODS = ("sft", "rl", "oracle-sft")
# Pre-registered (docs/REPRODUCTION-smol-plan.md): each method's rates, lowest first, around its pilot rate.
LRS = {
    "sft": (1e-5, 3e-5, 1e-4, 3e-4),
    "rl": (3e-6, 1e-5, 3e-5, 1e-4),
    "oracle-sft": (1e-5, 3e-5, 1e-4, 3e-4),
}
SEEDS = (0, 1, 2)
# Every run is the track's default run of its method (tasks/smol/*.yaml, methods/) but for these: its rate and seed,
# no resume checkpoints (a job's end loses the run in flight anyway), and the model kept (later analyses of a run's
# checkpoint, such as SciQ's acc against acc_norm, need it).
COMMON = ("trainer.checkpoint_every=1000000", "save_model=true")


def run_name(method: str, lr: float, seed: int) -> str:
    return f"{method}_lr-{lr:g}_seed-{seed}"


# Seed-major, then rate rank, then method: a job that stops early leaves every method and rate at the first seeds.
ORDER = tuple((method, LRS[method][rank], seed) for seed in SEEDS for rank in range(4) for method in METHODS)


def record_path(method: str, lr: float, seed: int, records: Path = RECORDS) -> Path:
    return records / method / f"{run_name(method, lr, seed)}.json.gz"


def load_records() -> list[dict[str, Any]]:
    """Every committed record of the sweep, in the plan's order."""
    return [
        json.loads(gzip.decompress(record_path(*point).read_bytes())) for point in ORDER if record_path(*point).exists()
    ]
