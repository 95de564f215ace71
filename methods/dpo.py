"""DPO: Direct Preference Optimization (Rafailov, Sharma, Mitchell, Ermon, Manning, Finn; arXiv 2305.18290).

Offline preference pairs (x, y_w, y_l) and the frozen reference π0. The KL-regularised RLHF objective is
solved in closed form, leaving a classification loss on the implicit reward β log π_θ/π0:

    (7)  L(θ) = − E_(x, y_w, y_l) log σ( β log π_θ(y_w|x)/π0(y_w|x) − β log π_θ(y_l|x)/π0(y_l|x) )

(equation number as in the paper).

Departures and choices:
1. Pairs (`razorbench.api.offline`, the same draw as `simpo`): y_w = the task's reference answer, y_l = a
   checked-incorrect response sampled from π0 before training (the paper uses human preferences); prompts
   where π0 made no mistake in k samples give no pair and are counted in `method_stats`.
2. π0's log-probabilities are recomputed at each step (one extra forward) rather than precomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from razorbench.api.offline import OfflineDataConfig, Pair, PreferenceModule
from razorbench.api.registry import register_method


@dataclass
class DPOConfig(OfflineDataConfig):
    beta: float = 0.1
    """β: strength of the implicit KL(π_θ ‖ π0) constraint (the paper: 0.1, and 0.5 for summarisation)."""


@dataclass(frozen=True)
class PairLogprobs:
    """One batch of pairs' token log-probabilities, each (B, T) with pair i in row i: under π_θ and under π0, and
    the masks (1 on that response's tokens, 0 on prompt and padding). What every DPO-style loss reads."""

    chosen: Tensor
    rejected: Tensor
    ref_chosen: Tensor
    ref_rejected: Tensor
    chosen_mask: Tensor
    rejected_mask: Tensor

    @classmethod
    def split(cls, logp: Tensor, ref_logp: Tensor, mask: Tensor) -> PairLogprobs:
        """From (2B, T) tensors whose first B rows are the chosen responses and last B the rejected ones."""
        size = logp.shape[0] // 2
        (chosen, rejected), (ref_chosen, ref_rejected) = logp.split(size), ref_logp.split(size)
        chosen_mask, rejected_mask = mask.split(size)
        return cls(chosen, rejected, ref_chosen, ref_rejected, chosen_mask, rejected_mask)


def dpo_loss(pairs: PairLogprobs, *, beta: float) -> Tensor:
    """DPO loss, mean over pairs."""
    chosen_log_ratio = ((pairs.chosen - pairs.ref_chosen) * pairs.chosen_mask).sum(-1)  # log π_θ(y_w|x)/π0(y_w|x)
    rejected_log_ratio = ((pairs.rejected - pairs.ref_rejected) * pairs.rejected_mask).sum(-1)
    return -F.logsigmoid(beta * (chosen_log_ratio - rejected_log_ratio)).mean()  # Eq. (7)


@register_method("dpo", on_policy=False, uses_negatives=True, data="reference answer vs base-policy mistake")
class DPO(PreferenceModule):
    """DPO on (reference answer, incorrect π0 sample) pairs."""

    Config = DPOConfig
    config: DPOConfig

    @classmethod
    def needs_reference(cls, method_config: DPOConfig) -> bool:
        return True

    def training_step(self, batch: list[Pair], batch_idx: int) -> Tensor:
        size, sequences = len(batch), self.pack_pairs(batch)
        logp, mask = self.policy.token_logprobs(sequences)  # (2B, T-1): chosen rows, then rejected
        with torch.no_grad():
            ref_logp, _ = self.reference.token_logprobs(sequences)
        loss, logs = self.pair_loss(PairLogprobs.split(logp, ref_logp, mask))
        margins = ((logp - ref_logp) * mask).sum(-1).split(size)  # log π_θ/π0 of chosen and of rejected
        self.log_dict(
            {"train/loss": loss, "train/reward_accuracy": (margins[0] > margins[1]).float().mean(), **logs},
            prog_bar=True,
            batch_size=size,
        )
        return loss

    def pair_loss(self, pairs: PairLogprobs) -> tuple[Tensor, dict[str, Tensor]]:
        """The loss on one batch of pairs and any extra terms to log (a variant adds its own here)."""
        return dpo_loss(pairs, beta=self.config.beta), {}
