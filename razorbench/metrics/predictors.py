"""Candidate predictors of forgetting besides the forward KL, so users can check on their own runs which
predicts best (RL's Razor reports that the forward KL does; these are the alternatives it rejected).

- `weight_change`: L2 and relative L2 of θ − θ0, and the mean effective rank of the update per matrix;
- `linear_cka`: representation drift, linear CKA (Kornblith et al., arXiv 1905.00414) between hidden states
  of the base and the fine-tuned model on the same inputs (1 = same representation up to rotation/scale).

Reverse KL and total variation are computed in the same pass as the forward KL (`razorbench.metrics.kl`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from razorbench.api.model_parts import decoder
from razorbench.api.policy import Policy, SequenceBatch
from razorbench.util.distributed import full_weights


def effective_rank(matrix: Tensor) -> float:
    """exp of the entropy of the normalised singular values (Roy & Vetterli, 2007); 0 for a zero matrix.

    >>> round(effective_rank(torch.eye(4)), 6)
    4.0
    >>> round(effective_rank(torch.outer(torch.ones(3), torch.arange(1.0, 4.0))), 6)
    1.0
    """
    s = torch.linalg.svdvals(matrix.double())
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s / total
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


@torch.no_grad()
def weight_change(base: torch.nn.Module, tuned: torch.nn.Module, max_rank_dim: int = 4096) -> dict[str, float]:
    """‖θ − θ0‖₂, ‖θ − θ0‖₂ / ‖θ0‖₂, and the mean effective rank of ΔW over 2-D weight matrices.

    Matrices with a side above `max_rank_dim` (embeddings of large vocabularies) are left out of the rank,
    whose SVD would dominate the cost; they still count in the norms. A sharded `tuned` (FSDP) is gathered
    first: a collective, so every rank must call this.
    """
    base_params = dict(base.named_parameters())
    tuned_weights = full_weights(tuned)
    diff_sq, base_sq, ranks = 0.0, 0.0, []
    for name, _ in tuned.named_parameters():
        p0 = base_params[name]
        delta = tuned_weights[name].double() - p0.detach().double()
        diff_sq += float((delta * delta).sum())
        base_sq += float((p0.double() ** 2).sum())
        if delta.ndim == 2 and max(delta.shape) <= max_rank_dim:
            ranks.append(effective_rank(delta))
    l2 = diff_sq**0.5
    return {
        "weight_l2": l2,
        "weight_relative_l2": l2 / base_sq**0.5 if base_sq > 0 else 0.0,
        "update_effective_rank": sum(ranks) / len(ranks) if ranks else 0.0,
    }


def linear_cka(x: Tensor, y: Tensor) -> float:
    """Linear CKA between representations x (n, d1) and y (n, d2) of the same n inputs, in float64.

    CKA = ‖Yᶜᵀ Xᶜ‖²_F / (‖Xᶜᵀ Xᶜ‖_F ‖Yᶜᵀ Yᶜ‖_F), with columns centred.
    """
    x = x.double() - x.double().mean(0, keepdim=True)
    y = y.double() - y.double().mean(0, keepdim=True)
    cross = torch.linalg.matrix_norm(y.T @ x) ** 2
    denominator = torch.linalg.matrix_norm(x.T @ x) * torch.linalg.matrix_norm(y.T @ y)
    return float(cross / denominator) if denominator > 0 else 1.0


@torch.no_grad()
def mean_hidden_state(policy: Policy, batch: SequenceBatch) -> Tensor:
    """The final hidden state averaged over each sequence's tokens: (B, H)."""
    hidden = decoder(policy.model)(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    mask = batch.attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
