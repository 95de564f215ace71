"""Oracle SFT: supervised fine-tuning on π*(y|x) ∝ π0(y|x)·1[y correct], the KL-minimal distribution that
solves the task (RL's Razor, arXiv 2509.04259: it forgets even less than RL; computed in closed form on
their toy task).

π* is π0 conditioned on being correct, so rejection sampling draws from it exactly: sample k responses
from π0 per training prompt, keep the checked-correct ones. Then SFT on them:

    L(θ) = − E_x E_{y~π*(·|x)} Σ_t log π_θ(y_t | x, y_<t) / Σ_t 1,   token mean over the batch

(the `sft` loss, imported from `razorbench.methods.sft`).

Departures and choices:
1. The k samples per prompt are drawn once before training and cached (`razorbench.api.offline`, the same
   draw as `dpo`/`simpo` with the same settings). Each step takes, for each prompt of the batch, one
   accepted response at random, so every prompt weighs the same whatever its acceptance rate.
2. A prompt with no accepted sample among its k is skipped: π* is then only approximated on the
   prompts π0 can solve at all. `method_stats` reports the acceptance rate and the prompts skipped.
3. Where the policy gives π* in closed form (`oracle_responses`, the toy MLP: 10 labels), no sampling at
   all: each prompt contributes every correct response y weighted by π*(y|x), and the loss is the exact
   expectation (`oracle_loss`); `method_stats` says `exact: true`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from razorbench.api.offline import Accepted, OfflineDataConfig, OfflineModule, accepted_responses
from razorbench.api.registry import register_method
from razorbench.methods.sft import sft_loss


@dataclass
class OracleSFTConfig(OfflineDataConfig):
    """No keys of its own: only the draw's (`OfflineDataConfig`; a larger k skips fewer prompts)."""


def oracle_loss(logp: Tensor, mask: Tensor, weights: Tensor) -> Tensor:
    """The `sft` token-mean NLL in expectation over y ~ π*(·|x): Σ_b w_b Σ_t −logp·mask / Σ_b w_b Σ_t mask.

    Args:
        logp, mask: (B, T) as in `sft_loss`, one row per (prompt, correct response).
        weights: (B,) π*(y|x) of each row's response (each prompt's weights sum to 1).

    With one response per prompt (weights 1) this is `sft_loss`.
    """
    w = weights.unsqueeze(-1)
    return (-logp * mask * w).sum() / (mask * w).sum().clamp(min=1e-12)


@register_method("oracle-sft", on_policy=False, uses_negatives=False, data="rejection samples of π0")
class OracleSFT(OfflineModule):
    """SFT on rejection samples of π0 (the checked-correct ones)."""

    Config = OracleSFTConfig
    config: OracleSFTConfig

    def on_fit_start(self) -> None:
        # Here, not in __init__ or setup: the policy is on its device and still π0 (no step taken yet).
        closed_form = getattr(self.policy, "oracle_responses", None)
        if callable(closed_form):
            examples = self.task.examples("train")
            exact = closed_form(examples, self.task.check)
            self.accepted = [Accepted(e, ids, w) for e, (ids, w) in zip(examples, exact, strict=True)]
            self.stats = {"exact": True, "prompts": len(examples), "prompts_skipped": 0}
            return
        self.accepted, self.stats = accepted_responses(self.base_samples())
        if not self.accepted:
            raise RuntimeError(f"no accepted samples: π0 solved no {self.task.name} training prompt in k tries")

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.accepted, batch_size=self.settings.batch_size, shuffle=True, collate_fn=list)

    def method_stats(self) -> dict[str, Any]:
        return dict(self.stats)

    def training_step(self, batch: list[Accepted], batch_idx: int) -> Tensor:
        policy = self.policy
        if batch[0].weights is not None:  # exact π*: every correct response, weighted
            rows = [(a.example.prompt, ids, w) for a in batch for ids, w in zip(a.response_ids, a.weights, strict=True)]
            sequences = policy.pack([policy.prompt_ids(p) for p, _, _ in rows], [ids for _, ids, _ in rows])
            logp, mask = policy.token_logprobs(sequences.to(self.device))
            weights = torch.tensor([w for _, _, w in rows], dtype=logp.dtype, device=self.device)
            loss = oracle_loss(logp, mask, weights)
        else:
            sequences = policy.pack(
                [policy.prompt_ids(a.example.prompt) for a in batch],
                [random.choice(a.response_ids) for a in batch],  # y ~ π*(·|x): seeded by the run's seed
            )
            logp, mask = policy.token_logprobs(sequences.to(self.device))
            loss = sft_loss(logp, mask)
        self.log_dict({"train/loss": loss}, prog_bar=True, batch_size=len(batch))
        return loss
