"""Oracle SFT = the `sft` loss on rejection samples of π0: the samples, the stats and one step."""

import pytest
import torch

from razorbench.api.method import TrainSettings
from razorbench.api.sampler import Sampler, Samples
from razorbench.api.task import Example, Task
from razorbench.methods.oracle_sft import OracleSFT, OracleSFTConfig
from razorbench.methods.sft import sft_loss


class ToyTask(Task):
    registry_name = "toy"
    SPLITS = ("train",)

    def _examples(self, split):
        return [Example(f"t{i}", f"prompt {i}", "a") for i in range(3)]

    def check(self, response, example):
        return response.strip() in ("a", "ab")


class ScriptedSampler(Sampler):
    def __init__(self, policy, script):
        self.policy, self.script = policy, script

    def generate(self, prompts, *, n=1, max_new_tokens, greedy=False, temperature=1.0, seed=None):
        texts = [self.script[p][k % len(self.script[p])] for p in prompts for k in range(n)]
        prompt_ids = [self.policy.prompt_ids(p) for p in prompts for _ in range(n)]
        return Samples(list(prompts), n, prompt_ids, [self.policy.response_ids(t) for t in texts], texts)


@pytest.fixture
def module(policy_pair):
    _, policy = policy_pair
    script = {"prompt 0": ["a", "zz"], "prompt 1": ["q"], "prompt 2": ["ab"]}
    sampler = ScriptedSampler(policy, script)
    config, settings = OracleSFTConfig(samples_per_prompt=4), TrainSettings(batch_size=2)
    return OracleSFT(policy, ToyTask(), sampler, None, config=config, settings=settings)


def test_samples_are_the_accepted_ones_and_the_stats_are_reported(module):
    module.on_fit_start()
    assert module.method_stats() == {"acceptance_rate": 6 / 12, "prompts_skipped": 1, "prompts": 3}
    ids = module.policy.response_ids
    assert [a.response_ids for a in module.accepted] == [[ids("a")] * 2, [ids("ab")] * 4]
    assert OracleSFTConfig().samples_per_prompt == 8 and not OracleSFT.needs_reference(OracleSFTConfig())


@pytest.mark.filterwarnings("ignore:You are trying to `self.log")
def test_a_step_is_the_sft_loss_on_an_accepted_sample_and_raises_its_logprob(module):
    module.on_fit_start()
    batch = [module.accepted[1]]  # every accepted response of this prompt is "ab"
    policy = module.policy
    sequences = policy.pack([policy.prompt_ids("prompt 2")], [policy.response_ids("ab")])
    logp, mask = policy.token_logprobs(sequences)
    loss = module.training_step(batch, 0)
    torch.testing.assert_close(loss, sft_loss(logp, mask))
    loss.backward()
    with torch.no_grad():
        for p in policy.model.parameters():
            p -= 1e-2 * p.grad
        after, _ = policy.token_logprobs(sequences)
    assert (after * mask).sum() > (logp * mask).sum()


def test_oracle_loss_matches_a_float64_loop_and_is_sft_loss_at_unit_weights():
    from razorbench.methods.oracle_sft import oracle_loss

    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(4, 5, generator=g, dtype=torch.float64) * 3
    mask = torch.tensor([[0, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 0, 0, 0], [0, 1, 0, 0, 0]], dtype=torch.float64)
    weights = torch.tensor([0.25, 0.75, 1.0, 0.5], dtype=torch.float64)
    num = sum(-float(logp[b, t]) * float(weights[b]) for b in range(4) for t in range(5) if mask[b, t])
    den = sum(float(weights[b]) for b in range(4) for t in range(5) if mask[b, t])
    assert float(oracle_loss(logp, mask, weights)) == pytest.approx(num / den, rel=1e-12)
    torch.testing.assert_close(oracle_loss(logp, mask, torch.ones(4, dtype=torch.float64)), sft_loss(logp, mask))


@pytest.mark.filterwarnings("ignore:You are trying to `self.log")
def test_closed_form_oracle_is_used_exactly_when_the_policy_gives_it(module):
    policy = module.policy
    a, ab = policy.response_ids("a"), policy.response_ids("ab")
    # π*(·|x) over the two correct responses, as a policy with a closed form (the toy MLP) returns it.
    policy.oracle_responses = lambda examples, check: [([a, ab], [0.25, 0.75]) for _ in examples]
    module.on_fit_start()
    assert module.method_stats() == {"exact": True, "prompts": 3, "prompts_skipped": 0}
    assert [(x.response_ids, x.weights) for x in module.accepted] == [([a, ab], [0.25, 0.75])] * 3
    loss = module.training_step(module.accepted[:1], 0)
    sequences = policy.pack([policy.prompt_ids("prompt 0")] * 2, [a, ab])
    logp, mask = policy.token_logprobs(sequences)
    expected = (0.25 * -(logp[0] * mask[0]).sum() + 0.75 * -(logp[1] * mask[1]).sum()) / (
        0.25 * mask[0].sum() + 0.75 * mask[1].sum()
    )
    torch.testing.assert_close(loss, expected)
