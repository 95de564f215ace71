import math

import pytest
import torch
from torch.testing import assert_close

from razorbench.metrics.penalties import check_estimator, kl_penalty, logprobs_and_kl
from razorbench.util.errors import ConfigError


def brute_force_reverse_kl(logits, ref_logits):
    """Σ_v π(v) (log π(v) − log π0(v)) per position, looped in float64."""
    B, T, V = logits.shape
    out = torch.zeros(B, T, dtype=torch.float64)
    for b in range(B):
        for t in range(T):
            z = sum(math.exp(float(x)) for x in logits[b, t])
            z0 = sum(math.exp(float(x)) for x in ref_logits[b, t])
            for v in range(V):
                p = math.exp(float(logits[b, t, v])) / z
                p0 = math.exp(float(ref_logits[b, t, v])) / z0
                out[b, t] += p * (math.log(p) - math.log(p0))
    return out


def test_exact_kl_matches_float64_brute_force():
    g = torch.Generator().manual_seed(0)
    logits, ref_logits = torch.randn(2, 3, 7, generator=g) * 2, torch.randn(2, 3, 7, generator=g) * 2
    targets = torch.zeros(2, 3, dtype=torch.long)
    got = kl_penalty(logits, ref_logits, targets, estimator="exact")
    assert_close(got.double(), brute_force_reverse_kl(logits, ref_logits), rtol=1e-5, atol=1e-6)


def test_k3_matches_its_formula_at_the_target_tokens():
    g = torch.Generator().manual_seed(1)
    logits, ref_logits = torch.randn(2, 3, 5, generator=g), torch.randn(2, 3, 5, generator=g)
    targets = torch.tensor([[0, 4, 2], [1, 1, 3]])
    got = kl_penalty(logits, ref_logits, targets, estimator="k3")
    for b in range(2):
        for t in range(3):
            v = int(targets[b, t])
            r = float(
                torch.log_softmax(ref_logits[b, t].double(), -1)[v] - torch.log_softmax(logits[b, t].double(), -1)[v]
            )
            assert got[b, t].item() == pytest.approx(math.exp(r) - r - 1, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("estimator", ["exact", "k3"])
def test_penalty_is_zero_at_the_reference_and_a_step_on_it_moves_toward_the_reference(estimator):
    ref_logits = torch.tensor([[[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]]])
    targets = torch.tensor([[0, 1]])
    assert_close(kl_penalty(ref_logits, ref_logits, targets, estimator=estimator), torch.zeros(1, 2))
    logits = torch.zeros(1, 2, 3, requires_grad=True)
    kl_penalty(logits, ref_logits, targets, estimator=estimator).sum().backward()
    with torch.no_grad():
        after = logits - 0.5 * logits.grad
        ref_p = torch.softmax(ref_logits, -1).gather(-1, targets[..., None])
        before_p = torch.softmax(logits, -1).gather(-1, targets[..., None])
        after_p = torch.softmax(after, -1).gather(-1, targets[..., None])
    assert ((after_p - ref_p).abs() < (before_p - ref_p).abs()).all()


def test_unknown_estimator_is_a_one_line_error_naming_the_choices():
    with pytest.raises(ConfigError, match=r"^config key 'method.kl_estimator' must be one of exact, k3; got 'k2'$"):
        check_estimator("k2")


def test_logprobs_and_kl_agrees_with_the_policy_and_the_kl_metric(policy_pair, tokenizer):
    from razorbench.metrics.kl import token_kl

    reference, policy = policy_pair
    batch = policy.pack([policy.prompt_ids("ab"), policy.prompt_ids("abcd")], [policy.response_ids("x"), [5, 6, 7]])
    logp, mask, kl = logprobs_and_kl(policy, None, batch, estimator="exact")
    expected_logp, expected_mask = policy.token_logprobs(batch)
    assert kl is None
    assert_close(logp, expected_logp)
    assert_close(mask, expected_mask)
    _, _, kl = logprobs_and_kl(policy, reference, batch, estimator="exact")
    with torch.no_grad():
        assert_close(kl, token_kl(policy.logits(batch), reference.logits(batch)))
