"""The forward KL on the new task, the quantity that predicts forgetting (RL's Razor, arXiv 2509.04259):

    E_x KL(π0(·|x) ‖ π(·|x)),  estimated on responses y ~ π0(·|x) as
    Σ_t Σ_v π0(v | x, y<t) [log π0(v | x, y<t) − log π(v | x, y<t)]

summing the exact KL over the whole vocabulary at every response position: unbiased for the
sequence-level KL and of far lower variance than a sampled-token estimate. Reported per sequence (the
sum) and per token (the mean over response tokens).

Memory does not grow with batch × length × vocabulary: the LM head is applied to the final hidden
states of `chunk_size` response positions at a time.

The same pass also gives two predictors the paper compared against (at the same base-sampled prefixes):
the reverse KL Σ_v π(v)[log π(v) − log π0(v)] and the total variation ½ Σ_v |π0(v) − π(v)|, both summed
over response positions like the forward KL.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric

from razorbench.policy import Policy, SequenceBatch


def _hidden_and_head(policy: Policy, batch: SequenceBatch) -> tuple[Tensor, torch.nn.Module]:
    """Final hidden states (B, T, H) and the LM head, so logits can be made a chunk at a time."""
    model = policy.model
    hidden = model.base_model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    return hidden, model.get_output_embeddings()


DIVERGENCES = ("forward_kl", "reverse_kl", "total_variation")


def token_divergences(ref_logits: Tensor, logits: Tensor) -> dict[str, Tensor]:
    """Exact KL(π0 ‖ π), KL(π ‖ π0) and TV(π0, π) over the last dim, in float32. (N, V) -> 3 × (N,)."""
    ref_logp = torch.log_softmax(ref_logits.float(), dim=-1)
    logp = torch.log_softmax(logits.float(), dim=-1)
    ref_p, p = ref_logp.exp(), logp.exp()
    return {
        "forward_kl": (ref_p * (ref_logp - logp)).sum(-1),
        "reverse_kl": (p * (logp - ref_logp)).sum(-1),
        "total_variation": 0.5 * (ref_p - p).abs().sum(-1),
    }


def token_kl(ref_logits: Tensor, logits: Tensor) -> Tensor:
    """Exact KL(softmax(ref_logits) ‖ softmax(logits)) over the last dim. (N, V) -> (N,)."""
    return token_divergences(ref_logits, logits)["forward_kl"]


@torch.no_grad()
def sequence_divergences(
    reference: Policy, policy: Policy, batch: SequenceBatch, chunk_size: int = 4096
) -> dict[str, Tensor]:
    """Per-sequence sums (B,) over response positions of the three divergences of `token_divergences`.

    `batch` holds responses sampled from `reference` (π0). The logits at position t-1 predict token t,
    so the positions scored are those whose *next* token is a response token.
    """
    ref_hidden, ref_head = _hidden_and_head(reference, batch)
    hidden, head = _hidden_and_head(policy, batch)
    predicts_response = batch.response_mask[:, 1:].bool()  # (B, T-1)
    rows, cols = predicts_response.nonzero(as_tuple=True)
    sums = {
        k: torch.zeros(batch.input_ids.shape[0], dtype=torch.float32, device=ref_hidden.device) for k in DIVERGENCES
    }
    for start in range(0, rows.numel(), chunk_size):
        r, c = rows[start : start + chunk_size], cols[start : start + chunk_size]
        for name, values in token_divergences(ref_head(ref_hidden[r, c]), head(hidden[r, c])).items():
            sums[name].index_add_(0, r, values)
    return sums


def sequence_forward_kl(reference: Policy, policy: Policy, batch: SequenceBatch, chunk_size: int = 4096) -> Tensor:
    """Per-sequence forward KL (B,): the exact per-token KL summed over each sequence's response tokens."""
    return sequence_divergences(reference, policy, batch, chunk_size)["forward_kl"]


class SequenceDivergence(Metric):
    """Accumulates a per-sequence divergence (e.g. the forward KL); `compute()` -> {"per_sequence": mean of
    the sequence sums, "per_token": total / response tokens}."""

    higher_is_better = False
    full_state_update = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_state("kl_sum", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("sequences", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, sequence_kl: Tensor, sequence_tokens: Tensor) -> None:
        self.kl_sum += sequence_kl.double().sum()
        self.sequences += sequence_kl.numel()
        self.tokens += sequence_tokens.sum()

    def compute(self) -> dict[str, Tensor]:
        return {
            "per_sequence": self.kl_sum / self.sequences.clamp(min=1),
            "per_token": self.kl_sum / self.tokens.clamp(min=1),
        }
