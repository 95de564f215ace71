import math

import torch
from torch.testing import assert_close

from razorbench.methods.simpo import simpo_loss


def looped_simpo(chosen_logp, rejected_logp, chosen_mask, rejected_mask, beta, gamma):
    total = 0.0
    for i in range(chosen_logp.shape[0]):
        rewards = []
        for logp, mask in ((chosen_logp[i], chosen_mask[i]), (rejected_logp[i], rejected_mask[i])):
            tokens = [float(x) for x, m in zip(logp, mask, strict=True) if m]
            rewards.append(beta * sum(tokens) / len(tokens))
        z = rewards[0] - rewards[1] - gamma
        total += -math.log(1 / (1 + math.exp(-z)))
    return total / chosen_logp.shape[0]


def test_simpo_loss_matches_a_float64_loop_with_masking_and_padding():
    g = torch.Generator().manual_seed(0)
    chosen, rejected = (-torch.rand(3, 6, generator=g, dtype=torch.float64) * 2 for _ in range(2))
    chosen_mask = torch.tensor([[0, 0, 1, 1, 1, 0], [0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=torch.float64)
    rejected_mask = torch.tensor([[0, 0, 1, 0, 0, 0], [0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 0]], dtype=torch.float64)
    got = simpo_loss(chosen, rejected, chosen_mask, rejected_mask, beta=2.0, gamma=1.0)
    expected = looped_simpo(chosen, rejected, chosen_mask, rejected_mask, 2.0, 1.0)
    assert_close(got, torch.tensor(expected, dtype=torch.float64))
    garbage = torch.full_like(chosen, -1e6)  # prompt and padding positions never count
    again = simpo_loss(
        torch.where(chosen_mask.bool(), chosen, garbage),
        torch.where(rejected_mask.bool(), rejected, garbage),
        chosen_mask,
        rejected_mask,
        beta=2.0,
        gamma=1.0,
    )
    assert_close(again, got)


def test_length_normalisation_a_repeated_token_does_not_change_the_reward():
    one, mask_one = torch.tensor([[-1.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    two, mask_two = torch.tensor([[-1.0, -1.0]]), torch.tensor([[1.0, 1.0]])
    rejected, mask_rejected = torch.tensor([[-3.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    a = simpo_loss(one, rejected, mask_one, mask_rejected, beta=2.0, gamma=0.5)
    b = simpo_loss(two, rejected, mask_two, mask_rejected, beta=2.0, gamma=0.5)
    assert_close(a, b)
    assert_close(a, -torch.nn.functional.logsigmoid(torch.tensor(2.0 * (-1 + 3) - 0.5)))


def test_a_step_raises_the_chosen_and_lowers_the_rejected_response():
    logits = torch.zeros(2, 3, 5, requires_grad=True)  # row 0: chosen, row 1: rejected; free categoricals
    tokens = torch.tensor([[1, 2, 3], [4, 4, 0]])
    logp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    simpo_loss(logp[:1], logp[1:], mask[:1], mask[1:], beta=2.0, gamma=1.0).backward()
    with torch.no_grad():
        after = torch.log_softmax(logits - 1.0 * logits.grad, -1).gather(-1, tokens[..., None]).squeeze(-1)
    assert (after[0] > logp[0]).all() and (after[1, :2] < logp[1, :2]).all()
    assert logits.grad[1, 2].abs().sum() == 0  # the rejected response's padding gets no gradient
