import math

import torch
from torch.testing import assert_close

from razorbench.methods.dpo import PairLogprobs
from razorbench.methods.dpo_nll import DPONLL, DPONLLConfig, chosen_nll, dpo_nll_loss


def looped(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l, beta, alpha):
    """The loss by hand in float64: −log σ(β(r_w − r_l)) + α·(−Σ log π(y_w)/|y_w|), mean over pairs."""
    total = 0.0
    for i in range(logp_w.shape[0]):
        tokens_w = [t for t in range(logp_w.shape[1]) if mask_w[i, t]]
        ratio_w = sum(float(logp_w[i, t] - ref_w[i, t]) for t in tokens_w)
        ratio_l = sum(float(logp_l[i, t] - ref_l[i, t]) for t in range(logp_l.shape[1]) if mask_l[i, t])
        dpo = math.log(1 + math.exp(-beta * (ratio_w - ratio_l)))
        nll = -sum(float(logp_w[i, t]) for t in tokens_w) / len(tokens_w)
        total += dpo + alpha * nll
    return total / logp_w.shape[0]


def test_dpo_nll_loss_matches_a_float64_loop_with_masking_and_padding():
    g = torch.Generator().manual_seed(1)
    logp_w, logp_l, ref_w, ref_l = (-torch.rand(3, 5, generator=g, dtype=torch.float64) * 3 for _ in range(4))
    mask_w = torch.tensor([[0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 1, 1, 1, 1]], dtype=torch.float64)
    mask_l = torch.tensor([[0, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 1, 1, 0, 0]], dtype=torch.float64)
    got, _ = dpo_nll_loss(PairLogprobs(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l), beta=0.5, nll_weight=0.7)
    expected = looped(logp_w, logp_l, ref_w, ref_l, mask_w, mask_l, 0.5, 0.7)
    assert_close(got, torch.tensor(expected, dtype=torch.float64))
    garbage = torch.full_like(logp_w, 1e6)
    padded, _ = dpo_nll_loss(
        PairLogprobs(torch.where(mask_w.bool(), logp_w, garbage), logp_l, ref_w, ref_l, mask_w, mask_l),
        beta=0.5,
        nll_weight=0.7,
    )  # prompt and padding positions never count
    assert_close(padded, got)


def test_the_nll_term_is_the_mean_per_token_nll_of_the_chosen_response():
    logp = torch.log(torch.tensor([[0.5, 0.25, 1.0], [0.1, 1.0, 1.0]], dtype=torch.float64))
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
    expected = ((math.log(2) + math.log(4)) / 2 + math.log(10)) / 2
    assert_close(chosen_nll(logp, mask), torch.tensor(expected, dtype=torch.float64))


def test_at_weight_zero_it_is_dpo_and_at_the_reference_the_dpo_part_is_log_2():
    logp = -torch.rand(4, 3, dtype=torch.float64)
    mask = torch.ones(4, 3, dtype=torch.float64)
    loss, nll = dpo_nll_loss(PairLogprobs(logp, logp, logp, logp, mask, mask), beta=0.1, nll_weight=2.0)
    assert_close(loss, math.log(2) + 2.0 * nll)
    plain, _ = dpo_nll_loss(PairLogprobs(logp, logp, logp, logp, mask, mask), beta=0.1, nll_weight=0.0)
    assert_close(plain, torch.tensor(math.log(2), dtype=torch.float64))


def test_the_nll_term_raises_a_chosen_token_that_dpo_leaves_alone():
    # One categorical per position, shared by both responses (as one model's logits would be): at position 0 both
    # responses have token 1, so DPO's pull up (chosen) and push down (rejected) cancel there; the NLL term does not.
    def step(nll_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
        logits = torch.zeros(3, 5, dtype=torch.float64, requires_grad=True)
        chosen_tokens, rejected_tokens = torch.tensor([1, 2, 3]), torch.tensor([1, 4, 0])

        def logp_of(tokens, weights):
            return torch.log_softmax(weights, -1).gather(-1, tokens[:, None]).squeeze(-1)[None]

        chosen, rejected = logp_of(chosen_tokens, logits), logp_of(rejected_tokens, logits)
        mask = torch.ones(1, 3, dtype=torch.float64)
        loss, _ = dpo_nll_loss(
            PairLogprobs(chosen, rejected, chosen.detach(), rejected.detach(), mask, mask),
            beta=0.1,
            nll_weight=nll_weight,
        )
        loss.backward()
        with torch.no_grad():
            return chosen[0], logp_of(chosen_tokens, logits - logits.grad)[0]

    before, dpo_only = step(0.0)
    _, with_nll = step(1.0)
    assert_close(dpo_only[0], before[0])  # DPO alone leaves the shared token where it was
    assert with_nll[0] > before[0] and (with_nll > dpo_only).all()


def test_dpo_nll_needs_the_reference_and_defaults_to_the_papers_weight():
    assert DPONLL.needs_reference(DPONLLConfig()) and DPONLLConfig().nll_weight == 1.0
