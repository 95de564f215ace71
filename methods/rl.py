"""GRPO: Group Relative Policy Optimization (Shao et al., arXiv 2402.03300), on-policy, with the
Dr. GRPO normalisation (Liu et al., arXiv 2503.20783) that RL's Razor used.

For each prompt x, sample a group of G responses y_1..y_G ~ π_old(·|x), score them with the task's
checker r_i ∈ {0, 1}, and maximise

    J(θ) = 1/(G·L) Σ_i Σ_t min(ρ_i,t A_i, clip(ρ_i,t, 1−ε, 1+ε) A_i) − β KL(π_θ ‖ π_0)
    ρ_i,t = π_θ(y_i,t | x, y_i,<t) / π_old(y_i,t | x, y_i,<t),   A_i = r_i − mean_j r_j

Departures and choices:
1. Dr. GRPO: advantages are not divided by the group's std (`scale_rewards=False`, switchable), and the
   token sum is divided by the constant G·L (L = max_new_tokens), not by each response's length.
2. One optimizer step per batch (μ = 1, the paper's main setting), so π_old = π_θ at the step and ρ ≡ 1;
   the clipped form is kept so the loss is correct for μ > 1 and its gradient is the policy gradient.
3. β = 0 by default, as in the paper (no reference is loaded). With β > 0 the per-token KL(π_θ ‖ π_0) is
   `kl_estimator`: "exact" over the vocabulary at each sampled prefix (default) or "k3", exp(r) − r − 1 at
   the sampled tokens (TRL's choice); see `razorbench.metrics.penalties`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from razorbench.api.method import MethodConfig, RazorModule
from razorbench.api.registry import register_method
from razorbench.api.task import Example
from razorbench.metrics.penalties import check_estimator, logprobs_and_kl


@dataclass
class GRPOConfig(MethodConfig):
    group_size: int = 8
    """G: responses sampled per prompt (the paper: 64)."""
    epsilon: float = 0.2
    """ε: clipping range of the importance ratio."""
    kl_coef: float = 0.0
    """β: coefficient of KL(π_θ ‖ π_0); 0 (the paper's value) loads no reference during training."""
    kl_estimator: str = "exact"
    """How the penalty's KL is computed per token: "exact" (full vocabulary) or "k3" (sampled token)."""
    scale_rewards: bool = False
    """Divide advantages by the group's reward std (original GRPO) instead of Dr. GRPO's mean-centring only."""

    def __post_init__(self) -> None:
        check_estimator(self.kl_estimator)


def group_advantages(rewards: Tensor, group_size: int, scale_rewards: bool = False) -> Tensor:
    """A_i = r_i − mean(group) (÷ (std + 1e-4) if scale_rewards). rewards: (G·P,) grouped per prompt."""
    grouped = rewards.view(-1, group_size)
    advantages = grouped - grouped.mean(dim=1, keepdim=True)
    if scale_rewards:
        advantages = advantages / (grouped.std(dim=1, keepdim=True) + 1e-4)
    return advantages.view(-1)


def grpo_loss(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    epsilon: float,
    max_tokens: int,
    kl: Tensor | None = None,
    beta: float = 0.0,
) -> Tensor:
    """Clipped-surrogate GRPO loss with Dr. GRPO's constant normaliser (the negative of J above).

    Args:
        logp, old_logp: (B, T) log-probabilities of the sampled tokens under π_θ and π_old.
        advantages: (B,) one advantage per sampled response.
        mask: (B, T) 1 on response tokens.
        max_tokens: L, the constant per-response token budget (max_new_tokens).
        kl: (B, T) per-token KL(π_θ ‖ π_0) estimate (`razorbench.metrics.penalties.kl_penalty`); needed when beta > 0.
        beta: β, the KL coefficient.
    """
    ratio = torch.exp(logp - old_logp)
    adv = advantages.unsqueeze(-1)
    surrogate = torch.min(ratio * adv, torch.clamp(ratio, 1 - epsilon, 1 + epsilon) * adv)
    per_token = -surrogate
    if beta > 0:
        per_token = per_token + beta * kl
    return (per_token * mask).sum() / (logp.shape[0] * max_tokens)


@register_method("rl", on_policy=True, uses_negatives=True, data="on-policy samples")
class GRPO(RazorModule):
    """GRPO with checker rewards (the paper's RL)."""

    Config = GRPOConfig
    config: GRPOConfig

    @classmethod
    def needs_reference(cls, method_config: GRPOConfig) -> bool:
        return method_config.kl_coef > 0

    def training_step(self, batch: list[Example], batch_idx: int) -> Tensor:
        cfg, run, policy = self.config, self.settings, self.policy
        samples = self.sampler.generate(
            [e.prompt for e in batch], n=cfg.group_size, max_new_tokens=run.max_new_tokens, temperature=run.temperature
        )
        examples = [batch[samples.prompt_index(i)] for i in range(len(samples.texts))]
        rewards = torch.tensor(self.task.rewards(samples.texts, examples), device=self.device)
        # Each prompt once for its group (when the model can share it): P prompt forwards a step, not P·G.
        sequences = policy.pack_groups(samples.prompt_ids[:: samples.n], samples.response_ids, samples.n)
        sequences = sequences.to(self.device)
        reference = self.reference if cfg.kl_coef > 0 else None
        logp, mask, kl = logprobs_and_kl(policy, reference, sequences, estimator=cfg.kl_estimator)
        loss = grpo_loss(
            logp,
            logp.detach(),
            group_advantages(rewards, cfg.group_size, cfg.scale_rewards),
            mask,
            epsilon=cfg.epsilon,
            max_tokens=run.max_new_tokens,
            kl=kl,
            beta=cfg.kl_coef,
        )
        stats = {"train/loss": loss, "train/reward": rewards.mean()}
        if kl is not None:
            stats["train/kl"] = (kl * mask).sum() / mask.sum()
        self.log_dict(stats, prog_bar=True, batch_size=len(batch))
        return loss
