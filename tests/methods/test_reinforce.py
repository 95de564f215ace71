import torch
from torch.testing import assert_close

from razorbench.methods.reinforce import reinforce_loss


def test_reinforce_loss_matches_a_float64_loop_with_masking_and_padding():
    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(4, 5, generator=g, dtype=torch.float64) * 3
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0, 1, 1, 0, 0]], dtype=torch.float64)
    logp = torch.where(mask.bool(), logp, torch.full_like(logp, -1e6))  # padding holds garbage
    rewards = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    total = 0.0
    for i in range(4):
        for t in range(5):
            if mask[i, t]:
                total -= float(rewards[i]) * float(logp[i, t])
    got = reinforce_loss(logp, rewards, mask, max_tokens=6)
    assert_close(got, torch.tensor(total / (4 * 6), dtype=torch.float64))


def test_a_step_raises_correct_responses_and_leaves_incorrect_ones_alone():
    logits = torch.zeros(2, 3, 5, requires_grad=True)  # a free categorical per (response, position)
    tokens = torch.tensor([[1, 2, 3], [1, 2, 3]])
    logp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    reinforce_loss(logp, torch.tensor([1.0, 0.0]), torch.ones(2, 3), max_tokens=3).backward()
    assert (logits.grad[1] == 0).all()  # reward 0: no gradient, nothing pushed down
    with torch.no_grad():
        after = torch.log_softmax(logits - 1.0 * logits.grad, -1).gather(-1, tokens[..., None]).squeeze(-1)
    assert (after[0] > logp[0]).all()
    assert_close(after[1], logp[1].detach())
