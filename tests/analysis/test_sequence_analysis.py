"""The sequence analysis on hand-made sequence records: forgetting rows and predictors read as defined, fits on
exact data, the on-policy advantage at matched accuracy recovered, stage runs kept out of single-run analyses."""

import json

import pytest

from razorbench.analysis.analyze import find_records
from razorbench.analysis.sequence import analyze_sequences, forgetting_rows, matched_advantage, stage_curves


def task_scores(accuracy, kl_base, forgetting=None, own=None):
    return {
        "accuracy": accuracy,
        "forward_kl_to_base": kl_base,
        "forgetting": forgetting,
        "accuracy_after_own_stage": own,
    }


def sequence(method, seed, scale=1.0, state="finished"):
    """science -> tool; stage 2 loses 0.1·scale on science. Priors: 1.0 at π0."""
    one = {
        "stage": 1,
        "task": "science",
        "tasks": {"science": task_scores(0.5, 1.0 * scale)},
        "prior_scores": {"a": {"base": 1.0, "final": 0.9}, "b": {"base": 1.0, "final": 1.0}},
        "prior_forgetting": 0.05 * scale,
        "cumulative_stage_kl": 1.0 * scale,
    }
    two = {
        "stage": 2,
        "task": "tool",
        "tasks": {
            "science": task_scores(0.5 - 0.1 * scale, 2.0 * scale, 0.1 * scale, 0.5),
            "tool": task_scores(0.6, 3.0 * scale),
        },
        "prior_scores": {"a": {"base": 1.0, "final": 0.8}, "b": {"base": 1.0, "final": 1.0}},
        "prior_forgetting": 0.1 * scale,
        "cumulative_stage_kl": 2.5 * scale,
    }
    final = {
        "mean_accuracy": (0.5 - 0.1 * scale + 0.6) / 2,
        "prior_forgetting": 0.1 * scale,
        "task_forgetting": 0.1 * scale,
    }
    return {
        "kind": "sequence",
        "state": state,
        "sequence_id": f"{method}-{seed}",
        "track": "tiny",
        "method": method,
        "seed": seed,
        "tasks": ["science", "tool"],
        "stages": [one, two] if state == "finished" else [one],
        "final": final if state == "finished" else None,
    }


def test_rows_read_each_capability_and_its_predictors():
    rows = forgetting_rows(sequence("rl", 0))
    [science] = rows["tasks"]  # only stage 2 has an earlier task
    assert (science["stage"], science["capability"], science["forgetting"]) == (2, "science", pytest.approx(0.1))
    assert science["kl_to_base_on_capability"] == 2.0 and science["kl_to_base_on_current"] == 3.0
    assert science["cumulative_stage_kl"] == 2.5
    assert [r["forgetting"] for r in rows["priors"]] == [0.05, 0.1]
    assert [r["kl_to_base_mean_seen"] for r in rows["priors"]] == [1.0, 2.5]  # mean of 2.0 and 3.0 at stage 2


def test_fits_on_exactly_linear_data_and_running_sequences_left_out():
    sequences = [sequence("rl", s, scale) for s, scale in enumerate((0.5, 1.0, 1.5, 2.0))] + [
        sequence("sft", 9, 1.0, "running")
    ]
    [group] = analyze_sequences(sequences, {"rl": True, "sft": False}).values()
    assert (group["n_sequences"], group["n_running"]) == (4, 1)
    fit = group["fits"]["earlier_tasks"]["kl_to_base_on_capability"]["linear"]
    assert fit["r2"] == pytest.approx(1.0)  # forgetting 0.1·s against KL 2·s: a line
    assert fit["coefs"] == pytest.approx([0.0, 0.05], abs=1e-12)
    assert group["on_policy_vs_offline"]["prior_forgetting"]["verdict"] == "not testable"  # no offline sequence


def test_matched_advantage_recovers_the_group_offset():
    accuracy = [0.2, 0.4, 0.6, 0.3, 0.5, 0.45]
    on = [False, False, False, True, True, True]
    forgetting = [0.1 + 0.2 * a - (0.03 if o else 0.0) for a, o in zip(accuracy, on, strict=True)]
    r = matched_advantage(accuracy, forgetting, on, n_boot=200)
    assert (
        r["advantage"] == pytest.approx(0.03) and r["low"] == pytest.approx(0.03) and r["high"] == pytest.approx(0.03)
    )
    assert r["verdict"] == "on-policy forgets less" and r["common_accuracy"] == [0.3, 0.5]
    apart = matched_advantage([0.1, 0.2, 0.7, 0.8], [0.1, 0.2, 0.1, 0.2], [False, False, True, True])
    assert apart["verdict"] == "not testable"


def test_stage_curves_average_over_seeds():
    curves = stage_curves([sequence("rl", 0, 1.0), sequence("rl", 1, 2.0)])["rl"]
    assert [p["value"] for p in curves["science"]] == pytest.approx([0.5, 0.35])
    assert [p["value"] for p in curves["tool"]] == pytest.approx([0.6])
    assert [p["value"] for p in curves["priors"]] == pytest.approx([0.95, 0.9])


def test_stage_records_are_left_out_of_single_run_analyses(tmp_path):
    folder = tmp_path / "seq"
    (folder / "stage-1-science").mkdir(parents=True)
    (folder / "sequence.yaml").write_text("method: rl\n")
    (folder / "stage-1-science" / "record.json").write_text(json.dumps({"run_id": "stage"}))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "record.json").write_text(json.dumps({"run_id": "plain"}))
    assert [r["run_id"] for r in find_records([tmp_path])] == ["plain"]
