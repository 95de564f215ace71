"""`Policy.head_on_targets_only` (`trainer.head_on_targets_only`): the LM head applied to a packed batch's response
targets alone gives the log-probabilities, mask, KL penalties and SFT gradients of the head over every position."""

import json

import pytest
import torch
from torch.testing import assert_close

from razorbench.api.policy import SequenceBatch
from razorbench.methods.sft import sft_loss
from razorbench.metrics.penalties import logprobs_and_kl
from razorbench.runner.run import train_and_evaluate
from razorbench.util.errors import ConfigError

SMALL = [  # tests/runner/test_run.py's small budgets
    "trainer.max_steps=2",
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
]


def packed(policy) -> SequenceBatch:
    """Prompts and answers of different lengths, one row padded past its answer."""
    prompts = [policy.prompt_ids(p) for p in ("ab", "abcdefg", "xyz")]
    return policy.pack(prompts, [policy.response_ids("x"), [5, 6, 7, 8], policy.response_ids("12")])


def both_ways(policy, compute):
    """`compute()` with the head over every position, then over the targets only."""
    policy.head_on_targets_only = False
    full = compute()
    policy.head_on_targets_only = True
    return full, compute()


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-6), (torch.float64, 0.0)])
def test_token_logprobs_and_kl_agree_with_the_head_over_every_position(policy_pair, dtype, tolerance):
    reference, policy = (p.to(dtype) for p in policy_pair)
    batch = packed(policy)
    (logp, mask), (logp_on, mask_on) = both_ways(policy, lambda: policy.token_logprobs(batch))
    assert_close(mask_on, mask, rtol=0, atol=0)
    assert_close(logp_on, logp * mask, rtol=0, atol=tolerance)
    assert (logp_on[mask == 0] == 0).all()
    for estimator in ("exact", "k3"):
        full, on = both_ways(policy, lambda e=estimator: logprobs_and_kl(policy, reference, batch, estimator=e))
        assert_close(on[1], full[1], rtol=0, atol=0)
        for got, expected in ((on[0], full[0]), (on[2], full[2])):  # logp, kl: equal where scored, 0 elsewhere
            assert_close(got, expected * full[1], rtol=0, atol=tolerance)


@pytest.mark.parametrize("beta", [0.0, 0.1])
def test_sft_gradients_agree_with_the_head_over_every_position(policy_pair, beta):
    reference, policy = policy_pair
    batch = packed(policy)

    def gradients():
        policy.zero_grad()
        logp, mask, kl = logprobs_and_kl(policy, reference if beta else None, batch, estimator="exact")
        sft_loss(logp, mask, kl, beta=beta).backward()
        return [p.grad.clone() for p in policy.model.parameters()]

    full, on = both_ways(policy, gradients)
    for got, expected in zip(on, full, strict=True):
        assert_close(got, expected, rtol=0, atol=1e-6)


def test_a_peft_wrapped_policy_runs_its_adapters(policy_pair):
    peft = pytest.importorskip("peft")
    _, policy = policy_pair
    # Random adapters (B ≠ 0), so that a forward which skipped them would differ.
    config = peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False, task_type="CAUSAL_LM")
    policy.model = peft.get_peft_model(policy.model, config)
    batch = packed(policy)
    (logp, mask), (logp_on, _) = both_ways(policy, lambda: policy.token_logprobs(batch))
    assert_close(logp_on, logp * mask, rtol=0, atol=1e-6)


def test_a_tiny_sft_run_trains_with_the_head_on_targets_and_records_it(tmp_path):
    places = [f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}", "run_id=targets"]
    overrides = [*SMALL, *places, "trainer.head_on_targets_only=true", "method.kl_coef=0.1"]
    record, path = train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    assert record["config"]["trainer"]["head_on_targets_only"] is True
    assert json.loads(path.read_text())["metrics"]["weight_l2"] > 0  # it trained


def test_a_sharded_strategy_is_refused_before_any_work(tmp_path):
    overrides = [*SMALL, f"output_dir={tmp_path}", "trainer.head_on_targets_only=true", "trainer.strategy=fsdp2"]
    with pytest.raises(ConfigError, match=r"^config key 'trainer.head_on_targets_only' needs an unsharded model"):
        train_and_evaluate("sft", "science", overrides=overrides, progress=False)
