"""The shared-context log-likelihoods against a float64 reference computed row by row as lm-eval defines them, and
against lm-eval's own HFLM path on the same requests."""

from __future__ import annotations

import copy

import pytest
import torch

from razorbench.tasks.paper.shared_context import grouped, loglikelihoods
from razorbench.tasks.paper.window import windowed_lm

WINDOW = 128  # the tiny model's context


def _requests(vocab: int) -> list[tuple[list[int], list[int]]]:
    """Multiple-choice-like requests: two contexts with four continuations each (lengths 1-6), a context whose
    choices share a first token, a pair left-truncated by the window, a continuation that fills the window (no
    prefix to share), a one-token context."""
    g = torch.Generator().manual_seed(0)

    def tokens(n: int) -> list[int]:
        return torch.randint(2, vocab, (n,), generator=g).tolist()

    out = []
    for length in (40, 17):
        context = tokens(length)
        out += [(context, tokens(n)) for n in (1, 3, 6, 2)]
    shared = tokens(9)
    first = tokens(1)
    out += [(shared, first + tokens(2)), (shared, first + tokens(4))]
    long_context = tokens(150)
    out += [(long_context, tokens(5)), (long_context, tokens(1))]
    out += [(tokens(10), tokens(WINDOW))]
    out += [(tokens(1), tokens(4))]
    return out


def _reference(model: torch.nn.Module, requests: list[tuple[list[int], list[int]]]) -> list[tuple[float, bool]]:
    """Row by row in float64: keep the last window + 1 tokens, drop the last, score the continuation's positions."""
    model = copy.deepcopy(model).double()
    out = []
    with torch.no_grad():
        for context, continuation in requests:
            row = (context + continuation)[-(WINDOW + 1) :][:-1]
            logits = model(input_ids=torch.tensor([row]), use_cache=False).logits[0, -len(continuation) :]
            targets = torch.tensor(continuation)
            logp = torch.log_softmax(logits, -1).gather(-1, targets[:, None]).squeeze(-1)
            out.append((float(logp.sum()), bool((logits.argmax(-1) == targets).all())))
    return out


@pytest.mark.parametrize("batch_size, batch_tokens", [(1, 4096), (3, 4096), (64, 4096), (64, 16)])
def test_matches_the_float64_row_by_row_reference(small_policy, batch_size, batch_tokens, monkeypatch):
    """Small budgets (16 tokens) cut the tails into many runs, each on its own rows of the prefix cache."""
    import razorbench.tasks.paper.shared_context as shared

    monkeypatch.setattr(shared, "BATCH_TOKENS", batch_tokens)
    model = small_policy.model.eval()
    requests = _requests(model.config.vocab_size)
    ours = loglikelihoods(model, requests, window=WINDOW, batch_size=batch_size, pad_token_id=0)
    reference = _reference(model, requests)
    assert len(ours) == len(reference)
    for i, ((lp, greedy), (lp_ref, greedy_ref)) in enumerate(zip(ours, reference, strict=True)):
        assert lp == pytest.approx(lp_ref, abs=1e-4), i
        assert greedy == greedy_ref, i


def test_agrees_with_lm_evals_own_path(small_policy):
    """The same requests through HFLM's `_loglikelihood_tokens` (share_contexts off) and through ours."""
    model, tokenizer = small_policy.model.eval(), small_policy.tokenizer
    requests = [(("", ""), c, x) for c, x in _requests(model.config.vocab_size)]
    theirs = windowed_lm(model, tokenizer, 4, lambda t, d: str(d))._loglikelihood_tokens(requests)
    ours = windowed_lm(model, tokenizer, 4, lambda t, d: str(d), share_contexts=True)._loglikelihood_tokens(requests)
    for i, ((lp, greedy), (lp_ref, greedy_ref)) in enumerate(zip(ours, theirs, strict=True)):
        assert lp == pytest.approx(lp_ref, abs=1e-4), i
        assert greedy == greedy_ref, i


def test_choices_of_one_context_share_one_prefix():
    """Four choices of a context are one group (their prefix: the context but its last token); a continuation that
    fills the window has an empty prefix; groups come longest first (prefix and longest tail)."""
    context = list(range(10, 30))
    requests = [(context, [1]), (context, [2, 3]), (context, [4, 5, 6]), (context, [7]), ([9] * 5, [8] * WINDOW)]
    groups = grouped(requests, WINDOW)
    assert list(groups) == [(), tuple(context[:-1])]
    members = groups[tuple(context[:-1])]
    assert [m.index for m in members] == [0, 1, 2, 3]
    assert [m.tail for m in members] == [[29], [29, 2], [29, 4, 5], [29]]
    assert groups[()][0].tail == [9] + [8] * (WINDOW - 1)


def test_batches_hold_a_token_budget_and_a_row_count(monkeypatch):
    """Long prefixes run a few at a time, short ones up to `batch_size`; the padded tails are held to the budget
    too; the order is kept, nothing is lost."""
    import razorbench.tasks.paper.shared_context as shared
    from razorbench.tasks.paper.shared_context import _Member

    monkeypatch.setattr(shared, "BATCH_TOKENS", 100)
    items = [((0,) * n, []) for n in (60, 50, 40, 30, 20, 10, 10, 10, 10, 10, 10, 10)]
    cut = shared.batches(items, batch_size=4)
    assert [[len(p) for p, _ in b] for b in cut] == [[60], [50, 40], [30, 20, 10], [10] * 4, [10] * 2]
    tails = [((0,), [_Member(0, [1] * 30, [1]), _Member(1, [1] * 10, [1])]) for _ in range(3)]
    assert [len(b) for b in shared.batches(tails, batch_size=4)] == [1, 1, 1]  # 2 tails x 30 = 60; 4 x 30 > 100
