"""The β·KL(π ‖ π0) penalty that `sft` and `rl` add to their loss (`method.kl_coef`, `method.kl_estimator`).

Two per-token estimators of the reverse KL, chosen by name:

- "exact": Σ_v π(v | s_t) [log π(v | s_t) − log π0(v | s_t)], the KL over the whole vocabulary at each
  response position s_t, from both models' logits. No sampling noise at a position; memory O(B·T·V).
- "k3": exp(r) − r − 1 with r = log π0(y_t | s_t) − log π(y_t | s_t) at the response tokens y_t only
  (Schulman's k3, what TRL and verl log). Non-negative; unbiased for the per-position KL only when y_t ~ π.

This penalty is the training *regulariser*; the forward KL(π0 ‖ π) that razorbench *measures* is
`razorbench.metrics.kl`, which is never an estimator choice.
"""

from __future__ import annotations

import torch
from torch import Tensor

from razorbench.api.policy import GroupBatch, Policy, SequenceBatch, scatter_targets
from razorbench.metrics.kl import token_kl
from razorbench.util.errors import ConfigError

KL_ESTIMATORS = ("exact", "k3")


def check_estimator(estimator: str) -> None:
    """Raise a one-line `ConfigError` unless `estimator` is a known KL estimator."""
    if estimator not in KL_ESTIMATORS:
        raise ConfigError(
            f"config key 'method.kl_estimator' must be one of {', '.join(KL_ESTIMATORS)}; got {estimator!r}"
        )


def gather_logprobs(logits: Tensor, targets: Tensor) -> Tensor:
    """log softmax(logits) at `targets`: (B, T, V), (B, T) -> (B, T)."""
    return torch.gather(logits, -1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def kl_penalty(logits: Tensor, ref_logits: Tensor, targets: Tensor, *, estimator: str) -> Tensor:
    """Per-token estimate of KL(π ‖ π0), differentiable in `logits`.

    Args:
        logits: (B, T, V) next-token logits of π (the policy being trained), or (N, V) at N positions.
        ref_logits: next-token logits of π0 at the same positions (no gradient needed).
        targets: (B, T) or (N,), the tokens that follow each position (used by "k3" only).
        estimator: "exact" or "k3" (see the module docstring).

    Returns:
        (B, T) or (N,), the per-token KL estimate; the caller masks it to response tokens.
    """
    if estimator == "exact":
        return token_kl(logits, ref_logits)  # KL(first ‖ second) over the last dim
    if estimator == "k3":
        log_ratio = gather_logprobs(ref_logits, targets) - gather_logprobs(logits, targets)  # r = log π0 − log π
        return torch.exp(log_ratio) - log_ratio - 1
    check_estimator(estimator)
    raise AssertionError("unreachable")


def logprobs_and_kl(
    policy: Policy, reference: Policy | None, batch: SequenceBatch | GroupBatch, *, estimator: str
) -> tuple[Tensor, Tensor, Tensor | None]:
    """One forward of π (and of π0 when given): (logp, mask, kl), each shaped like `batch.targets` ((B, T-1) for a
    `SequenceBatch`, (P·G, R) for a `GroupBatch`); kl is None without π0.

    With `policy.head_on_targets_only`, both heads run at a `SequenceBatch`'s response targets alone (N, V): the
    same values there, 0 at the other positions, which the mask leaves out."""
    targets_only = policy.scores_targets_only(batch)
    logits, targets = policy.scored_logits(batch, targets_only=targets_only)  # (..., V), predicting targets
    logp = gather_logprobs(logits, targets)
    kl = None
    if reference is not None:
        with torch.no_grad():
            ref_logits, _ = reference.scored_logits(batch, targets_only=targets_only)
        kl = kl_penalty(logits, ref_logits, targets, estimator=estimator)
    if targets_only:  # (N,) -> (B, T-1)
        logp = scatter_targets(logp, batch)
        kl = scatter_targets(kl, batch) if kl is not None else None
    return logp, batch.target_mask.to(logp.dtype), kl
