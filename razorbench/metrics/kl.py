"""The forward KL on the new task, the quantity that predicts forgetting (RL's Razor, arXiv 2509.04259):

    E_x KL(π0(·|x) ‖ π(·|x)),  estimated on responses y ~ π0(·|x) as
    Σ_t Σ_v π0(v | x, y<t) [log π0(v | x, y<t) − log π(v | x, y<t)]

summing the exact KL over the whole vocabulary at every response position: unbiased for the
sequence-level KL and of far lower variance than a sampled-token estimate. Reported per sequence (the
sum) and per token (the mean over response tokens).

Memory does not grow with batch × length, nor with the vocabulary beyond one chunk's logits: the bodies run
on groups of whole sequences of at most `chunk_size` tokens, whose response positions also fit one logits chunk,
and the LM heads are applied to the final hidden states of at most `chunk_positions(chunk_size, vocab)` response
positions at a time (fewer than `chunk_size` when the vocabulary is large, so that a chunk's logits stay under
128 MiB per policy in float32). This takes logits = `get_output_embeddings()(base_model(...) hidden state)`, as in
Llama and Qwen2, reached through PEFT, DDP and compile wrappers by `razorbench.api.model_parts`; a model that
transforms its logits after the head (Gemma 2's soft-capping) would need the full forward instead.

The same pass also gives two predictors the paper compared against (at the same base-sampled prefixes):
the reverse KL Σ_v π(v)[log π(v) − log π0(v)] and the total variation ½ Σ_v |π0(v) − π(v)|, both summed
over response positions like the forward KL; and the sampled-token estimates k1, k2, k3 of both KLs that trainers
log (`razorbench.metrics.kl_estimators`), from the log-ratio at each sampled token, summed the same way.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric

from razorbench.api.model_parts import decoder, output_head
from razorbench.api.policy import Policy, SequenceBatch
from razorbench.metrics.kl_estimators import ESTIMATORS, kl_estimates

DIVERGENCES = ("forward_kl", "reverse_kl", "total_variation")

# Elements of one policy's logits in a chunk: 2^25 float32 = 128 MiB (220 positions of a 151,936-token vocabulary).
LOGITS_ELEMENTS = 1 << 25
# On CPU the divergences go through a chunk's logits in row blocks of ~2 MiB, so that their ~10 elementwise passes
# stay in cache: at a 151,936-token vocabulary that made them ~2.5x faster than whole-chunk passes (on 1 CPU core).
# Elsewhere (GPU) a block is the whole chunk: there a Python loop over small blocks would mostly add kernel launches.
CPU_BLOCK_ELEMENTS = 1 << 19


def chunk_positions(chunk_size: int, vocab_size: int) -> int:
    """Response positions whose logits are made at once: `chunk_size`, fewer for a large vocabulary."""
    return max(1, min(chunk_size, LOGITS_ELEMENTS // vocab_size))


def token_divergences(ref_logits: Tensor, logits: Tensor, targets: Tensor | None = None) -> dict[str, Tensor]:
    """Exact KL(π0 ‖ π), KL(π ‖ π0) and TV(π0, π) over the last dim, in float32. (N, V) -> 3 × (N,). With `targets`
    (N,), the sampled tokens, also "sampled_log_ratio": log π0(target) − log π(target), (N,)."""
    shape, vocab = logits.shape[:-1], logits.shape[-1]
    ref_logits, logits = ref_logits.reshape(-1, vocab), logits.reshape(-1, vocab)
    targets = targets.reshape(-1, 1) if targets is not None else None
    if torch.is_grad_enabled() and (logits.requires_grad or ref_logits.requires_grad):
        # A training penalty differentiates through this: no in-place ops, whose inputs autograd still needs.
        ref_logp, logp = torch.log_softmax(ref_logits.float(), dim=-1), torch.log_softmax(logits.float(), dim=-1)
        ref_p, p, log_ratio = ref_logp.exp(), logp.exp(), ref_logp - logp
        values = ((ref_p * log_ratio).sum(-1), -(p * log_ratio).sum(-1), 0.5 * (ref_p - p).abs().sum(-1))
        out = {name: v.view(shape) for name, v in zip(DIVERGENCES, values, strict=True)}
        if targets is not None:
            out["sampled_log_ratio"] = log_ratio.gather(-1, targets).view(shape)
        return out
    rows = ref_logits.shape[0]
    block = max(1, CPU_BLOCK_ELEMENTS // vocab) if logits.device.type == "cpu" else max(1, rows)
    out = torch.empty(len(DIVERGENCES), rows, dtype=torch.float32, device=logits.device)
    sampled = torch.empty(rows, dtype=torch.float32, device=logits.device) if targets is not None else None
    for start in range(0, rows, block):
        stop = start + block
        ref_logp = torch.log_softmax(ref_logits[start:stop].float(), dim=-1)
        logp = torch.log_softmax(logits[start:stop].float(), dim=-1)
        ref_p, p = ref_logp.exp(), logp.exp()
        log_ratio = ref_logp.sub_(logp)  # log π0 − log π, in place of log π0 (no longer needed)
        out[0, start:stop] = (ref_p * log_ratio).sum(-1)
        out[1, start:stop] = (p * log_ratio).sum(-1).neg_()
        out[2, start:stop] = ref_p.sub_(p).abs_().sum(-1).mul_(0.5)
        if sampled is not None:
            sampled[start:stop] = log_ratio.gather(-1, targets[start:stop]).squeeze(-1)
    result = {name: values.view(shape) for name, values in zip(DIVERGENCES, out, strict=True)}
    if sampled is not None:
        result["sampled_log_ratio"] = sampled.view(shape)
    return result


def token_kl(ref_logits: Tensor, logits: Tensor) -> Tensor:
    """Exact KL(softmax(ref_logits) ‖ softmax(logits)) over the last dim. (N, V) -> (N,)."""
    return token_divergences(ref_logits, logits)["forward_kl"]


def row_groups(batch: SequenceBatch, tokens: int, positions: int) -> list[tuple[int, int, int]]:
    """Consecutive rows [start, stop) and the width they need: rows × width ≤ `tokens` and at most `positions`
    scored positions, or a single row. A row's width ends at its last attended or response token."""
    used = batch.attention_mask.bool() | batch.response_mask.bool()
    widths = (used * torch.arange(1, used.shape[1] + 1, device=used.device)).amax(1).tolist()
    scored = batch.response_mask[:, 1:].bool().sum(1).tolist()
    groups: list[tuple[int, int, int]] = []
    start, width, count = 0, 0, 0
    for row, (w, s) in enumerate(zip(widths, scored, strict=True)):
        if row > start and ((row - start + 1) * max(width, w) > tokens or count + s > positions):
            groups.append((start, row, width))
            start, width, count = row, 0, 0
        width, count = max(width, w), count + s
    groups.append((start, len(widths), width))
    return groups


@torch.no_grad()
def sequence_divergences(
    reference: Policy, policy: Policy, batch: SequenceBatch, chunk_size: int = 4096
) -> dict[str, Tensor]:
    """Per-sequence sums (B,) over response positions of the three divergences of `token_divergences` (float32) and
    of the six sampled-token estimates of `kl_estimates` at the sampled response tokens (float64).

        `batch` holds responses sampled from `reference` (π0). The logits at position t-1 predict token t,
        so the positions scored are those whose *next* token is a response token. The bodies run a group of
        sequences at a time (see the module docstring), up to the group's longest sequence, not over the padding
        past it. The final hidden states of scored positions wait until they fill a chunk: every chunk but the
        last is full, and at most two chunks' hidden states are held at once.
    """
    ref_head, head = output_head(reference.model), output_head(policy.model)
    positions = chunk_positions(chunk_size, head.weight.shape[0])
    sums = torch.zeros(len(DIVERGENCES), batch.input_ids.shape[0], dtype=torch.float32, device=batch.input_ids.device)
    estimates = torch.zeros(len(ESTIMATORS), sums.shape[1], dtype=torch.float64, device=sums.device)
    # (row, sampled token, π0 hidden, π hidden) of positions not yet scored
    pending: list[tuple[Tensor, Tensor, Tensor, Tensor]] = []

    def score(final: bool) -> None:
        """The heads and divergences over the pending positions, `positions` at a time; all of them if `final`,
        else the full chunks only (the rest waits for the next group)."""
        rows, tokens, ref_hidden, hidden = (torch.cat(parts) for parts in zip(*pending, strict=True))
        done = rows.numel() if final else rows.numel() - rows.numel() % positions
        for first in range(0, done, positions):
            last = min(first + positions, done)
            values = token_divergences(ref_head(ref_hidden[first:last]), head(hidden[first:last]), tokens[first:last])
            sums.index_add_(1, rows[first:last], torch.stack([values[name] for name in DIVERGENCES]))
            sampled = kl_estimates(values["sampled_log_ratio"])
            estimates.index_add_(1, rows[first:last], torch.stack([sampled[name] for name in ESTIMATORS]))
        rest = slice(done, None)
        pending[:] = [(rows[rest], tokens[rest], ref_hidden[rest], hidden[rest])] if done < rows.numel() else []

    waiting = 0
    for start, stop, width in row_groups(batch, chunk_size, positions):
        rows, cols = batch.response_mask[start:stop, 1:width].bool().nonzero(as_tuple=True)
        if rows.numel() == 0:
            continue
        inputs = {
            "input_ids": batch.input_ids[start:stop, :width],
            "attention_mask": batch.attention_mask[start:stop, :width],
        }
        ref_hidden = decoder(reference.model)(**inputs, use_cache=False).last_hidden_state[rows, cols]
        hidden = decoder(policy.model)(**inputs, use_cache=False).last_hidden_state[rows, cols]
        # Position t predicts token t + 1: the sampled response token whose log-ratio the estimates take.
        tokens = batch.input_ids[start:stop][rows, cols + 1]
        pending.append((rows + start, tokens, ref_hidden, hidden))
        waiting += rows.numel()
        if waiting >= positions:
            score(final=False)
            waiting %= positions
    if pending:
        score(final=True)
    return {**dict(zip(DIVERGENCES, sums, strict=True)), **dict(zip(ESTIMATORS, estimates, strict=True))}


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
