"""DPO with an NLL term on the chosen response: the loss of Iterative RPO (Pang, Yuan, Cho, He, Sukhbaatar,
Weston; "Iterative Reasoning Preference Optimization", arXiv 2404.19733), one iteration of it:

    L(θ) = L_DPO(θ) + α · L_NLL(θ),   L_NLL = − E_(x, y_w) log π_θ(y_w|x) / |y_w|

DPO alone moves the *difference* of two log-ratios: it can be satisfied by lowering the chosen response's
likelihood a little and the rejected one's more (the paper's Fig. 3 shows the chosen log-probability falling).
The NLL term keeps pulling the chosen response up, as SFT on the same reference answer does, while the DPO term
still pushes π0's mistakes down: the offline method *with negatives* that learns like SFT (docs/TINY-TRACK.md,
step 6).

Departures and choices:
1. Pairs as `dpo` (`razorbench.api.offline`): y_w = the task's reference answer, y_l = a checked-incorrect
   response of π0 (the paper: π's own correct and incorrect chain-of-thought samples, re-drawn each iteration).
2. L_NLL is normalised by the chosen response's tokens (the paper divides by the length of prompt and response;
   the prompt's tokens carry no loss here, so its length would only rescale α per prompt).
3. One iteration: the pairs are drawn once from π0, as for every offline method of razorbench.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from razorbench.api.registry import register_method
from razorbench.methods.dpo import DPO, DPOConfig, PairLogprobs, dpo_loss


@dataclass
class DPONLLConfig(DPOConfig):
    nll_weight: float = 1.0
    """α: weight of the chosen response's per-token NLL (the paper: 1)."""


def chosen_nll(chosen_logp: Tensor, chosen_mask: Tensor) -> Tensor:
    """− log π_θ(y_w|x) / |y_w|, mean over pairs. chosen_logp, chosen_mask: (B, T), 1 on the response's tokens."""
    return (-(chosen_logp * chosen_mask).sum(-1) / chosen_mask.sum(-1)).mean()


def dpo_nll_loss(pairs: PairLogprobs, *, beta: float, nll_weight: float) -> tuple[Tensor, Tensor]:
    """(L_DPO + α·L_NLL, L_NLL)."""
    nll = chosen_nll(pairs.chosen, pairs.chosen_mask)
    return dpo_loss(pairs, beta=beta) + nll_weight * nll, nll


@register_method("dpo-nll", on_policy=False, uses_negatives=True, data="reference answer vs base-policy mistake")
class DPONLL(DPO):
    """DPO plus the chosen response's NLL, on (reference answer, incorrect π0 sample) pairs."""

    Config = DPONLLConfig
    config: DPONLLConfig

    def pair_loss(self, pairs: PairLogprobs) -> tuple[Tensor, dict[str, Tensor]]:
        loss, nll = dpo_nll_loss(pairs, beta=self.config.beta, nll_weight=self.config.nll_weight)
        return loss, {"train/nll": nll}
