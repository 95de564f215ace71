"""Log-likelihoods of lm-eval's (context, continuation) requests with each context run once and the LM head on the
continuation positions alone: lm-eval's numbers (to float rounding) for a fraction of the work.

lm-eval's HFLM runs every request as one whole row (context + continuation) and takes a log-softmax over the whole
vocabulary at every position of every row, although only the continuation's positions are read. A multiple-choice
document repeats its context once per choice: SciQ's passage is run four times, and the log-softmax over SmolLM2's
49,152-word vocabulary at every position of its longest batch took most of an evaluation's memory. Here the requests
sharing a context prefix form a group; the prefix runs once into a KV cache, each member's short tail (the context's
last token and the continuation but its last token) runs on its group's rows of that cache, tails of similar length
together, and the head and log-softmax see the tail positions only.

The semantics are lm-eval's (`HFLM._loglikelihood_tokens`, causal): the row (context + continuation) keeps its last
`window + 1` tokens (left truncation) and drops its last token; the result per request is (sum of the continuation's
log-probabilities, whether greedy decoding reproduces it), in the requests' order. A request whose continuation fills
the whole window has no prefix to share and runs alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from razorbench.api.policy import new_kv_cache, takes_logits_to_keep

BATCH_TOKENS = 4096
"""At most this many padded tokens a forward pass (prefixes, or tails): a batch of the longest contexts is a few rows,
of short ones up to `batch_size`. A fixed row count padded every row to the batch's longest context, and SciQ's
passages vary tenfold in length."""


@dataclass
class _Member:
    index: int  # the request's position in the caller's list
    tail: list[int]  # tokens whose logits predict the continuation: the context's last token, continuation[:-1]
    continuation: list[int]


def split_request(context: Sequence[int], continuation: Sequence[int], window: int) -> tuple[tuple[int, ...], _Member]:
    """(prefix, member) of one request under lm-eval's left truncation; `member.index` is set by the caller."""
    row = (list(context) + list(continuation))[-(window + 1) :]
    cut = len(row) - len(continuation) - 1  # the row's last context token starts the tail
    return tuple(row[:cut]), _Member(-1, row[cut:-1], list(continuation))


Request = tuple[Sequence[int], Sequence[int]]  # (context tokens, continuation tokens)


def grouped(requests: Sequence[Request], window: int) -> dict[tuple[int, ...], list[_Member]]:
    """The requests grouped by their shared prefix, the longest (prefix + longest tail) first, as lm-eval sorts rows:
    neighbours have similar lengths, and the first batch is the largest, so a memory error comes at once."""
    groups: dict[tuple[int, ...], list[_Member]] = {}
    for index, (context, continuation) in enumerate(requests):
        prefix, member = split_request(context, continuation, window)
        member.index = index
        groups.setdefault(prefix, []).append(member)
    return dict(sorted(groups.items(), key=lambda item: -len(item[0]) - max(len(m.tail) for m in item[1])))


@torch.inference_mode()
def loglikelihoods(
    model: torch.nn.Module,
    requests: Sequence[Request],
    *,
    window: int,
    batch_size: int,
    pad_token_id: int,
) -> list[tuple[float, bool]]:
    """(log-likelihood, is_greedy) of each (context tokens, continuation tokens) request, in order, with a
    transformers decoder-only `model` that takes a `DynamicCache`; at most `batch_size` prefixes run at a time."""
    results: list[tuple[float, bool]] = [(0.0, False)] * len(requests)
    items = list(grouped(requests, window).items())
    for _, members in (item for item in items if not item[0]):  # a continuation that fills the window: alone
        for member in members:
            logits = model(input_ids=torch.tensor([member.tail]), use_cache=False).logits[0]
            results[member.index] = _score(logits, member.continuation)
    for batch in batches([item for item in items if item[0]], batch_size):
        for member, logits in _tail_logits(model, batch, pad_token_id):
            results[member.index] = _score(logits, member.continuation)
    return results


def _padded(widths: list[int]) -> int:
    """Tokens a batch of rows of these lengths takes once padded to the longest."""
    return max(widths, default=0) * len(widths)


def batches(items: list[tuple[tuple[int, ...], list[_Member]]], batch_size: int) -> list[list]:
    """`items` cut, in order, into runs of at most `batch_size` groups whose padded prefixes hold at most
    `BATCH_TOKENS` tokens, and so do their padded tails (at least one group a run)."""
    out: list[list] = []
    for item in items:
        if out and len(out[-1]) < batch_size:
            trial = [*out[-1], item]
            prefixes = _padded([len(prefix) for prefix, _ in trial])
            tails = _padded([len(m.tail) for _, group in trial for m in group])
            if max(prefixes, tails) <= BATCH_TOKENS:
                out[-1].append(item)
                continue
        out.append([item])
    return out


def _tail_logits(
    model: torch.nn.Module, batch: list[tuple[tuple[int, ...], list[_Member]]], pad_token_id: int
) -> list[tuple[_Member, Tensor]]:
    """Each member of the batch's groups with its tail's logits (len(tail), V). The prefixes run once, left-padded,
    into a KV cache; the tails then run longest first in runs of similar length (a group's choices can differ
    fourfold in length: PIQA's), each run on a cache of its own members' prefix rows."""
    prefixes = [prefix for prefix, _ in batch]
    width = max(len(p) for p in prefixes)
    prefix_ids = torch.full((len(prefixes), width), pad_token_id, dtype=torch.long)
    prefix_mask = torch.zeros_like(prefix_ids)
    for row, prefix in enumerate(prefixes):
        prefix_ids[row, width - len(prefix) :] = torch.tensor(prefix, dtype=torch.long)
        prefix_mask[row, width - len(prefix) :] = 1
    cache = new_kv_cache(model)
    # No logits are read from the prefix: the head runs on its last column only where the model allows.
    keep = {"logits_to_keep": 1} if takes_logits_to_keep(type(model)) else {}
    model(
        input_ids=prefix_ids,
        attention_mask=prefix_mask,
        position_ids=(prefix_mask.cumsum(-1) - 1).clamp(min=0),
        past_key_values=cache,
        use_cache=True,
        **keep,
    )
    members = sorted(
        ((row, member) for row, (_, group) in enumerate(batch) for member in group), key=lambda rm: -len(rm[1].tail)
    )
    out: list[tuple[_Member, Tensor]] = []
    start = 0
    while start < len(members):
        length = len(members[start][1].tail)  # the run's longest
        stop = min(len(members), start + max(1, BATCH_TOKENS // length))
        run = members[start:stop]
        rows = torch.tensor([row for row, _ in run])
        run_cache = new_kv_cache(model)
        for index, layer in enumerate(cache.layers):  # each member's prefix keys and values
            run_cache.update(layer.keys[rows], layer.values[rows], index)
        tail_ids = torch.full((len(run), length), pad_token_id, dtype=torch.long)
        tail_mask = torch.zeros_like(tail_ids)
        for i, (_, member) in enumerate(run):
            tail_ids[i, : len(member.tail)] = torch.tensor(member.tail, dtype=torch.long)
            tail_mask[i, : len(member.tail)] = 1
        logits = model(
            input_ids=tail_ids,
            attention_mask=torch.cat([prefix_mask[rows], tail_mask], dim=1),
            position_ids=prefix_mask.sum(-1)[rows].unsqueeze(-1) + torch.arange(length),
            past_key_values=run_cache,
            use_cache=True,
        ).logits
        out += [(member, logits[i, : len(member.tail)]) for i, (_, member) in enumerate(run)]
        start = stop
    return out


def _score(logits: Tensor, continuation: list[int]) -> tuple[float, bool]:
    """(sum of log p(continuation token), whether each is the argmax) from its positions' logits (len, V)."""
    logits = logits.float()
    targets = torch.tensor(continuation, dtype=torch.long)
    logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return float(logp.sum()), bool((logits.argmax(dim=-1) == targets).all())
