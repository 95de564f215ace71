"""Every method end to end on the embedded tiny model with two steps: a full record, method stats, CLI errors.

One cache directory is shared by the module's runs, so the base evaluation and π0's offline draw are paid once.
"""

import json

import pytest

from razorbench.cli import main
from razorbench.runner.record_schema import checker_counts, validate_record
from razorbench.runner.run import train_and_evaluate

SMALL = [
    "trainer.max_steps=2",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
]

RUNS = {
    "reinforce": ["method.samples_per_prompt=2"],
    "simpo": ["method.samples_per_prompt=2"],
    "dpo": ["method.samples_per_prompt=2"],
    "dpo-nll": ["method.samples_per_prompt=2"],
    "oracle-sft": ["method.samples_per_prompt=2"],
    "sft": ["method.kl_coef=0.1", "method.kl_estimator=exact"],
    "rl": ["method.kl_coef=0.1", "method.kl_estimator=k3", "method.group_size=4", "data.batch_size=8"],
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("method", list(RUNS))
def test_method_runs_on_science_and_writes_a_full_record(method, cache_dir, tmp_path):
    overrides = SMALL + RUNS[method] + [f"output_dir={tmp_path}", f"cache_dir={cache_dir}", "run_id=r"]
    record, path = train_and_evaluate(method, "science", overrides=overrides, progress=False)
    validate_record(json.loads(path.read_text()))
    assert record["method"] == method and record["metrics"]["forward_kl"] > 0  # two steps moved the policy
    stats = record["method_stats"]
    if method in ("simpo", "dpo", "dpo-nll"):
        assert stats["pairs"] > 0 and stats["pairs"] + stats["prompts_skipped"] == 716
    if method == "oracle-sft":
        assert 0 < stats["acceptance_rate"] < 1 and stats["prompts"] == 716
    # Every response this run checked (its rewards, its evaluations, the tiny priors), each within a time bound.
    checker = checker_counts(record)["science"]
    assert checker["responses"] > 0 and checker["timeouts"] == checker["failures"] == 0
    assert checker["timeout_seconds"] == 1.0 and set(stats["checker"]) >= {"science", "arithmetic"}
    logged = (path.parent / "logs" / "attempt-0" / "metrics.csv").read_text().splitlines()[0]
    assert ("train/kl" in logged) == (method in ("sft", "rl"))


def test_an_unknown_kl_estimator_reaches_the_cli_as_one_line(cache_dir, tmp_path, capsys):
    argv = ["run", "--method", "sft", "--task", "science", "--output-dir", str(tmp_path), "--no-progress"]
    argv += SMALL + [f"cache_dir={cache_dir}", "method.kl_coef=0.1", "method.kl_estimator=k2"]
    assert main(argv) == 2  # in-process: the same handler as the installed script, without a second start-up
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "'method.kl_estimator' must be one of exact, k3; got 'k2'" in lines[0], lines
