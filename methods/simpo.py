"""SimPO: Simple Preference Optimization with a reference-free reward (Meng, Xia, Chen; arXiv 2405.14734).

Offline preference pairs (x, y_w, y_l), no reference model. The implicit reward is the length-normalised
log-likelihood, and the Bradley-Terry objective asks the chosen response to beat the rejected one by a
target margin γ:

    (4)  r(x, y) = β/|y| · log π_θ(y | x)
    (6)  L(θ) = − E_(x, y_w, y_l) log σ( r(x, y_w) − r(x, y_l) − γ )

(equation numbers as in the paper). RL's Razor used SimPO as the offline method *with* negatives.

Departures and choices:
1. Pairs (`razorbench.api.offline`): y_w = the task's reference answer, y_l = a checked-incorrect response
   sampled from the base policy π0 before training (the paper ranks two sampled responses with a reward
   model); prompts where π0 made no mistake in k samples give no pair and are counted in `method_stats`.
2. |y| counts response tokens including the EOS that ends a response.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor

from razorbench.api.offline import OfflineDataConfig, Pair, PreferenceModule
from razorbench.api.registry import register_method


@dataclass
class SimPOConfig(OfflineDataConfig):
    beta: float = 2.0
    """β: scale of the length-normalised reward (the paper: 2.0 to 2.5)."""
    gamma: float = 1.0
    """γ: target reward margin (the paper: γ/β ≈ 0.5, so 1.0 at β = 2)."""


def simpo_loss(
    chosen_logp: Tensor, rejected_logp: Tensor, chosen_mask: Tensor, rejected_mask: Tensor, *, beta: float, gamma: float
) -> Tensor:
    """SimPO loss, mean over pairs.

    Args:
        chosen_logp, rejected_logp: (B, T) log π_θ of each response's tokens (pair i in row i).
        chosen_mask, rejected_mask: (B, T) 1 on that response's tokens, 0 on prompt and padding.
    """
    chosen = beta * (chosen_logp * chosen_mask).sum(-1) / chosen_mask.sum(-1).clamp(min=1)  # Eq. (4)
    rejected = beta * (rejected_logp * rejected_mask).sum(-1) / rejected_mask.sum(-1).clamp(min=1)  # Eq. (4)
    return -F.logsigmoid(chosen - rejected - gamma).mean()  # Eq. (6)


@register_method("simpo", on_policy=False, uses_negatives=True, data="reference answer vs base-policy mistake")
class SimPO(PreferenceModule):
    """SimPO on (reference answer, incorrect π0 sample) pairs."""

    Config = SimPOConfig
    config: SimPOConfig

    def training_step(self, batch: list[Pair], batch_idx: int) -> Tensor:
        cfg, size = self.config, len(batch)
        logp, mask = self.policy.token_logprobs(self.pack_pairs(batch))  # (2B, T-1): chosen rows, then rejected
        loss = simpo_loss(logp[:size], logp[size:], mask[:size], mask[size:], beta=cfg.beta, gamma=cfg.gamma)
        chosen, rejected = ((logp * mask).sum(-1) / mask.sum(-1)).split(size)
        self.log_dict(
            {"train/loss": loss, "train/chosen_logp": chosen.mean(), "train/rejected_logp": rejected.mean()},
            prog_bar=True,
            batch_size=size,
        )
        return loss
