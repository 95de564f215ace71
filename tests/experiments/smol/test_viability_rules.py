"""The smol viability rules of docs/SMOL-VIABILITY.md part 1 as code, and part 2 of the doc up to date with its
records (no model: the records are the measurement)."""

from __future__ import annotations

import json

from experiments.smol.viability_report import (
    PART2,
    prior_verdict,
    render,
    track_verdict,
    viable_priors,
)
from experiments.smol.viability_rules import DOC, base_verdict, paired, size_for


def _record(kind: str, low: float, high: float, chance: float) -> dict:
    return {"kind": kind, "ci": [low, high], "chance": chance}


def test_rule_n1_needs_the_interval_inside_the_band_and_above_chance():
    assert base_verdict(_record("new", 0.10, 0.60, 0.0))[0]
    assert not base_verdict(_record("new", 0.09, 0.30, 0.0))[0]
    assert not base_verdict(_record("new", 0.20, 0.61, 0.0))[0]
    assert not base_verdict(_record("new", 0.20, 0.40, 0.25))[0]  # inside the band, not above chance
    assert base_verdict(_record("new", 0.26, 0.40, 0.25))[0]


def test_rule_p1_needs_the_lower_end_five_points_above_chance():
    assert base_verdict(_record("prior", 0.30, 0.50, 0.25))[0]
    assert not base_verdict(_record("prior", 0.29, 0.50, 0.25))[0]


def test_the_track_rule_counts_viable_tasks_and_priors():
    task = {"arith": {"kind": "new", "ci": [0.2, 0.3], "chance": 0.0}}
    pilots = {
        "a": {"method": "sft", "task": "arith", "curve": [[0, 0.2]], "final": [9, 0.5], "base_accuracy": 0.2},
        "b": {"method": "rl", "task": "arith", "curve": [[0, 0.2]], "final": [9, 0.3], "base_accuracy": 0.2},
    }
    priors = {n: {"kind": "prior", "ci": [0.4, 0.6], "chance": 0.0} for n in ("capitals", "elements", "hellaswag")}
    precise = {n: {"paired_se": 0.02} for n in priors}
    rename = {"arith1-number": task["arith"]}
    pilots = {k: {**p, "task": "arith1-number"} for k, p in pilots.items()}
    assert "not met" in track_verdict({**rename, **priors}, pilots, precise, {})  # rl gained 0.10 < 0.15
    pilots["b"]["final"] = [9, 0.36]
    assert ": met" in track_verdict({**rename, **priors}, pilots, precise, {})
    assert "not met" in track_verdict(
        {**rename, **priors}, pilots, {**precise, "elements": {"paired_se": 0.021, "n": 100}}, {}
    )


def test_part_1d_sizes_by_the_projection_and_reads_both_rules_at_the_new_size():
    # SE ∝ 1/√n: 0.0201 at 100 items projects 101.0 -> 102 items, rounded up to a multiple of 50
    assert size_for(0.0201, 100) == 150 and size_for(0.02, 100) == 100 and size_for(0.051, 100) == 700
    base = {"hellaswag": {"kind": "prior", "ci": [0.36, 0.55], "chance": 0.25}}
    precision = {"hellaswag": {"paired_se": 0.0201, "n": 100}}
    assert prior_verdict("hellaswag", base, precision, {}).startswith("not decided")
    sized = {"measured": True, "n": 150, "kind": "prior", "ci": [0.38, 0.53], "chance": 0.25, "paired_se": 0.015}
    assert prior_verdict("hellaswag", base, precision, {"hellaswag": sized}) == "**viable** at 150 items"
    assert "SE 0.0210" in prior_verdict("hellaswag", base, precision, {"hellaswag": {**sized, "paired_se": 0.021}})
    assert "lower end" in prior_verdict("hellaswag", base, precision, {"hellaswag": {**sized, "ci": [0.29, 0.5]}})
    too_many = {"measured": False, "needed": 700, "limit": 118}
    assert "needs 700 items, more than 118" in prior_verdict("hellaswag", base, precision, {"hellaswag": too_many})


def test_part_1g_sizes_once_more_from_part_1d_and_its_verdict_is_final():
    # sciq's part 1d measurement: SE 0.0203 at 300 items projects 309.1 -> 350 items
    assert size_for(0.0203, 300) == 350
    base = {"sciq": {"kind": "prior", "ci": [0.62, 0.80], "chance": 0.25}}
    precision = {"sciq": {"paired_se": 0.0326, "n": 100}}
    sized = {
        "sciq": {"measured": True, "n": 300, "kind": "prior", "ci": [0.67, 0.77], "chance": 0.25, "paired_se": 0.0203}
    }
    assert prior_verdict("sciq", base, precision, sized) == "left out: paired SE 0.0203 > 0.02 at 300 items"
    again = {"measured": True, "n": 350, "kind": "prior", "ci": [0.68, 0.77], "chance": 0.25, "paired_se": 0.0188}
    verdict = prior_verdict("sciq", base, precision, sized, {"sciq": again})
    assert verdict == "**viable** at 350 items (part 1g, final)"
    assert viable_priors(base, precision, sized, {"sciq": again}) == ["sciq"]
    failed = prior_verdict("sciq", base, precision, sized, {"sciq": {**again, "paired_se": 0.0201}})
    assert failed == "left out: paired SE 0.0201 > 0.02 at 350 items (part 1g, final)"
    too_many = {"measured": False, "needed": 650, "limit": 600}
    assert "needs 650 items, more than 600 (part 1g)" in prior_verdict(
        "sciq", base, precision, sized, {"sciq": too_many}
    )
    # part 1g only follows a part 1d failure of P3: a prior viable at part 1d's size is not read again
    viable = {"sciq": {**sized["sciq"], "paired_se": 0.019}}
    assert (
        prior_verdict("sciq", base, precision, viable, {"sciq": {**again, "paired_se": 0.03}})
        == "**viable** at 300 items"
    )


def test_paired_standard_error_against_a_hand_computed_one():
    # differences 1, 0, 0, -1: mean 0, sample variance 2/3, SE sqrt(2/3)/2 = 0.40825; half the items changed
    out = paired({"a": 1, "b": 1, "c": 0, "d": 0}, {"a": 0, "b": 1, "c": 0, "d": 1, "e": 1})
    assert out["n"] == 4 and abs(out["paired_se"] - 0.408248) < 1e-6 and out["changed_share"] == 0.5


def test_part_two_of_the_doc_is_rendered_from_the_committed_records():
    text = DOC.read_text()
    assert PART2 in text
    assert text[text.index(PART2) :] == render(), "run python -m experiments.smol.viability_report"


def test_chance_levels_computed_from_the_documents_scored(tmp_path):
    from experiments.smol.viability_rules import prior_chance

    (tmp_path / "rte").mkdir()
    (tmp_path / "rte" / "validation.jsonl").write_text("".join(f'{{"label": {x}}}\n' for x in (0, 1, 1, 0, 0, 1, 1)))
    assert prior_chance(tmp_path, "rte", 4) == 0.5  # labels 0 1 1 0: either answer always scores half
    assert prior_chance(tmp_path, "rte", 7) == 4 / 7  # always "1" scores 4 of 7
    (tmp_path / "arc_easy").mkdir()
    rows = [{"choices": {"text": ["a"] * k}} for k in (4, 3, 5)]
    (tmp_path / "arc_easy" / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert abs(prior_chance(tmp_path, "arc_easy", 3) - (1 / 4 + 1 / 3 + 1 / 5) / 3) < 1e-12
    assert prior_chance(tmp_path, "piqa", 100) == 0.5
