"""SFT: supervised fine-tuning on the task's reference answers (offline data, positives only).

Objective: maximise log π(y* | x) for the reference answer y* of each training prompt x, optionally
held near the base policy π0 by a KL penalty:

    L(θ) = Σ_t mask_t · [− log π_θ(y*_t | x, y*_<t) + β · KL_t(π_θ ‖ π_0)] / Σ_t mask_t

the mean over response tokens of the batch (token-level mean, so long answers weigh by their length,
as in standard SFT trainers).

Departures and choices:
1. The KL penalty (β > 0) is taken at the positions of the reference answer, not on samples of π_θ:
   "exact" is the full-vocabulary KL(π_θ ‖ π_0) at each of those prefixes, "k3" is exp(r) − r − 1 at
   the reference tokens (`razorbench.metrics.penalties`). β = 0 (the default) loads no reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from razorbench.api.method import MethodConfig, RazorModule
from razorbench.api.registry import register_method
from razorbench.api.task import Example
from razorbench.metrics.penalties import check_estimator, logprobs_and_kl


@dataclass
class SFTConfig(MethodConfig):
    """SFT's own keys; the rest are shared (optim.lr, data.batch_size, trainer.max_steps)."""

    kl_coef: float = 0.0
    """β: coefficient of the KL(π_θ ‖ π_0) penalty; 0 (plain SFT, the paper's) loads no reference."""
    kl_estimator: str = "exact"
    """How the penalty's KL is computed per token: "exact" (full vocabulary) or "k3" (sampled token)."""

    def __post_init__(self) -> None:
        check_estimator(self.kl_estimator)


def sft_loss(logp: Tensor, mask: Tensor, kl: Tensor | None = None, *, beta: float = 0.0) -> Tensor:
    """Token-mean negative log-likelihood, plus β times the token-mean KL penalty.

    Args:
        logp: (B, T) log π(token_t | prefix) of the reference tokens.
        mask: (B, T) 1 on response tokens, 0 on prompt and padding.
        kl: (B, T) per-token KL(π ‖ π0) estimate (`razorbench.metrics.penalties.kl_penalty`); needed when beta > 0.
        beta: β, the KL coefficient.
    """
    per_token = -logp
    if beta > 0:
        per_token = per_token + beta * kl
    return (per_token * mask).sum() / mask.sum().clamp(min=1)


@register_method("sft", on_policy=False, uses_negatives=False, data="reference answers")
class SFT(RazorModule):
    """Supervised fine-tuning on the new task's reference answers."""

    Config = SFTConfig
    config: SFTConfig

    @classmethod
    def needs_reference(cls, method_config: SFTConfig) -> bool:
        return method_config.kl_coef > 0

    def training_step(self, batch: list[Example], batch_idx: int) -> Tensor:
        cfg, policy = self.config, self.policy
        sequences = policy.pack(
            [policy.prompt_ids(e.prompt) for e in batch], [policy.response_ids(e.answer) for e in batch]
        ).to(self.device)
        reference = self.reference if cfg.kl_coef > 0 else None
        logp, mask, kl = logprobs_and_kl(policy, reference, sequences, estimator=cfg.kl_estimator)
        loss = sft_loss(logp, mask, kl, beta=cfg.kl_coef)
        stats = {"train/loss": loss}
        if kl is not None:
            stats["train/kl"] = (kl * mask).sum() / mask.sum()
        self.log_dict(stats, prog_bar=True, batch_size=len(batch))
        return loss
