import pytest
import torch
from torch.testing import assert_close

from razorbench.methods.sft import sft_loss


def test_sft_loss_is_token_mean_nll_over_response_tokens_only():
    logp = torch.tensor([[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]], dtype=torch.float64)
    mask = torch.tensor([[0, 1, 1], [1, 0, 0]], dtype=torch.float64)  # prompt/padding positions are 0
    assert_close(sft_loss(logp, mask), torch.tensor((2.0 + 3.0 + 4.0) / 3, dtype=torch.float64))


def test_sft_gradient_raises_the_reference_tokens_logprob():
    logits = torch.zeros(2, 4, requires_grad=True)  # (T, V): a free categorical per position
    targets = torch.tensor([1, 3])
    logp = torch.log_softmax(logits, -1).gather(-1, targets[:, None]).T  # (1, T)
    sft_loss(logp, torch.ones_like(logp)).backward()
    with torch.no_grad():
        after = torch.log_softmax(logits - 0.5 * logits.grad, -1).gather(-1, targets[:, None]).T
    assert (after > logp.detach()).all()


def test_sft_loss_with_kl_matches_a_float64_loop_and_ignores_masked_kl():
    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(3, 4, generator=g, dtype=torch.float64)
    kl = torch.rand(3, 4, generator=g, dtype=torch.float64)
    mask = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], dtype=torch.float64)
    kl_padded = torch.where(mask.bool(), kl, torch.full_like(kl, 1e6))  # garbage where masked
    total, count = 0.0, 0
    for i in range(3):
        for t in range(4):
            if mask[i, t]:
                total += -float(logp[i, t]) + 0.3 * float(kl[i, t])
                count += 1
    assert_close(sft_loss(logp, mask, kl_padded, beta=0.3), torch.tensor(total / count, dtype=torch.float64))
    assert_close(sft_loss(logp, mask, kl_padded, beta=0.0), sft_loss(logp, mask))  # β = 0: the KL is unused


def test_kl_coef_decides_whether_a_reference_is_loaded_and_bad_estimators_fail():
    from razorbench.methods.sft import SFT, SFTConfig
    from razorbench.util.errors import ConfigError

    assert not SFT.needs_reference(SFTConfig()) and SFT.needs_reference(SFTConfig(kl_coef=0.1))
    with pytest.raises(ConfigError, match="one of exact, k3"):
        SFTConfig(kl_estimator="k1")


@pytest.mark.parametrize("estimator", ["exact", "k3"])
def test_sft_step_with_kl_pulls_toward_the_reference_against_the_nll(policy_pair, estimator):
    from razorbench.metrics.penalties import logprobs_and_kl

    reference, policy = policy_pair
    batch = policy.pack([policy.prompt_ids("q")], [policy.response_ids("abc")])
    _, mask, kl = logprobs_and_kl(policy, reference, batch, estimator=estimator)
    before = (kl * mask).sum().item()
    policy.model.zero_grad()
    logp, mask, kl = logprobs_and_kl(policy, reference, batch, estimator=estimator)
    sft_loss(logp, mask, kl, beta=1e4).backward()  # β huge: the KL term dominates the NLL
    with torch.no_grad():
        for p in policy.model.parameters():
            p -= 1e-7 * p.grad
        _, _, kl = logprobs_and_kl(policy, reference, batch, estimator=estimator)
    assert (kl * mask).sum().item() < before
