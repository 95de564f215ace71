"""`eval.prior_limits`: a size per prior, overriding `eval.prior_limit` for the priors it names."""

import hashlib
import json
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

from razorbench.api.registry import UnknownNameError
from razorbench.leaderboard.record_checks import comparable_settings
from razorbench.runner.evaluate import EvalSettings, base_cache_key, prior_scores
from razorbench.runner.run import resolve
from razorbench.util.errors import ConfigError, UsageError


def _settings(prior_limit=100, prior_limits=None) -> EvalSettings:
    return EvalSettings(10, 2, 5, prior_limit, 8, 4096, 24, 1.0, 1234, "hf", dict(prior_limits or {}))


def test_limit_for_is_the_smaller_of_the_two_caps():
    s = _settings(300, {"hellaswag": 150, "capitals": 0})
    assert s.limit_for("hellaswag") == 150
    assert s.limit_for("elements") == 300
    assert s.limit_for("capitals") == 300  # 0 = no cap of its own
    assert _settings(20, {"hellaswag": 150}).limit_for("hellaswag") == 20  # a smaller prior_limit shrinks every prior
    assert _settings(0, {"hellaswag": 150}).limit_for("hellaswag") == 150
    assert _settings(0).limit_for("elements") is None


class _Prior:
    """A prior that reports the limit it was scored with as its score."""

    kind = "prior"

    def __init__(self, name: str) -> None:
        self.name = name

    def score(self, policy, sampler, limit, batch_size):
        return SimpleNamespace(score=limit, per_example={}, skipped=0, truncated=0)


def test_prior_scores_passes_each_prior_its_own_limit():
    out = prior_scores(None, None, [_Prior("hellaswag"), _Prior("elements")], _settings(300, {"hellaswag": 150}))
    assert out["hellaswag"]["score"] == 150 and out["elements"]["score"] == 300


def test_config_reads_per_prior_limits_from_overrides():
    cfg = resolve("sft", "arith1-number", "smol", None, ["eval.prior_limits.elements=40"])[2]
    assert EvalSettings.from_config(cfg).limit_for("elements") == 40


@pytest.mark.parametrize(
    "override, error, needle",
    [
        ("eval.prior_limits.helaswag=5", UnknownNameError, "helaswag"),
        ("eval.prior_limits.arith1-number=5", UsageError, "arith1-number"),
        ("eval.prior_limits.elements=-1", ConfigError, "eval.prior_limits.elements"),
    ],
)
def test_bad_per_prior_limit_is_one_line_naming_it(override, error, needle):
    with pytest.raises(error) as info:
        resolve("sft", "arith1-number", "smol", None, [override])
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_cache_key_without_per_prior_limits_is_the_key_before_them():
    s = _settings()
    task = SimpleNamespace(name="math", version=1, config=OmegaConf.create({"data_dir": None}))
    fields = {k: v for k, v in s.__dict__.items() if k not in ("prior_limits", "drift_prompts")}
    spec = {
        "model": "abc",
        "task": ["math", 1],
        "task_config": {"data_dir": None},
        "priors": [],
        "settings": fields,
        "format": 1,
    }
    expected = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]
    assert base_cache_key("abc", task, [], s) == expected
    assert base_cache_key("abc", task, [], _settings(prior_limits={"hellaswag": 150})) != expected


def test_records_with_and_without_the_key_compare_when_no_prior_has_its_own_size():
    def record(eval_cfg):
        base = {"new_task_prompts": 10, "samples_per_prompt": 2, "kl_prompts": 5, "prior_limit": 100, "seed": 1}
        return {"config": {"eval": {**base, **eval_cfg}, "task": {"priors": ["elements"]}}}

    assert comparable_settings(record({})) == comparable_settings(record({"prior_limits": {}}))
    assert comparable_settings(record({})) != comparable_settings(record({"prior_limits": {"elements": 40}}))
