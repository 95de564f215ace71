import pytest
import torch
from torch.testing import assert_close

from razorbench.methods.rl import group_advantages, grpo_loss


def reference_grpo_loss(logp, old_logp, kl, advantages, mask, epsilon, beta, max_tokens):
    """The GRPO objective looped term by term in float64 (Dr. GRPO normaliser B·L)."""
    total = 0.0
    B, T = logp.shape
    for i in range(B):
        for t in range(T):
            if mask[i, t]:
                ratio = float(torch.exp(logp[i, t] - old_logp[i, t]))
                clipped = min(max(ratio, 1 - epsilon), 1 + epsilon)
                term = -min(ratio * float(advantages[i]), clipped * float(advantages[i]))
                if beta:
                    term += beta * float(kl[i, t])
                total += term
    return total / (B * max_tokens)


def test_grpo_loss_matches_float64_loop_with_clipping_masking_and_kl():
    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(4, 5, generator=g, dtype=torch.float64) * 3
    old_logp = logp + (torch.rand(4, 5, generator=g, dtype=torch.float64) - 0.5)  # ratios well outside 1 ± 0.2
    kl = torch.rand(4, 5, generator=g, dtype=torch.float64)  # any per-token penalty (razorbench.metrics.penalties)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=torch.float64)
    advantages = torch.tensor([0.5, -0.5, 1.0, -1.0], dtype=torch.float64)
    for beta in (0.0, 0.1):
        got = grpo_loss(logp, old_logp, advantages, mask, epsilon=0.2, max_tokens=8, kl=kl, beta=beta)
        expected = reference_grpo_loss(logp, old_logp, kl, advantages, mask, 0.2, beta, 8)
        assert_close(got, torch.tensor(expected, dtype=torch.float64))


def test_group_advantages_hand_computed():
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    assert_close(group_advantages(rewards, 3), torch.tensor([2 / 3, -1 / 3, -1 / 3, -2 / 3, 1 / 3, 1 / 3]))
    scaled = group_advantages(rewards, 3, scale_rewards=True)
    std = torch.tensor([1.0, 0.0, 0.0]).std()
    assert_close(scaled[:3], torch.tensor([2 / 3, -1 / 3, -1 / 3]) / (std + 1e-4))


def test_at_ratio_one_the_gradient_is_the_plain_policy_gradient():
    logits = torch.randn(3, 4, 6, generator=torch.Generator().manual_seed(1), requires_grad=True)
    tokens = torch.randint(0, 6, (3, 4), generator=torch.Generator().manual_seed(2))
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=torch.float32)
    advantages = torch.tensor([1.0, -0.5, 0.25])
    logp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    loss = grpo_loss(logp, logp.detach(), advantages, mask, epsilon=0.2, max_tokens=4)
    grad = torch.autograd.grad(loss, logits, retain_graph=True)[0]
    pg = -(logp * mask * advantages[:, None]).sum() / (3 * 4)
    expected = torch.autograd.grad(pg, logits)[0]
    assert_close(grad, expected)


def test_gradient_step_raises_positive_and_lowers_negative_responses():
    logits = torch.zeros(2, 3, 5, requires_grad=True)
    tokens = torch.tensor([[1, 2, 3], [1, 2, 3]])
    logp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    advantages = torch.tensor([1.0, -1.0])
    loss = grpo_loss(logp, logp.detach(), advantages, torch.ones(2, 3), epsilon=0.2, max_tokens=3)
    loss.backward()
    with torch.no_grad():
        after = torch.log_softmax(logits - 1.0 * logits.grad, -1).gather(-1, tokens[..., None]).squeeze(-1)
    assert (after[0] > logp[0]).all() and (after[1] < logp[1]).all()


def test_kl_coef_decides_whether_a_reference_is_loaded_and_bad_estimators_fail():
    from razorbench.methods.rl import GRPO, GRPOConfig
    from razorbench.util.errors import ConfigError

    assert not GRPO.needs_reference(GRPOConfig()) and GRPO.needs_reference(GRPOConfig(kl_coef=0.05))
    assert GRPOConfig().kl_estimator == "exact"
    with pytest.raises(ConfigError, match="one of exact, k3; got 'k2'"):
        GRPOConfig(kl_estimator="k2")


def test_the_module_reads_its_config_and_the_shared_settings_and_records_both_as_hparams():
    from razorbench.api.method import TrainSettings
    from razorbench.methods.rl import GRPO, GRPOConfig
    from razorbench.methods.sft import SFTConfig

    module = GRPO(None, None, None, config=GRPOConfig(group_size=4), settings=TrainSettings(lr=3e-4))
    assert module.config.group_size == 4 and module.settings.lr == 3e-4
    assert module.hparams["group_size"] == 4 and module.hparams["lr"] == 3e-4 and module.hparams["kl_coef"] == 0.0
    assert GRPO(None, None, None).config == GRPOConfig()  # no config: the Config's defaults
    with pytest.raises(TypeError, match="GRPO takes a GRPOConfig, not a SFTConfig"):
        GRPO(None, None, None, config=SFTConfig())
