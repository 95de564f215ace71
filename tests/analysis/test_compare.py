"""record_intervals and compare_records on synthetic records built as dicts (no model, no training)."""

import copy
import io
import json

import numpy as np
import pytest
from rich.console import Console

from razorbench.analysis.compare import compare_records, render_table
from razorbench.metrics.intervals import record_intervals
from razorbench.runner.record_schema import check_finite


def make_record(run_id, rng, *, new_task_p, forget_p, kl_scale, task="science", sha="base-sha", base=None):
    """A record whose final policy solves the new task's prompts with probability `new_task_p` (4 samples each),
    loses each right prior item with probability `forget_p`, and has exponential per-prompt KLs of mean
    `kl_scale`. `base` (the per-example base results) is shared between runs, as the base cache does."""
    if base is None:
        base = {
            "new_task": {f"q{i}": rng.binomial(4, 0.2) / 4 for i in range(60)},
            "priors": {
                name: {f"{name}-{i}": float(rng.binomial(1, 0.9)) for i in range(n)}
                for name, n in (("capitals", 66), ("arithmetic", 80))
            },
            "kl": rng.exponential(1.0, size=40),
        }
    priors = {
        name: {"base": scores, "final": {k: v * float(rng.binomial(1, 1 - forget_p)) for k, v in scores.items()}}
        for name, scores in base["priors"].items()
    }
    final_new = {k: rng.binomial(4, new_task_p) / 4 for k in base["new_task"]}
    kl = {f"q{i}": float(v * kl_scale) for i, v in enumerate(base["kl"])}
    prior_scores = {
        name: {"base": np.mean(list(s["base"].values())), "final": np.mean(list(s["final"].values())), "n": 0}
        for name, s in priors.items()
    }
    record = {
        "schema_version": 1,
        "run_id": run_id,
        "track": "tiny",
        "task": task,
        "method": run_id,
        "base_model": {"name": "razorbench-tiny-lm", "sha256": sha},
        "metrics": {
            "new_task_accuracy": float(np.mean(list(final_new.values()))),
            "base_new_task_accuracy": float(np.mean(list(base["new_task"].values()))),
            "prior_scores": prior_scores,
            "forgetting": float(np.mean([s["base"] - s["final"] for s in prior_scores.values()])),
            "forward_kl": float(np.mean(list(kl.values()))),
        },
        "per_example": {
            "new_task": {"base": base["new_task"], "final": final_new},
            "priors": priors,
            "forward_kl": kl,
        },
    }
    return record, base


@pytest.fixture(scope="module")
def runs():
    """A forgets a lot and learns a little; B learns more, forgets little and moves less (lower KL)."""
    rng = np.random.default_rng(0)
    a, base = make_record("a", rng, new_task_p=0.45, forget_p=0.4, kl_scale=1.0)
    b, _ = make_record("b", rng, new_task_p=0.8, forget_p=0.03, kl_scale=0.2, base=base)
    return a, b


def test_compare_finds_the_expected_signs_and_tests(runs):
    a, b = runs
    result = compare_records(a, b, seed=0, alpha=0.05, n_boot=500)
    new, capitals = result["benchmarks"]["new task"], result["benchmarks"]["prior: capitals"]
    assert new["value"] > 0 and new["ci_low"] > 0 and new["test"].startswith("sign-flip")
    assert capitals["value"] > 0 and capitals["test"].startswith("mcnemar")
    assert capitals["a_wrong_b_right"] > capitals["a_right_b_wrong"]
    for row in result["benchmarks"].values():
        assert row["p_holm"] >= row["p_value"] and row["significant"] and row["verdict"] == "B better"
    forgetting, kl = result["summary"]["forgetting"], result["summary"]["forward_kl"]
    assert forgetting["value"] < 0 and forgetting["ci_high"] < 0 and forgetting["verdict"] == "B better"
    assert forgetting["value"] == pytest.approx(b["metrics"]["forgetting"] - a["metrics"]["forgetting"])
    assert kl["value"] < 0 and kl["verdict"] == "B better"
    json.dumps(result, allow_nan=False)


def test_swapping_the_runs_negates_every_difference(runs):
    a, b = runs
    ab, ba = compare_records(a, b, seed=0, n_boot=200), compare_records(b, a, seed=0, n_boot=200)
    for section in ("benchmarks", "summary"):
        for name, row in ab[section].items():
            assert ba[section][name]["value"] == pytest.approx(-row["value"])
            assert ba[section][name]["verdict"] == "A better"


def test_a_run_compared_with_itself_shows_no_difference(runs):
    a, _ = runs
    result = compare_records(a, copy.deepcopy(a), seed=0, n_boot=200)
    for row in [*result["benchmarks"].values(), *result["summary"].values()]:
        assert row["value"] == 0 and row["ci_low"] <= 0 <= row["ci_high"]
        assert row["p_value"] == 1.0 and not row["significant"]
        assert row["verdict"] == "no significant difference"


@pytest.mark.parametrize(
    "field, value, needle",
    [("task", "math", "task differs (science vs math)"), ("track", "paper", "track differs")],
)
def test_compare_refuses_runs_on_different_tasks(runs, field, value, needle):
    a, b = runs
    other = {**b, field: value}
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(")", r"\)")) as error:
        compare_records(a, other)
    assert "\n" not in str(error.value)


def test_compare_refuses_runs_from_different_base_models(runs):
    a, b = runs
    with pytest.raises(ValueError, match="base model differs"):
        compare_records(a, {**b, "base_model": {"name": "other", "sha256": "other-sha"}})


def test_compare_refuses_records_without_per_example_results(runs):
    a, b = runs
    with pytest.raises(ValueError, match="per-example"):
        compare_records(a, {k: v for k, v in b.items() if k != "per_example"})


def test_priors_scored_by_one_run_only_are_listed_and_the_table_renders(runs):
    a, b = runs
    b = copy.deepcopy(b)
    del b["per_example"]["priors"]["arithmetic"]
    result = compare_records(a, b, seed=0, n_boot=200)
    assert list(result["benchmarks"]) == ["new task", "prior: capitals"]
    assert result["priors_not_compared"] == {"only_in_a": ["arithmetic"], "only_in_b": []}
    table = render_table(result)
    assert table.row_count == 4  # two benchmarks, mean forgetting, forward KL
    console = Console(file=io.StringIO(), width=240)
    console.print(table)
    text = console.file.getvalue()
    assert "B better" in text and "McNemar" in text and "not compared: arithmetic" in text


def test_record_intervals_cover_every_headline_number(runs):
    a, _ = runs
    u = record_intervals(a, n_boot=300, chance={"capitals": 0.25})
    m = a["metrics"]
    assert u["new_task_accuracy"]["final"]["value"] == pytest.approx(m["new_task_accuracy"])
    assert u["new_task_accuracy"]["final"]["method"] == "bootstrap percentile"  # per-prompt means of 4 samples
    for name, scores in m["prior_scores"].items():
        for side in ("base", "final"):
            e = u["prior_scores"][name][side]
            assert e["value"] == pytest.approx(scores[side]) and e["method"] == "wilson"
            assert e["ci_low"] <= e["value"] <= e["ci_high"]
        f = u["forgetting_per_prior"][name]
        assert f["value"] == pytest.approx(scores["base"] - scores["final"]) and f["ci_low"] > 0
        assert sum(f["transitions"].values()) == f["n"] and f["transitions"]["wrong_to_right"] == 0
        assert f["p_holm"] >= f["p_value"]
    assert u["forgetting"]["value"] == pytest.approx(m["forgetting"])
    assert u["forgetting"]["method"] == "paired bootstrap percentile, stratified"
    assert u["forgetting_per_prior"]["capitals"]["chance_adjusted"]["value"] == pytest.approx(
        u["forgetting_per_prior"]["capitals"]["value"] / 0.75
    )
    assert "forgetting_chance_adjusted" in u and "chance" not in u["forgetting_per_prior"]["arithmetic"]
    assert u["forward_kl"]["value"] == pytest.approx(m["forward_kl"])
    check_finite(u)
    json.dumps(u, allow_nan=False)
    assert record_intervals(a, n_boot=300, chance={"capitals": 0.25}) == u  # seeded


def test_record_intervals_of_a_model_that_did_not_change(runs):
    a, _ = runs
    same = copy.deepcopy(a)
    for sides in [same["per_example"]["new_task"], *same["per_example"]["priors"].values()]:
        sides["final"] = dict(sides["base"])
    same["per_example"]["forward_kl"] = {k: 0.0 for k in same["per_example"]["forward_kl"]}
    u = record_intervals(same, n_boot=200)
    for e in [u["forgetting"], u["new_task_accuracy"]["gain"], *u["forgetting_per_prior"].values()]:
        assert e["value"] == 0 and e["ci_low"] <= 0 <= e["ci_high"]
    assert u["forward_kl"]["method"] == "bootstrap percentile" and u["forward_kl"]["ci_high"] == 0


def test_record_intervals_refuse_unpaired_base_and_final(runs):
    a, _ = runs
    bad = copy.deepcopy(a)
    bad["per_example"]["priors"]["capitals"]["final"].pop("capitals-0")
    with pytest.raises(ValueError, match="prior capitals: the two sides score different examples"):
        record_intervals(bad)


@pytest.mark.parametrize(
    "samples, interval, test", [(1, "wilson", "mcnemar"), (4, "bootstrap percentile", "sign-flip")]
)
def test_new_task_items_are_0_1_only_at_one_sample_per_prompt(runs, samples, interval, test):
    # Per-prompt means that all happen to be 0 or 1 are still means when 4 samples were drawn per prompt.
    a, b = (copy.deepcopy(r) for r in runs)
    for r in (a, b):
        r["config"] = {"eval": {"samples_per_prompt": samples}}
        for side in ("base", "final"):
            r["per_example"]["new_task"][side] = {
                k: float(v >= 0.5) for k, v in r["per_example"]["new_task"][side].items()
            }
    assert record_intervals(a, n_boot=100)["new_task_accuracy"]["final"]["method"] == interval
    assert compare_records(a, b, n_boot=100)["benchmarks"]["new task"]["test"].startswith(test)
