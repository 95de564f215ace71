import math

import torch
from torch.testing import assert_close

from razorbench.methods.dpo import DPO, DPOConfig, PairLogprobs, dpo_loss


def looped_dpo(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l, beta):
    total = 0.0
    for i in range(logp_w.shape[0]):
        ratio_w = sum(float(logp_w[i, t] - ref_w[i, t]) for t in range(logp_w.shape[1]) if mask_w[i, t])
        ratio_l = sum(float(logp_l[i, t] - ref_l[i, t]) for t in range(logp_l.shape[1]) if mask_l[i, t])
        total += math.log(1 + math.exp(-beta * (ratio_w - ratio_l)))  # −log σ(z) = log(1 + e^−z)
    return total / logp_w.shape[0]


def test_dpo_loss_matches_a_float64_loop_with_masking_and_padding():
    g = torch.Generator().manual_seed(0)
    logp_w, logp_l, ref_w, ref_l = (-torch.rand(3, 5, generator=g, dtype=torch.float64) * 3 for _ in range(4))
    mask_w = torch.tensor([[0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 1, 1, 1, 1]], dtype=torch.float64)
    mask_l = torch.tensor([[0, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 1, 1, 0, 0]], dtype=torch.float64)
    got = dpo_loss(PairLogprobs(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l), beta=0.5)
    assert_close(got, torch.tensor(looped_dpo(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l, 0.5), dtype=torch.float64))
    garbage = torch.full_like(logp_w, 1e6)
    padded = dpo_loss(
        PairLogprobs(torch.where(mask_w.bool(), logp_w, garbage), logp_l, ref_w, ref_l, mask_w, mask_l), beta=0.5
    )  # prompt and padding positions never count
    assert_close(padded, got)


def test_at_the_reference_the_loss_is_log_2():
    logp = -torch.rand(4, 3)
    mask = torch.ones(4, 3)
    assert_close(dpo_loss(PairLogprobs(logp, logp, logp, logp, mask, mask), beta=0.1), torch.tensor(math.log(2)))


def test_a_step_raises_the_chosen_and_lowers_the_rejected_response():
    logits = torch.zeros(2, 3, 5, requires_grad=True)  # row 0: chosen, row 1: rejected; free categoricals
    tokens = torch.tensor([[1, 2, 3], [4, 4, 0]])
    logp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    ref = logp.detach()
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    dpo_loss(PairLogprobs(logp[:1], logp[1:], ref[:1], ref[1:], mask[:1], mask[1:]), beta=0.1).backward()
    with torch.no_grad():
        after = torch.log_softmax(logits - 10.0 * logits.grad, -1).gather(-1, tokens[..., None]).squeeze(-1)
    assert (after[0] > logp[0]).all() and (after[1, :2] < logp[1, :2]).all()


def test_dpo_always_needs_the_reference():
    assert DPO.needs_reference(DPOConfig())


def test_pairs_split_the_chosen_rows_from_the_rejected_ones():
    logp, ref, mask = torch.arange(8.0).reshape(4, 2), -torch.arange(8.0).reshape(4, 2), torch.eye(4, 2)
    pairs = PairLogprobs.split(logp, ref, mask)
    for got, rows in [(pairs.chosen, logp[:2]), (pairs.ref_chosen, ref[:2]), (pairs.chosen_mask, mask[:2])]:
        assert_close(got, rows)
    for got, rows in [(pairs.rejected, logp[2:]), (pairs.ref_rejected, ref[2:]), (pairs.rejected_mask, mask[2:])]:
        assert_close(got, rows)
