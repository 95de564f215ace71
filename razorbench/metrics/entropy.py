"""How spread out the policy's own responses are: the diagnostic for a policy that collapses onto a few answers.

On responses y ~ π(·|x) sampled by the policy itself:
- token entropy: the exact entropy of the next-token distribution, H(π(·|x, y<t)) = −Σ_v π(v|·) log π(v|·), averaged
  over response positions (nats per token);
- sequence entropy: the Monte Carlo estimate of H(π(·|x)) = E_y[−log π(y|x)], the mean over samples of the summed
  token log-probabilities (nats per sequence; unbiased for the entropy of whole responses).
A policy that puts all its mass on one response per prompt has both near 0.
"""

from __future__ import annotations

import torch
from torch import Tensor

from razorbench.api.policy import Policy, SequenceBatch


def token_entropy(logits: Tensor) -> Tensor:
    """Exact entropy over the last dim, in float32: (..., V) -> (...)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


@torch.no_grad()
def response_entropy(policy: Policy, batch: SequenceBatch) -> dict[str, Tensor]:
    """Per response of `batch` (the policy's own samples): {"sequence": −log π(y|x), "token_sum": Σ_t H_t,
    "tokens": response length}, each (B,)."""
    logits = policy.logits(batch)
    targets, mask = batch.targets, batch.target_mask.float()
    logp = torch.log_softmax(logits.float(), dim=-1)
    nll = -torch.gather(logp, -1, targets.unsqueeze(-1)).squeeze(-1)
    entropy = -(logp.exp() * logp).sum(-1)
    return {"sequence": (nll * mask).sum(-1), "token_sum": (entropy * mask).sum(-1), "tokens": mask.sum(-1)}
