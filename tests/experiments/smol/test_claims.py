"""The smol claims sweep: its fixed plan, its compact records, the readings, and the report against its records."""

from __future__ import annotations

import gzip
import json

import pytest

from experiments.smol import claims_plan as claims
from experiments.smol import claims_report, priors


def test_the_plan_is_36_distinct_runs_seed_major():
    assert len(claims.ORDER) == 36 == len({claims.run_name(*p) for p in claims.ORDER})
    seeds = [seed for _, _, seed in claims.ORDER]
    assert seeds == sorted(seeds)  # every method and rate at seed 0 before any run of seed 1
    assert [m for m, _, _ in claims.ORDER[:3]] == ["sft", "rl", "oracle-sft"]
    assert all(lr in claims.LRS[m] for m, lr, _ in claims.ORDER)


def test_a_compact_record_round_trips_and_is_the_same_bytes_each_time():
    record = {"metrics": {"forgetting": 0.123456789, "prior_scores": {"a": {"base": 1 / 3}}}, "run_id": "x"}
    packed = claims.compact(record)
    assert packed == claims.compact(record)
    assert json.loads(gzip.decompress(packed)) == {
        "metrics": {"forgetting": 0.123457, "prior_scores": {"a": {"base": 0.333333}}},
        "run_id": "x",
    }


def _record(forgetting_per_prior: dict[str, float]) -> dict:
    return {
        "metrics": {
            "prior_scores": {p: {"base": 0.5, "final": 0.5 - f} for p, f in forgetting_per_prior.items()},
            "forgetting_per_prior": dict(forgetting_per_prior),
            "forgetting": sum(forgetting_per_prior.values()) / len(forgetting_per_prior),
        },
        "per_example": {"priors": {p: {"base": {}, "final": {}} for p in forgetting_per_prior}},
    }


def test_a_reading_recomputes_forgetting_over_its_priors_only():
    record = _record({"capitals": 0.3, "elements": 0.1, "sciq": -0.1, "piqa": 0.0})
    generative = claims_report.restricted(record, claims_report.READINGS["generative"])
    assert generative["metrics"]["forgetting"] == pytest.approx(0.2)  # (0.3 + 0.1) / 2
    assert set(generative["per_example"]["priors"]) == {"capitals", "elements"}
    likelihood = claims_report.restricted(record, claims_report.READINGS["log-likelihood"])
    assert likelihood["metrics"]["forgetting"] == pytest.approx(-0.05)  # (-0.1 + 0.0) / 2
    assert record["metrics"]["forgetting"] == pytest.approx(0.075)  # the original is left alone


def test_twin_free_prompts_leave_out_additions_whose_twin_is_trained_on():
    held_out = claims_report._held_out_prompts()
    free = claims_report.twin_free(held_out)
    additions = [k for k, v in held_out.items() if "+" in v]
    assert len(held_out) == 55 and len(additions) == 30
    assert len(free) == 55 - 21  # the count: 21 of the 30 held-out additions have their twin in training


def test_equal_time_sizes_by_hand():
    # budget 0.9 * (240 - 20 - 10) = 189 s over three priors: "a" costs 30 s whole (capped, its whole set), the
    # other two share 159 s: 79.5 s each, 79.5 / 0.5 = 159 items -> 150, 79.5 / 0.25 = 318 -> 310.
    phases = {"new_task_seconds": 20.0, "kl_seconds": 10.0}
    records = {
        "capitals": {"whole_set": 100, "seconds_per_item": 0.3, "ci": [0.3, 0.5]},
        "hellaswag": {"whole_set": 500, "seconds_per_item": 0.5, "ci": [0.3, 0.5]},
        "piqa": {"whole_set": 500, "seconds_per_item": 0.25, "ci": [0.3, 0.5]},
        "trivia_qa": {"whole_set": 7000, "seconds_per_item": 0.2, "ci": [0.0, 0.04]},  # fails P1: left out
    }
    assert priors.sizes(phases, records) == {"capitals": 100, "hellaswag": 150, "piqa": 310}


def test_the_report_is_the_rendering_of_the_records_it_names():
    text = claims_report.DOC.read_text()
    named = claims_report.named_records(text)
    recorded = {r["run_id"] for r in claims.load_records()}
    assert named <= recorded, f"the report names runs with no committed record: {sorted(named - recorded)}"
    assert text == claims_report.render(only=named)


def test_the_tracks_default_priors_and_sizes_are_part_3s():
    """docs/SMOL-PRIORS.md 3.3-3.4: every admitted prior, in 3.2's order, at the size the rule gives from the
    measured seconds per item (P3 no longer selects: part 2's viable priors are a subset)."""
    from razorbench.runner.evaluate import EvalSettings
    from razorbench.runner.run import resolve

    phases, measured = priors.load()
    cfg = resolve("sft", "arith1-number", "smol", None, [])[2]
    assert list(cfg.task.priors) == priors.admitted(measured)
    assert list(cfg.task.priors) == ["capitals", "elements", "hellaswag", "piqa", "sciq", "copa"]
    settings = EvalSettings.from_config(cfg)
    assert {name: settings.limit_for(name) for name in cfg.task.priors} == priors.sizes(phases, measured)
    assert settings.drift_prompts == priors.DRIFT_PROMPTS


def test_the_priors_doc_measured_part_is_the_rendering_of_its_records():
    text = priors.DOC.read_text()
    assert text.endswith(priors.render())
    assert text.index("## Deviations") < text.index(priors.MEASURED)  # deviations come before the results
