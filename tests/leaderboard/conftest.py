"""Fixtures of the leaderboard tests: records of the tiny track written as run folders, a protocol for them, a
submissions folder holding one valid submission, and four seeded submissions to rank and render."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from razorbench.leaderboard.protocol import Protocol, load_protocol
from razorbench.leaderboard.submission import make_submission, submission_path, write_submission

PRIORS = ("arithmetic", "capitals")
# The fixtures' protocol: their small evaluation, 3 seeds, the installed tiny track's task versions.
PROTOCOL_YAML = """\
version: 1
tracks:
  tiny:
    base_model: {name: razorbench-tiny-lm, sha256: %s}
    seeds: 3
    hardware: {device: [cpu], precision: [32-true]}
    tasks:
      science:
        task_versions: {science: 2, arithmetic: 2, capitals: 1}
        evaluation:
          eval.new_task_prompts: 10
          eval.samples_per_prompt: 2
          eval.kl_prompts: 10
          eval.prior_limit: 10
          eval.seed: 1
          sampling.temperature: 1.0
          sampling.max_new_tokens: 4
          task.priors: [arithmetic, capitals]
          task.data_dir: null
        targets: [0.4, 0.65, 0.9]
        grid:
          learning_rates: 2
          curve_points: 2
          own_rate_factors: [0.1, 1.0]
          default_steps: 10
          methods: {sft: {lr: [1.0e-4, 1.0e-3], steps: 10}}
""" % ("ab" * 32)


def write_protocol(leaderboard: Path) -> Protocol:
    """The fixtures' protocol as `leaderboard/protocol.yaml`, beside `leaderboard/submissions/`."""
    leaderboard.mkdir(parents=True, exist_ok=True)
    (leaderboard / "protocol.yaml").write_text(PROTOCOL_YAML)
    return load_protocol(leaderboard / "protocol.yaml")


def _make_record(
    run_id: str,
    *,
    acc: float,
    finals: tuple[float, float],
    kl: float,
    lr: float = 1e-3,
    seed: int = 0,
    method: str = "sft",
    track: str = "tiny",
    items: int = 10,
) -> dict:
    """A schema-valid record of the tiny track with base prior scores 0.8 and 1.0, on `items` items per prior."""
    scores = {p: {"base": b, "final": f, "n": items} for p, b, f in zip(PRIORS, (0.8, 1.0), finals, strict=True)}
    drops = {p: s["base"] - s["final"] for p, s in scores.items()}
    return {
        "schema_version": 1,
        "run_id": run_id,
        "track": track,
        "task": "science",
        "method": method,
        "base_model": {"name": "razorbench-tiny-lm", "sha256": "ab" * 32},
        "config": {
            "seed": seed,
            "run_id": run_id,
            "optim": {"lr": lr},
            "trainer": {"max_steps": 10, "precision": "32-true"},
            "curve": {"every": 5},
            "sampling": {"temperature": 1.0, "max_new_tokens": 4},
            "eval": {"new_task_prompts": 10, "samples_per_prompt": 2, "kl_prompts": 10, "prior_limit": 10, "seed": 1},
            "task": {"priors": list(PRIORS), "data_dir": None},
        },
        "metrics": {
            "new_task_accuracy": acc,
            "base_new_task_accuracy": 0.2,
            "prior_scores": scores,
            "forgetting_per_prior": drops,
            "forgetting": sum(drops.values()) / len(drops),
            "forward_kl": kl,
            "forward_kl_per_token": kl / 3,
        },
        "per_example": {"new_task": {"final": {"a": acc, "b": acc}}},
        "provenance": {"razorbench_version": "0.1.0", "device": "cpu"},
    }


def _write_runs(folder: Path, records: list[dict]) -> Path:
    for r in records:
        (folder / r["run_id"]).mkdir(parents=True, exist_ok=True)
        (folder / r["run_id"] / "record.json").write_text(json.dumps(r))
    return folder


def _sweep(folder: Path, points: list[tuple[float, float, tuple[float, float], float]], seeds: int = 1, **kw) -> Path:
    """Runs at (lr, acc, finals, kl) points; each seed shifts accuracy and retention a little."""
    records = [
        _make_record(f"lr-{lr}_seed-{s}", lr=lr, seed=s, acc=acc + 0.01 * s, finals=(f1 - 0.01 * s, f2), kl=kl, **kw)
        for lr, acc, (f1, f2), kl in points
        for s in range(seeds)
    ]
    return _write_runs(folder, records)


@pytest.fixture
def make_record() -> Callable[..., dict]:
    """`make_record(run_id, acc=, finals=, kl=, ...)`: a schema-valid record of the tiny track."""
    return _make_record


@pytest.fixture
def write_runs() -> Callable[[Path, list[dict]], Path]:
    """`write_runs(folder, records)`: each record as folder/<run_id>/record.json."""
    return _write_runs


@pytest.fixture
def sweep() -> Callable[..., Path]:
    """`sweep(folder, points, seeds=1, **record_kw)`: run folders at (lr, acc, finals, kl) points."""
    return _sweep


@pytest.fixture
def protocol(tmp_path: Path) -> Protocol:
    """The fixtures' protocol, written to tmp_path/leaderboard/protocol.yaml."""
    return write_protocol(tmp_path / "leaderboard")


@pytest.fixture
def submissions(tmp_path: Path, protocol: Protocol) -> Path:
    """A submissions folder holding one valid submission (3 seeds), tiny/science/good.json."""
    runs = _sweep(tmp_path / "runs", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)], seeds=3)
    sub = make_submission(
        [runs], "good", protocol=protocol, link="https://example.org/paper", authors="A. Author <a@example.org>"
    )
    root = tmp_path / "leaderboard" / "submissions"
    write_submission(sub, submission_path(root, sub))
    return root


@pytest.fixture
def seeded_submissions(tmp_path: Path, protocol: Protocol) -> Path:
    """Four seeded submissions: `far` retains much more than `near` and `mid`, which differ within the noise;
    `apart` reaches accuracies above every other's best (its frontier: the base, then 0.95). 100 000 items per prior,
    so that the items' term of an interval is small beside the seeds' spread, as on a board with large priors."""
    root = tmp_path / "leaderboard" / "submissions"
    specs = {
        "near": [(1e-4, 0.2, (0.70, 0.90), 0.5), (1e-3, 0.6, (0.60, 0.80), 2.0)],
        "mid": [(1e-4, 0.25, (0.70, 0.90), 0.4), (1e-3, 0.7, (0.60, 0.80), 1.5)],
        "far": [(1e-4, 0.3, (0.80, 1.00), 0.1), (1e-3, 0.8, (0.79, 0.99), 0.2)],
        "apart": [(1e-4, 0.95, (0.80, 1.00), 3.0), (1e-3, 0.96, (0.70, 0.90), 4.0)],  # above every other's best
    }
    for name, points in specs.items():
        method = "rl" if name == "far" else "sft"
        runs = _sweep(tmp_path / "runs" / name, points, seeds=3, method=method, items=100_000)
        authors = "<script>alert('x')</script> | *bold*" if name == "mid" else "someone"
        write_submission(
            make_submission([runs], name, protocol=protocol, authors=authors), root / f"tiny/science/{name}.json"
        )
    return root


def _forge_record(submission: dict, i: int) -> dict:
    """`submission` with record i alone forged consistently: its final prior scores (and every curve point's) set to
    the base's, forgetting 0. Validation cannot see it; re-executing record i can."""
    forged = copy.deepcopy(submission)
    r = forged["records"][i]
    for s in r["metrics"]["prior_scores"].values():
        s["final"] = s["base"]
    r["metrics"]["forgetting_per_prior"] = {name: 0.0 for name in r["metrics"]["prior_scores"]}
    r["metrics"]["forgetting"] = 0.0
    start = next(p for p in r["curve"] if p["step"] == 0)
    for p in r["curve"]:
        p["prior_scores"] = dict(start["prior_scores"])
        p["forgetting"] = 0.0
    return forged


@pytest.fixture
def forge_record() -> Callable[[dict, int], dict]:
    """`forge_record(submission, i)`: the submission with record i alone forged consistently."""
    return _forge_record
