"""Oracle SFT = the `sft` loss on rejection samples of π0: the samples, the stats and one step."""

import pytest
import torch

from razorbench.methods.oracle_sft import OracleSFT, OracleSFTConfig
from razorbench.methods.sft import sft_loss
from razorbench.sampling import Sampler, Samples
from razorbench.task import Example, Task


class ToyTask(Task):
    registry_name = "toy"

    def examples(self, split):
        return [Example(f"t{i}", f"prompt {i}", "a") for i in range(3)]

    def verify(self, response, example):
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
    return OracleSFT(policy, ToyTask(), ScriptedSampler(policy, script), None, batch_size=2, samples_per_prompt=4)


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
