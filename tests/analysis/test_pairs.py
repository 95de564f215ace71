"""`razorbench.analysis.pairs`: every pair of methods judged by the one rule, as `razorbench analyze` shows them, and
the same verdicts from `razorbench analyze` on the tiny reproduction's kept records as its report gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from razorbench.analysis.analyze import write
from razorbench.analysis.pairs import compare_methods
from razorbench.cli import main

ROOT = Path(__file__).resolve().parents[2]


def group_of(priors: dict[str, tuple[float, float]], seeds: int = 3, run_id: str = "point-{i}_seed-{s}"):
    """Two-point frontiers at accuracies 0.2 and 0.6 with the given mean prior scores; every seed adds 0.001·seed
    to both methods, so each level's paired gap has no spread. Returns (an `analyze` group, its records)."""
    records, methods = [], {}
    for method, scores in priors.items():
        points = []
        for i, (accuracy, prior) in enumerate(zip((0.2, 0.6), scores, strict=True)):
            runs = [
                {
                    "run_id": run_id.format(i=i, s=s),
                    "method": method,
                    "config": {"seed": s},
                    "metrics": {"prior_scores": {"x": {"base": 1.0, "final": prior + 0.001 * s}}},
                }
                for s in range(seeds)
            ]
            records += runs
            points.append({"accuracy": accuracy, "prior": prior, "run_ids": [r["run_id"] for r in runs]})
        methods[method] = {"frontier": points, "points": points}
    return {"methods": methods}, records


def test_every_pair_is_judged_in_name_order_by_the_one_rule():
    group, records = group_of({"sft": (0.90, 0.80), "rl": (0.99, 0.95), "dpo": (0.90, 0.80)})
    pairs = {p["claim"]: p for p in compare_methods(group, records, levels=5)}
    assert list(pairs) == [
        "dpo forgets less than rl",
        "dpo forgets less than sft",
        "rl forgets less than sft",
    ]
    # dpo's retention minus rl's: 0.90 − 0.99 at 0.2 to 0.80 − 0.95 at 0.6, linear between (by hand)
    assert pairs["dpo forgets less than rl"]["gap"] == pytest.approx([-0.09, -0.105, -0.12, -0.135, -0.15])
    assert pairs["dpo forgets less than rl"]["verdict"] == "reversed"  # rl forgets less
    assert pairs["rl forgets less than sft"]["verdict"] == "reproduced"
    assert pairs["dpo forgets less than sft"]["gap"] == pytest.approx([0.0] * 5)
    assert pairs["dpo forgets less than sft"]["verdict"] == "tie"


def test_one_seed_gives_no_interval_so_every_pair_is_a_tie(tmp_path):
    group, records = group_of({"rl": (0.99, 0.95), "sft": (0.90, 0.80)}, seeds=1)
    (pair,) = compare_methods(group, records)
    assert pair["mean_gap"] == pytest.approx(0.12) and pair["verdict"] == "tie"
    # analysis.json stays strict JSON: the missing interval is null, never NaN
    text = write({"t/k": {**group, "pairs": [pair]}}, tmp_path).read_text()
    assert "NaN" not in text and json.loads(text)["t/k"]["pairs"][0]["gap_interval"][0] == [None, None]


def test_runs_that_repeat_a_run_id_within_a_method_are_not_judged():
    group, records = group_of({"rl": (0.99, 0.95), "sft": (0.90, 0.80)}, run_id="seed-{s}")  # both points: seed-s
    (pair,) = compare_methods(group, records)
    assert pair["verdict"] == "not testable"
    assert "two runs share rl's run id 'seed-0': pass one sweep per method" in pair["note"]


def test_razorbench_analyze_on_the_kept_tiny_records_gives_the_reports_verdicts(tmp_path, capsys):
    # docs/REPRODUCTION-tiny.md, science: rl < sft reproduced (+0.043), rl < dpo-nll reproduced (+0.034),
    # oracle-sft < rl not testable; tool: rl < sft a tie.
    main(["analyze", str(ROOT / "experiments/tiny/reproduce/records"), "--out", str(tmp_path), "--no-plots"])
    assert "pairs at matched accuracy" in capsys.readouterr().out
    result = json.loads((tmp_path / "analysis.json").read_text())
    science = {p["claim"]: p for p in result["tiny/science"]["pairs"]}
    assert science["rl forgets less than sft"]["verdict"] == "reproduced"
    assert round(science["rl forgets less than sft"]["mean_gap"], 3) == 0.043
    assert science["dpo-nll forgets less than rl"]["verdict"] == "reversed"
    assert round(science["dpo-nll forgets less than rl"]["mean_gap"], 3) == -0.034
    assert science["oracle-sft forgets less than rl"]["verdict"] == "not testable"
    tool = {p["claim"]: p for p in result["tiny/tool"]["pairs"]}
    assert tool["rl forgets less than sft"]["verdict"] == "tie"
