"""1-0 REINFORCE: on-policy policy gradient with a binary checker reward and no baseline (Williams, 1992,
"Simple statistical gradient-following algorithms for connectionist reinforcement learning"), the
positives-only control of RL's Razor (arXiv 2509.04259): on-policy data without negative examples.

For each prompt x, sample n responses y_1..y_n ~ π_θ(·|x), score them with the task's checker
r_i ∈ {0, 1}, and maximise the expected reward J(θ) = E_x E_{y~π_θ}[r(x, y)] with the estimator

    (1)  ∇J ≈ 1/(B·n·L) Σ_i r_i Σ_t ∇ log π_θ(y_i,t | x, y_i,<t)

(B prompts, n samples each, L = max_new_tokens). A correct response is pushed up; an incorrect one has
r = 0 and contributes nothing: no baseline is subtracted, so nothing is ever pushed down.

Departures and choices:
1. Token-level sum over a constant normaliser B·n·L (as the `rl` method's Dr. GRPO loss), not a
   per-sequence mean: the two methods then differ only in the advantage (r_i here, r_i − mean there).
2. One optimizer step per batch of fresh samples (strictly on-policy), no KL penalty.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from razorbench.api.method import MethodConfig, RazorModule
from razorbench.api.registry import register_method
from razorbench.api.task import Example


@dataclass
class ReinforceConfig(MethodConfig):
    samples_per_prompt: int = 8
    """n: responses sampled from π_θ per prompt at each step (the `rl` method's group size)."""


def reinforce_loss(logp: Tensor, rewards: Tensor, mask: Tensor, *, max_tokens: int) -> Tensor:
    """The negative of estimator (1): −Σ_i r_i Σ_t mask · log π / (N·L).

    Args:
        logp: (N, T) log π_θ of the sampled tokens, N = B·n responses.
        rewards: (N,) checker rewards in {0, 1}.
        mask: (N, T) 1 on response tokens.
        max_tokens: L, the constant per-response token budget (max_new_tokens).
    """
    return -(rewards.unsqueeze(-1) * logp * mask).sum() / (logp.shape[0] * max_tokens)  # Eq. (1)


@register_method("reinforce", on_policy=True, uses_negatives=False, data="on-policy samples, positives only")
class Reinforce(RazorModule):
    """1-0 REINFORCE with checker rewards."""

    Config = ReinforceConfig
    config: ReinforceConfig

    def training_step(self, batch: list[Example], batch_idx: int) -> Tensor:
        run, policy = self.settings, self.policy
        samples = self.sampler.generate(
            [e.prompt for e in batch],
            n=self.config.samples_per_prompt,
            max_new_tokens=run.max_new_tokens,
            temperature=run.temperature,
        )
        examples = [batch[samples.prompt_index(i)] for i in range(len(samples.texts))]
        rewards = torch.tensor(self.task.rewards(samples.texts, examples), device=self.device)
        logp, mask = policy.token_logprobs(policy.pack(samples.prompt_ids, samples.response_ids).to(self.device))
        loss = reinforce_loss(logp, rewards, mask, max_tokens=run.max_new_tokens)
        self.log_dict({"train/loss": loss, "train/reward": rewards.mean()}, prog_bar=True, batch_size=len(batch))
        return loss
