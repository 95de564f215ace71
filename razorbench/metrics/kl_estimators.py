"""The sampled-token KL estimates that trainers log (Schulman, "Approximating KL divergence", 2020: k1, k2, k3),
computed on the same base samples as the exact KL, so a record shows how far each is from it.

At a prefix, a token y ~ π0 and its log-ratio `log_ratio` = log π0(y) − log π(y), with ρ = π(y)/π0(y) = exp(−log_ratio):

    forward, KL(π0 ‖ π), y drawn from the first argument as the estimators assume:
        k1 = log_ratio                      unbiased
        k2 = ½ log_ratio²                   biased (unbiased to second order in log_ratio)
        k3 = ρ − 1 + log_ratio              unbiased, ≥ 0
    reverse, KL(π ‖ π0): TRL and verl apply k1/k3 to the policy's own samples; here the tokens come from π0, so each
    estimator is importance-weighted by ρ (E_π0[ρ·f] = E_π[f]):
        k1 = ρ · (−log_ratio)               unbiased
        k2 = ρ · ½ log_ratio²               biased
        k3 = 1 − ρ − ρ·log_ratio            unbiased (ρ · (1/ρ − 1 − log(1/ρ)), k3 of π0/π), ≥ 0

Summed over a response's positions, the unbiased ones estimate the per-sequence exact KL of `razorbench.metrics.kl`
(forward: at prefixes sampled from π0, the same quantity; reverse: the exact reverse KL at the same prefixes). In
float64: ρ overflows float32 once π gives a token e^89 times π0's probability.
"""

from __future__ import annotations

import torch
from torch import Tensor

ESTIMATORS = (
    "forward_kl_k1",
    "forward_kl_k2",
    "forward_kl_k3",
    "reverse_kl_k1",
    "reverse_kl_k2",
    "reverse_kl_k3",
)
EXACT = {name: name.rsplit("_", 1)[0] for name in ESTIMATORS}
"""Each estimate's exact counterpart in a record: forward_kl_k1 -> forward_kl, reverse_kl_k3 -> reverse_kl."""


def kl_estimates(log_ratio: Tensor) -> dict[str, Tensor]:
    """The six estimates per sampled token, in float64, shaped like `log_ratio` (log π0(y) − log π(y), y ~ π0).

    >>> {k: round(v.item(), 6) for k, v in kl_estimates(torch.tensor([0.0])).items()} == dict.fromkeys(ESTIMATORS, 0.0)
    True
    """
    log_ratio = log_ratio.double()
    rho = torch.exp(-log_ratio)  # π(y) / π0(y)
    half_square = 0.5 * log_ratio * log_ratio
    values = (
        log_ratio,
        half_square,
        rho - 1.0 + log_ratio,
        -rho * log_ratio,
        rho * half_square,
        1.0 - rho - rho * log_ratio,
    )
    return dict(zip(ESTIMATORS, values, strict=True))
