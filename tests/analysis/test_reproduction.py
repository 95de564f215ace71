"""razorbench.analysis.reproduction (what every track's reproduction shares: verdicts, report tables) and the plan
its sweeps run from (razorbench.launch.plan), track-independent."""

import numpy as np
import pytest

from razorbench.analysis.analyze import predictor_fits
from razorbench.analysis.report import fit_table, frontier_table, grid_text, outputs_line
from razorbench.analysis.reproduction import Plan, best_predictor, law_verdict


def test_pooled_fit_is_exact_on_a_noiseless_quadratic_and_skips_absent_predictors():
    rng = np.random.default_rng(0)
    kl = rng.uniform(0.1, 5.0, size=12)
    records = [
        {"metrics": {"forward_kl": float(k), "reverse_kl": float(k) ** 0.5, "forgetting": 0.03 * k + 0.01 * k**2}}
        for k in kl
    ]
    fits = predictor_fits(records)
    assert set(fits) == {"forward_kl", "reverse_kl"}  # the others are not in these records
    assert fits["forward_kl"]["n"] == 12
    assert fits["forward_kl"]["quadratic0"]["r2"] == pytest.approx(1.0, abs=1e-9)
    assert fits["forward_kl"]["quadratic0"]["coefs"] == pytest.approx([0.03, 0.01], abs=1e-9)
    assert fits["reverse_kl"]["quadratic0"]["r2"] < 1.0


def _records(**predictors: np.ndarray) -> list[dict]:
    """Runs whose forgetting is a noisy square of a hidden x; each predictor is given as its values per run."""
    n = len(next(iter(predictors.values())))
    return [
        {"metrics": {"forgetting": float(FORGETTING[k]), **{p: float(v[k]) for p, v in predictors.items()}}}
        for k in range(n)
    ]


_RNG = np.random.default_rng(1)
HIDDEN = _RNG.uniform(0, 3, 30)
FORGETTING = HIDDEN**2 + _RNG.normal(0, 1.0, 30)
NEAR = HIDDEN + _RNG.normal(0, 0.3, 30)  # close to x: R² high, but below x's on (nearly) every resample
NOISE = _RNG.uniform(0, 3, 30)  # unrelated to forgetting


def test_best_predictor_verdicts_by_paired_r2_differences():
    records = _records(forward_kl=HIDDEN, reverse_kl=NOISE)
    out = best_predictor(predictor_fits(records), records)
    assert out["verdict"] == "reproduced" and out["best"] == "forward_kl"
    # A rival fitted on the same runs whose R² interval overlaps the forward KL's alone, but whose paired difference
    # excludes 0 (tests/analysis/test_predictor_difference.py shows the overlap on these data): still reproduced.
    records = _records(forward_kl=HIDDEN, reverse_kl=NEAR)
    assert best_predictor(predictor_fits(records), records)["verdict"] == "reproduced"
    # The same predictor twice is never told apart: a tie.
    records = _records(forward_kl=HIDDEN, reverse_kl=HIDDEN)
    out = best_predictor(predictor_fits(records), records)
    assert out["tied"] == ["reverse_kl"] and out["verdict"] == "tie (not told apart from reverse_kl)"
    # A rival that beats it with a paired interval excluding 0: not reproduced.
    records = _records(forward_kl=NEAR, weight_l2=HIDDEN)
    out = best_predictor(predictor_fits(records), records)
    assert out["best"] == "weight_l2" and out["verdict"] == "not reproduced (weight_l2 fits better)"
    # A sampled estimate of the forward KL is the forward KL, not a rival, however it fits.
    records = _records(forward_kl=NEAR, forward_kl_k1=HIDDEN, reverse_kl=NOISE)
    out = best_predictor(predictor_fits(records), records)
    assert out["best"] == "forward_kl_k1" and out["verdict"] == "reproduced" and "forward_kl_k1" not in out["tied"]
    records = _records(weight_l2=HIDDEN)
    assert best_predictor(predictor_fits(records), records)["verdict"] == "not testable"


def test_law_verdict_at_the_target_and_undefined():
    assert law_verdict(0.7, 0.7)["verdict"] == "reproduced"
    assert law_verdict(0.69, 0.7) == {"r2": 0.69, "target": 0.7, "verdict": "not reproduced"}
    assert law_verdict(None, 0.9)["verdict"] == "not testable"


def test_a_method_grid_adds_values_for_that_method_only():
    plan = Plan(
        methods={"sft": [], "rl": []},
        grid={"optim.lr": ["1e-4"]},
        seeds=1,
        track="t",
        tasks=("k",),
        method_grids={"sft": {"optim.lr": ["1e-5"], "trainer.max_steps": ["5"]}},
    )
    assert plan.grid_for("sft") == {"optim.lr": ["1e-5", "1e-4"], "trainer.max_steps": ["5"]}
    assert plan.grid_for("rl") == {"optim.lr": ["1e-4"]}
    assert grid_text(plan) == "`optim.lr` ∈ {1e-4} (`sft` also `optim.lr` ∈ {1e-5}, `trainer.max_steps` ∈ {5})"


def test_report_tables_are_pinned():
    fits = {
        "reverse_kl": {"n": 4, "linear": {"r2": 0.5, "r2_low": 0.2, "r2_high": 0.7}, "quadratic0": {"r2": None}},
        "forward_kl": {
            "n": 4,
            "linear": {"r2": 0.91234, "r2_low": 0.8, "r2_high": 0.95},
            "quadratic0": {"r2": 0.95, "r2_low": 0.9, "r2_high": 0.99},
        },
    }
    assert fit_table(fits, "paper (toy)", {"forward_kl": 0.96}, unreported="n/a") == [
        "| predictor | runs | R² linear [95% CI] | R² quadratic through 0 [95% CI] | paper (toy) |",
        "|---|---|---|---|---|",
        "| forward_kl | 4 | 0.912 [0.80, 0.95] | 0.950 [0.90, 0.99] | 0.96 |",
        "| reverse_kl | 4 | 0.500 [0.20, 0.70] | n/a | n/a |",
    ]
    assert fit_table(fits, "published", {})[3].endswith("| - |")
    methods = {
        "sft": {
            "points": [{"run_ids": ["a", "b"]}, {"run_ids": ["c"]}],
            "frontier": [{"accuracy": 0.25, "prior": 0.7}, {"accuracy": 0.5, "prior": 0.61234}],
        }
    }
    assert frontier_table(methods) == [
        "| method | runs | frontier (accuracy → prior score), mean over seeds |",
        "|---|---|---|",
        "| sft | 3 | 0.250 → 0.700, 0.500 → 0.612 |",
    ]
    assert outputs_line("toy") == (
        "`analysis.json`, `findings.json` and plots are written beside the runs, not kept"
        " (`razorbench reproduce toy`'s `--out`, default `runs/reproduce-toy/analysis`)."
    )


def test_on_policy_is_judged_against_the_offline_methods_a_plan_names():
    from razorbench.analysis.reproduction import judge

    # rl's frontier retains more than dpo's at every accuracy both reach (0.25-0.5) on every seed: one testable
    # pair, reproduced (its paired gap lies above 0 at every level); simpo has no runs, so its pairs are not testable.
    records = []

    def front(method: str, *points):
        frontier = []
        for i, (accuracy, prior) in enumerate(points):
            runs = [
                {
                    "run_id": f"{method}-{i}-{s}",
                    "method": method,
                    "config": {"seed": s},
                    "metrics": {"prior_scores": {"x": {"base": 1.0, "final": prior + 0.001 * s}}},
                }
                for s in range(3)
            ]
            records.extend(runs)
            ids = [r["run_id"] for r in runs]
            band = {"prior_low": prior, "prior_high": prior + 0.002, "seeds": 3}  # as frontier_points makes them
            frontier.append({"accuracy": accuracy, "prior": prior + 0.001, "run_ids": ids, **band})
        return {"frontier": frontier, "points": frontier}

    group = {
        "methods": {"rl": front("rl", (0.2, 0.99), (0.5, 0.95)), "dpo": front("dpo", (0.25, 0.9), (0.6, 0.8))},
        "fits": {},
    }
    default = judge(group, records, 3)["on_policy_vs_offline"]
    assert default["verdict"] == "not testable"
    on_off = {f"{a} forgets less than {b}" for a in ("rl", "reinforce") for b in ("sft", "simpo")}
    assert {p["claim"] for p in default["pairs"]} == on_off
    with_dpo = judge(group, records, 3, offline=("sft", "simpo", "dpo"))["on_policy_vs_offline"]
    assert with_dpo["verdict"] == "reproduced on the 1 testable pairs of 6"
    (pair,) = [p for p in with_dpo["pairs"] if p["verdict"] != "not testable"]
    assert pair["claim"] == "rl forgets less than dpo" and pair["mean_gap"] > 0 and pair["signs"] == [1, 1, 1]
    # The same frontiers sharing less than the pre-registered overlap are not judged.
    narrow = judge(group, records, 3, offline=("dpo",), min_overlap=0.3)["on_policy_vs_offline"]
    assert narrow["verdict"] == "not testable"


def test_a_plan_restricted_to_some_methods_keeps_their_settings_and_its_offline_arm_with_them():
    from razorbench.util.errors import ConfigError

    plan = Plan(
        methods={"sft": ["method.x=1"], "rl": [], "dpo": []},
        grid={},
        seeds=3,
        track="t",
        tasks=("a",),
        task_overrides={"a/rl": ["trainer.max_steps=9"]},
        offline=("sft", "dpo"),
    )
    part = plan.only(["rl", "dpo"])
    assert list(part.methods) == ["rl", "dpo"] and part.offline == ("dpo",) and part.seeds == 3
    assert part.overrides_for("rl", "a") == ["trainer.max_steps=9"]
    assert plan.only(None) is plan
    with pytest.raises(ConfigError, match="--methods: grpo not in this plan; valid: sft, rl, dpo"):
        plan.only(["grpo"])


def test_each_side_of_a_pair_reads_its_own_method_s_runs_when_run_ids_repeat_across_methods():
    """A sweep names a run by its grid point and seed, so rl's and dpo's runs of one point share a run id; the gap
    is still rl's retention minus dpo's: 0.09 at accuracy 0.2 rising linearly to 0.15 at 0.6 (worked by hand from
    the two frontiers; every seed adds the same 0.001·seed to both, so the interval has no width)."""
    from razorbench.analysis.pairs import compare_pair

    records, frontiers = [], {}
    for method, priors in (("rl", (0.99, 0.95)), ("dpo", (0.90, 0.80))):
        points = []
        for i, (accuracy, prior) in enumerate(zip((0.2, 0.6), priors, strict=True)):
            runs = [
                {
                    "run_id": f"point-{i}_seed-{s}",  # the same ids for both methods
                    "method": method,
                    "config": {"seed": s},
                    "metrics": {"prior_scores": {"x": {"base": 1.0, "final": prior + 0.001 * s}}},
                }
                for s in range(3)
            ]
            records += runs
            band = {"prior_low": prior, "prior_high": prior + 0.002, "seeds": 3}
            ids = [r["run_id"] for r in runs]
            points.append({"accuracy": accuracy, "prior": prior + 0.001, "run_ids": ids, **band})
        frontiers[method] = {"frontier": points, "points": points}
    pair = compare_pair(frontiers, "rl", "dpo", records, 5)
    assert pair["gap"] == pytest.approx([0.09, 0.105, 0.12, 0.135, 0.15])
    assert pair["signs"] == [1] * 5 and pair["verdict"] == "reproduced"
