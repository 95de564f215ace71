import torch
from torch.testing import assert_close

from razorbench.metrics.kl import SequenceDivergence, sequence_forward_kl, token_kl


def brute_force_sequence_kl(reference, policy, batch) -> torch.Tensor:
    """Σ_t Σ_v p0 (log p0 - log p) in float64, looping over sequences and response positions."""
    ref_logits = reference.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    logits = policy.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    reference.model.float(), policy.model.float()
    out = torch.zeros(batch.input_ids.shape[0], dtype=torch.float64)
    for b in range(batch.input_ids.shape[0]):
        for t in range(1, batch.input_ids.shape[1]):
            if batch.response_mask[b, t]:
                p0 = torch.softmax(ref_logits[b, t - 1], -1)
                lp0, lp = torch.log_softmax(ref_logits[b, t - 1], -1), torch.log_softmax(logits[b, t - 1], -1)
                out[b] += sum(p0[v] * (lp0[v] - lp[v]) for v in range(p0.numel()))
    return out


def _batch(policy):
    prompts = [policy.prompt_ids("add 1 2"), policy.prompt_ids("capital of Peru"), policy.prompt_ids("x")]
    responses = [[30, 31, 1], [40, 41, 42, 43, 44, 1], [50]]  # different lengths, one without EOS
    return policy.pack(prompts, responses)


def test_sequence_kl_matches_float64_brute_force_with_chunking(policy_pair):
    reference, policy = policy_pair
    batch = _batch(policy)
    expected = brute_force_sequence_kl(reference, policy, batch)
    for chunk in (1, 3, 4096):  # chunk boundaries inside and across sequences
        assert_close(sequence_forward_kl(reference, policy, batch, chunk).double(), expected, rtol=1e-4, atol=1e-6)


def test_kl_of_policy_with_itself_is_zero(policy_pair):
    reference, _ = policy_pair
    kl = sequence_forward_kl(reference, reference, _batch(reference))
    assert_close(kl, torch.zeros(3), atol=1e-5, rtol=0)


def test_padding_does_not_change_a_sequence_kl(policy_pair):
    reference, policy = policy_pair
    full = sequence_forward_kl(reference, policy, _batch(policy))
    alone = sequence_forward_kl(reference, policy, policy.pack([policy.prompt_ids("x")], [[50]]))
    assert_close(full[2], alone[0], rtol=1e-4, atol=1e-6)


def test_token_kl_hand_computed():
    # p0 = (1/2, 1/2), p = (1/4, 3/4): KL = 1/2 ln 2 + 1/2 ln(2/3)
    ref_logits = torch.log(torch.tensor([[0.5, 0.5]]))
    logits = torch.log(torch.tensor([[0.25, 0.75]]))
    expected = 0.5 * torch.log(torch.tensor(2.0)) + 0.5 * torch.log(torch.tensor(2 / 3))
    assert_close(token_kl(ref_logits, logits), expected.reshape(1))


def test_forward_kl_metric_aggregates_per_sequence_and_per_token():
    metric = SequenceDivergence()
    metric.update(torch.tensor([1.0, 3.0]), torch.tensor([2, 2]))
    metric.update(torch.tensor([2.0]), torch.tensor([4]))
    values = metric.compute()
    assert_close(values["per_sequence"], torch.tensor(2.0, dtype=torch.float64))
    assert_close(values["per_token"], torch.tensor(6.0 / 8, dtype=torch.float64))


def test_reverse_kl_and_total_variation_match_float64_loops(policy_pair):
    from razorbench.metrics.kl import sequence_divergences

    reference, policy = policy_pair
    batch = _batch(policy)
    ref_logits = reference.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    logits = policy.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    reference.model.float(), policy.model.float()
    reverse, tv = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for b in range(3):
        for t in range(1, batch.input_ids.shape[1]):
            if batch.response_mask[b, t]:
                p0, p = torch.softmax(ref_logits[b, t - 1], -1), torch.softmax(logits[b, t - 1], -1)
                reverse[b] += sum(p[v] * (torch.log(p[v]) - torch.log(p0[v])) for v in range(p.numel()))
                tv[b] += 0.5 * sum(abs(p0[v] - p[v]) for v in range(p.numel()))
    got = sequence_divergences(reference, policy, batch, chunk_size=2)
    assert_close(got["reverse_kl"].double(), reverse, rtol=1e-4, atol=1e-6)
    assert_close(got["total_variation"].double(), tv, rtol=1e-4, atol=1e-6)


def _ragged_batch(policy):
    """Six rows of different prompt and response lengths, one without a response (nothing to score)."""
    prompts = [policy.prompt_ids(p) for p in ("add 1 2", "capital of Peru", "x", "sum of 3 and 4", "hi", "y")]
    responses = [[30, 31, 1], [40, 41, 42, 43, 44, 45, 46, 1], [50], [], [60, 61, 62, 63, 1], [70, 71]]
    return policy.pack(prompts, responses)


def test_divergences_do_not_depend_on_chunk_sizes_or_blocks(policy_pair, monkeypatch):
    # Row groups, logits chunks (chunk_size and the vocabulary cap) and CPU row blocks only split the work.
    from razorbench.metrics import kl

    reference, policy = policy_pair
    batch = _ragged_batch(policy)
    expected = kl.sequence_divergences(reference, policy, batch)
    assert expected["forward_kl"][3] == 0 and (expected["forward_kl"][[0, 1, 2, 4, 5]] > 0).all()
    vocab = policy.model.get_output_embeddings().weight.shape[0]
    for logits_elements, block_elements in ((kl.LOGITS_ELEMENTS, kl.CPU_BLOCK_ELEMENTS), (3 * vocab, vocab)):
        monkeypatch.setattr(kl, "LOGITS_ELEMENTS", logits_elements)
        monkeypatch.setattr(kl, "CPU_BLOCK_ELEMENTS", block_elements)
        for chunk in (1, 2, 5, 16, 40, 4096):
            got = kl.sequence_divergences(reference, policy, batch, chunk)
            for name in kl.DIVERGENCES:
                assert_close(got[name], expected[name], rtol=0, atol=1e-6, msg=f"{name}, chunk {chunk}")


def test_work_goes_in_chunks_of_bounded_size(policy_pair, monkeypatch):
    # Bodies see groups of whole rows of at most chunk_size tokens (or a single row), heads at most one chunk of
    # positions, and every head call but the last is a full chunk.
    from razorbench.metrics import kl

    reference, policy = policy_pair
    batch = _ragged_batch(policy)
    vocab = policy.model.get_output_embeddings().weight.shape[0]
    monkeypatch.setattr(kl, "LOGITS_ELEMENTS", 4 * vocab)  # 4 positions a chunk
    bodies, heads = [], []
    hooks = [
        model.base_model.register_forward_pre_hook(
            lambda m, a, kw: bodies.append(kw["input_ids"].shape), with_kwargs=True
        )
        for model in (reference.model, policy.model)
    ]
    hooks += [
        model.get_output_embeddings().register_forward_pre_hook(lambda m, a: heads.append(a[0].shape[0]))
        for model in (reference.model, policy.model)
    ]
    try:
        kl.sequence_divergences(reference, policy, batch, chunk_size=40)
    finally:
        for hook in hooks:
            hook.remove()
    assert all(rows == 1 or rows * width <= 40 for rows, width in bodies)
    assert sum(rows for rows, _ in bodies) <= 2 * batch.input_ids.shape[0]  # no row runs twice
    scored = int(batch.response_mask[:, 1:].sum())
    assert heads[:-2] == [4] * (len(heads) - 2) and sum(heads) == 2 * scored and max(heads) <= 4


def test_token_divergences_keep_leading_dims_and_match_whole_tensor_math(monkeypatch):
    from razorbench.metrics import kl

    g = torch.Generator().manual_seed(0)
    ref_logits, logits = torch.randn(2, 5, 7, generator=g), torch.randn(2, 5, 7, generator=g)
    ref_logp, logp = ref_logits.double().log_softmax(-1), logits.double().log_softmax(-1)
    expected = {
        "forward_kl": (ref_logp.exp() * (ref_logp - logp)).sum(-1),
        "reverse_kl": (logp.exp() * (logp - ref_logp)).sum(-1),
        "total_variation": 0.5 * (ref_logp.exp() - logp.exp()).abs().sum(-1),
    }
    monkeypatch.setattr(kl, "CPU_BLOCK_ELEMENTS", 21)  # blocks of 3 rows: 10 rows in 4 blocks
    got = kl.token_divergences(ref_logits, logits)
    for name in kl.DIVERGENCES:
        assert_close(got[name].double(), expected[name], rtol=1e-5, atol=1e-6)
    assert kl.token_kl(ref_logits[0, 0], logits[0, 0]).shape == ()
