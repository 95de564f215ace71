"""`eval.drift_prompts`: representation drift on the first prompts of each prior, batched by length."""

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task
from razorbench.runner.evaluate import EvalSettings, drift
from razorbench.runner.run import resolve
from razorbench.tasks.tiny import MODEL_DIR
from razorbench.util.errors import ConfigError

PRIORS = ["arithmetic", "capitals"]


def _settings(prior_limit: int, batch_size: int, drift_prompts: int = 0) -> EvalSettings:
    return EvalSettings(10, 2, 5, prior_limit, batch_size, 4096, 8, 1.0, 0, "hf", {}, drift_prompts)


def test_drift_limit_is_the_smallest_cap():
    s = EvalSettings(10, 2, 5, 300, 8, 4096, 8, 1.0, 0, "hf", {"hellaswag": 150}, 50)
    assert s.drift_limit_for("hellaswag") == 50
    assert s.drift_limit_for("piqa") == 50
    assert EvalSettings(10, 2, 5, 300, 8, 4096, 8, 1.0, 0, "hf", {"hellaswag": 150}).drift_limit_for("hellaswag") == 150
    assert EvalSettings(10, 2, 5, 20, 8, 4096, 8, 1.0, 0, "hf", {}, 50).drift_limit_for("piqa") == 20
    assert EvalSettings(10, 2, 5, 0, 8, 4096, 8, 1.0, 0, "hf", {}, 0).drift_limit_for("piqa") is None


@pytest.fixture(scope="module")
def pair() -> tuple[Policy, Policy]:
    """The tiny model and a copy whose first layer's MLP output is scaled: representations that moved."""
    base = Policy.load(str(MODEL_DIR))
    tuned = base.frozen_copy()
    with torch.no_grad():
        tuned.model.model.layers[0].mlp.down_proj.weight.mul_(1.5)
    return base, tuned


def test_length_sorted_batches_give_the_one_batch_result(pair):
    """CKA pairs rows of base and tuned states: sorting the prompts into batches must keep the pairing."""
    priors = [get_task(name, "tiny")() for name in PRIORS]
    one_batch = drift(*pair, priors, _settings(40, 1000))["representation_cka"]
    small_batches = drift(*pair, priors, _settings(40, 3))["representation_cka"]
    assert 0 < one_batch < 1
    assert small_batches == pytest.approx(one_batch, abs=1e-6)


def test_drift_prompts_takes_the_first_of_each_prior(pair):
    priors = [get_task(name, "tiny")() for name in PRIORS]
    capped = drift(*pair, priors, _settings(40, 16, drift_prompts=12))["representation_cka"]
    assert capped == pytest.approx(drift(*pair, priors, _settings(12, 16))["representation_cka"], abs=1e-6)
    assert capped != pytest.approx(drift(*pair, priors, _settings(40, 16))["representation_cka"], abs=1e-6)


def test_negative_drift_prompts_is_one_line_naming_it():
    with pytest.raises(ConfigError) as info:
        resolve("sft", "science", "tiny", None, ["eval.drift_prompts=-1"])
    assert "eval.drift_prompts" in str(info.value) and "\n" not in str(info.value)
