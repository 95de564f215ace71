"""π0's side of the monitored forward KL, computed once: E_x KL(π0(·|x) ‖ π(·|x)) on a fixed monitor set of responses
sampled from π0, exactly as `razorbench.metrics.divergences` measures it (the same batches of `batch_size`
sequences, the same groups and chunks of `razorbench.metrics.kl`, the same `token_divergences`).

Two ways to hold π0, chosen by memory:
- "logprobs": π0's logits over the whole vocabulary at every scored response position, computed once
  (in chunks of at most `chunk_positions` positions) and kept on the policy's device. A check is then one forward
  pass of π over the monitor set. Chosen when the table (positions × vocabulary × 4 bytes) is smaller than a frozen
  copy of the model and under `max_cache_bytes`: on the tiny track 100 prompts × ~10 response tokens × 100 tokens is
  ~0.4 MB against ~3 MB of weights.
- "frozen_copy": a frozen copy of π0 (the method's own reference when it keeps one, so no extra memory then); a check
  runs both models, as the final evaluation does. Chosen when the table would be larger: at a 150k-token vocabulary
  it is 0.6 MB per scored position, 1.4 GB for 100 prompts × 24 tokens, more than a 0.5B model's weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from razorbench.api.model_parts import decoder, output_head
from razorbench.api.policy import Policy
from razorbench.metrics.divergences import divergences
from razorbench.metrics.kl import SequenceDivergence, chunk_positions, row_groups, token_divergences

MODES = ("auto", "logprobs", "frozen_copy")
DEFAULT_MAX_CACHE_BYTES = 1 << 30  # 1 GiB


@dataclass
class MonitorSettings:
    """How the monitor set is batched: the same `batch_size` and `kl_chunk_size` as `EvalSettings`, so that a check
    and the final evaluation score the same groups (`divergences` reads these two fields only)."""

    batch_size: int = 100
    kl_chunk_size: int = 4096


def cache_bytes(policy: Policy, samples: list[dict[str, Any]]) -> int:
    """Bytes of π0's float32 logit table over the monitor set: one row of the vocabulary per scored
    position (every response token but the first one predicted from the prompt's last token counts too)."""
    vocab = output_head(policy.model).weight.shape[0]
    return sum(len(s["response_ids"]) for s in samples) * vocab * 4


def model_bytes(policy: Policy) -> int:
    return sum(p.numel() * p.element_size() for p in policy.model.parameters())


class ReferenceSide:
    """π0 on the monitor set: `forward_kl(policy)` -> {"forward_kl" (nats/sequence), "forward_kl_per_token"}.

    `policy` must still be π0 when this is built (the run has not started training): the logit table is
    computed from it, or the frozen copy is made of it (unless `reference`, a π0 the caller already keeps, is given).
    """

    def __init__(
        self,
        policy: Policy,
        samples: list[dict[str, Any]],
        settings: MonitorSettings,
        *,
        mode: str = "auto",
        reference: Policy | None = None,
        max_cache_bytes: int = DEFAULT_MAX_CACHE_BYTES,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown monitor cache mode {mode!r}; valid: {', '.join(MODES)}")
        if not samples:
            raise ValueError("the monitor set is empty: it needs at least one prompt with a sampled response")
        self.samples, self.settings = samples, settings
        if mode == "auto":
            table = cache_bytes(policy, samples)
            mode = "logprobs" if table <= min(max_cache_bytes, model_bytes(policy)) else "frozen_copy"
        self.mode = mode
        self.reference: Policy | None = None
        # Per batch, per group: (scored positions, vocabulary) π0's logits, not its log-probabilities: a check then
        # computes π0's side exactly as π's, so at π = π0 it gives 0 (renormalising stored log-probabilities: ~1e-10).
        self.table: list[list[Tensor]] = []
        if mode == "frozen_copy":
            self.reference = reference or policy.frozen_copy()
        else:
            self.table = [list(self._logits(policy, batch)) for batch in self._batches(policy)]

    def _batches(self, policy: Policy) -> list:
        """The monitor set packed as `divergences` packs it, on the policy's device."""
        device = next(policy.model.parameters()).device
        size = self.settings.batch_size
        return [
            policy.pack([c["prompt_ids"] for c in chunk], [c["response_ids"] for c in chunk]).to(device)
            for chunk in (self.samples[i : i + size] for i in range(0, len(self.samples), size))
        ]

    def _groups(self, policy: Policy, batch) -> list[tuple[int, Tensor, Tensor, dict[str, Tensor]]]:
        """Per group of `razorbench.metrics.kl.row_groups`: (first row, rows, cols, model inputs) of its scored
        positions (position t predicts response token t + 1)."""
        positions = chunk_positions(self.settings.kl_chunk_size, output_head(policy.model).weight.shape[0])
        out = []
        for start, stop, width in row_groups(batch, self.settings.kl_chunk_size, positions):
            rows, cols = batch.response_mask[start:stop, 1:width].bool().nonzero(as_tuple=True)
            if rows.numel():
                inputs = {
                    "input_ids": batch.input_ids[start:stop, :width],
                    "attention_mask": batch.attention_mask[start:stop, :width],
                }
                out.append((start, rows, cols, inputs))
        return out

    @torch.no_grad()
    def _logits(self, policy: Policy, batch) -> list[Tensor]:
        head = output_head(policy.model)
        positions = chunk_positions(self.settings.kl_chunk_size, head.weight.shape[0])
        tables = []
        for _, rows, cols, inputs in self._groups(policy, batch):
            hidden = decoder(policy.model)(**inputs, use_cache=False).last_hidden_state[rows, cols]
            chunks = [head(hidden[i : i + positions]).float() for i in range(0, len(rows), positions)]
            tables.append(torch.cat(chunks))
        return tables

    @torch.no_grad()
    def forward_kl(self, policy: Policy) -> dict[str, float]:
        """The exact forward KL of `policy` from π0 on the monitor set, per sequence and per token."""
        was_training = policy.model.training
        policy.model.eval()
        try:
            if self.reference is not None:
                kl = divergences(self.reference, policy, self.samples, self.settings)
                return {"forward_kl": kl["forward_kl"], "forward_kl_per_token": kl["forward_kl_per_token"]}
            return self._from_table(policy)
        finally:
            policy.model.train(was_training)

    def _from_table(self, policy: Policy) -> dict[str, float]:
        head = output_head(policy.model)
        positions = chunk_positions(self.settings.kl_chunk_size, head.weight.shape[0])
        metric = SequenceDivergence()
        for batch, tables in zip(self._batches(policy), self.table, strict=True):
            sums = torch.zeros(batch.input_ids.shape[0], dtype=torch.float32, device=batch.input_ids.device)
            for (start, rows, cols, inputs), ref_logits in zip(self._groups(policy, batch), tables, strict=True):
                hidden = decoder(policy.model)(**inputs, use_cache=False).last_hidden_state[rows, cols]
                for i in range(0, len(rows), positions):
                    kl = token_divergences(ref_logits[i : i + positions], head(hidden[i : i + positions]))["forward_kl"]
                    sums.index_add_(0, rows[i : i + positions] + start, kl)
            metric.update(sums.cpu(), batch.response_mask.sum(-1).cpu())
        values = metric.compute()
        return {"forward_kl": values["per_sequence"].item(), "forward_kl_per_token": values["per_token"].item()}
