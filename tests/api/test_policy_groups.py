"""Groups of responses to one prompt run the prompt once (`Policy.pack_groups`, `Policy.prompt_cache`): the same
log-probabilities, gradients and samples as one full prompt+response row per sample."""

import pytest
import torch
from torch.testing import assert_close

from razorbench.api.policy import GroupBatch, Policy, SequenceBatch
from razorbench.metrics.penalties import logprobs_and_kl
from razorbench.sampling.hf import HFSampler
from razorbench.tasks.tiny.pretrain import build_model

PROMPTS = ["element numbered 12 to 18", "element in period 3", "element between Ne and Ar"]


def random_policy(tokenizer, seed: int) -> Policy:
    return Policy(build_model(len(tokenizer), seed).eval(), tokenizer, name=f"random-{seed}")


class Unshared(Policy):
    """The same policy without prompt sharing: one full row per sample, as before."""

    @property
    def shares_prompts(self) -> bool:
        return False


def _unshared(policy: Policy) -> Unshared:
    return Unshared(policy.model, policy.tokenizer, policy.name, policy.sha256)


def _group_rows(policy: Policy, group: int, seed: int = 0):
    samples = HFSampler(policy).generate(PROMPTS, n=group, max_new_tokens=6, seed=seed)
    return samples.prompt_ids[::group], samples.response_ids


def _response_logps(logp: torch.Tensor, prompt_ids, response_ids, group: int) -> list[torch.Tensor]:
    """Per sample, the log-probabilities of its response tokens out of a (B, T-1) full-row result."""
    return [
        logp[i, len(prompt_ids[i // group]) - 1 : len(prompt_ids[i // group]) - 1 + len(r)]
        for i, r in enumerate(response_ids)
    ]


def test_group_batch_gives_the_full_rows_logprobs_and_gradients(tokenizer):
    policy, group = random_policy(tokenizer, 0), 3
    policy.model.train()
    prompt_ids, response_ids = _group_rows(policy, group)
    assert len({len(r) for r in response_ids}) > 1  # ragged responses: the padding is exercised

    grouped = policy.pack_groups(prompt_ids, response_ids, group)
    assert isinstance(grouped, GroupBatch) and grouped.prompt_ids.shape[0] == len(PROMPTS)
    weights = torch.linspace(-1, 1, len(response_ids))
    logp, mask = policy.token_logprobs(grouped)
    (-(logp * mask * weights[:, None]).sum()).backward()
    grads = [p.grad.clone() for p in policy.model.parameters()]
    policy.model.zero_grad()

    full = policy.pack([p for p in prompt_ids for _ in range(group)], response_ids)
    full_logp, full_mask = policy.token_logprobs(full)
    (-(full_logp * full_mask * weights[:, None]).sum()).backward()

    expected = _response_logps(full_logp.detach(), prompt_ids, response_ids, group)
    for i, r in enumerate(response_ids):
        assert mask[i].sum() == len(r)
        assert_close(logp[i, : len(r)].detach(), expected[i], rtol=0, atol=1e-4)
    for p, g in zip(policy.model.parameters(), grads, strict=True):
        assert_close(g, p.grad, rtol=1e-3, atol=1e-5)


def test_group_batch_kl_against_an_identical_reference_is_zero(tokenizer):
    policy, group = random_policy(tokenizer, 0), 2
    prompt_ids, response_ids = _group_rows(policy, group)
    batch = policy.pack_groups(prompt_ids, response_ids, group)
    for estimator in ("exact", "k3"):
        _, mask, kl = logprobs_and_kl(policy, policy.frozen_copy(), batch, estimator=estimator)
        assert kl.shape == mask.shape and (kl * mask).abs().max() < 1e-6


def test_shared_prompt_sampling_draws_the_samples_of_unshared_sampling(tokenizer):
    policy = random_policy(tokenizer, 1)
    for n, greedy in ((4, False), (2, True)):
        shared = HFSampler(policy).generate(PROMPTS, n=n, max_new_tokens=8, greedy=greedy, seed=3)
        unshared = HFSampler(_unshared(policy)).generate(PROMPTS, n=n, max_new_tokens=8, greedy=greedy, seed=3)
        assert shared.response_ids == unshared.response_ids and shared.prompt_ids == unshared.prompt_ids


def test_a_model_without_a_kv_cache_packs_full_rows(tokenizer):
    policy, group = random_policy(tokenizer, 0), 2
    prompt_ids, response_ids = _group_rows(policy, group)
    assert policy.shares_prompts and not _unshared(policy).shares_prompts
    assert not Policy(torch.nn.Linear(2, 2), tokenizer).shares_prompts  # no config: no DynamicCache (the toy MLP)
    batch = _unshared(policy).pack_groups(prompt_ids, response_ids, group)
    assert isinstance(batch, SequenceBatch) and batch.input_ids.shape[0] == len(response_ids)
    with pytest.raises(ValueError, match="not 3 groups of 3"):
        policy.pack_groups(prompt_ids, response_ids, 3)
