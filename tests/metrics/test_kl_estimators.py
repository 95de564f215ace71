"""The sampled-token KL estimates k1, k2, k3 (forward and importance-weighted reverse): pinned against float64 loops on
a small model, unbiased where the theory says so, and in a run their mean over many base samples meets the exact KL."""

import math

import torch
from torch.testing import assert_close

from razorbench.metrics.kl import sequence_divergences, token_divergences
from razorbench.metrics.kl_estimators import ESTIMATORS, kl_estimates
from razorbench.sampling.hf import HFSampler


def float64_estimates(reference, policy, batch) -> dict[str, torch.Tensor]:
    """Each estimator written from its definition (ρ = π/π0 at the sampled token), summed per sequence, in float64."""
    ref_logits = reference.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    logits = policy.model.double()(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    reference.model.float(), policy.model.float()
    out = {name: torch.zeros(batch.input_ids.shape[0], dtype=torch.float64) for name in ESTIMATORS}
    for b in range(batch.input_ids.shape[0]):
        for t in range(1, batch.input_ids.shape[1]):
            if not batch.response_mask[b, t]:
                continue
            y = batch.input_ids[b, t]
            p0 = torch.softmax(ref_logits[b, t - 1], -1)[y].item()
            p = torch.softmax(logits[b, t - 1], -1)[y].item()
            r = p / p0  # the ratio the estimators of KL(π0 ‖ π) take (Schulman 2020), tokens drawn from π0
            out["forward_kl_k1"][b] += -math.log(r)
            out["forward_kl_k2"][b] += 0.5 * math.log(r) ** 2
            out["forward_kl_k3"][b] += (r - 1) - math.log(r)
            # KL(π ‖ π0) estimated from π's tokens with ratio 1/r, each term weighted by r (the token is π0's)
            out["reverse_kl_k1"][b] += r * -math.log(1 / r)
            out["reverse_kl_k2"][b] += r * 0.5 * math.log(1 / r) ** 2
            out["reverse_kl_k3"][b] += r * ((1 / r - 1) - math.log(1 / r))
    return out


def _batch(policy):
    prompts = [policy.prompt_ids(p) for p in ("add 1 2", "capital of Peru", "x", "hi")]
    responses = [[30, 31, 1], [40, 41, 42, 43, 44, 1], [50], []]  # one without EOS, one with nothing to score
    return policy.pack(prompts, responses)


def test_estimates_match_float64_loops_whatever_the_chunking(policy_pair):
    reference, policy = policy_pair
    batch = _batch(policy)
    expected = float64_estimates(reference, policy, batch)
    for chunk in (1, 3, 4096):
        got = sequence_divergences(reference, policy, batch, chunk_size=chunk)
        for name in ESTIMATORS:
            assert got[name].dtype == torch.float64
            assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6, msg=name)
    assert all(expected[name][3] == 0 for name in ESTIMATORS)


def test_estimates_of_a_policy_with_itself_are_zero(policy_pair):
    reference, _ = policy_pair
    got = sequence_divergences(reference, reference, _batch(reference))
    for name in ESTIMATORS:
        assert_close(got[name], torch.zeros(4, dtype=torch.float64), atol=1e-5, rtol=0)


def test_k1_and_k3_are_unbiased_and_k2_is_not_exactly():
    """Averaged over every token v with weight π0(v): k1 and k3 give the exact KL in both directions, k2 does not."""
    torch.manual_seed(0)
    ref_logits, logits = torch.randn(5, 11, dtype=torch.float64) * 2, torch.randn(5, 11, dtype=torch.float64) * 2
    vocab = torch.arange(11)
    p0 = torch.softmax(ref_logits, -1)
    exact = token_divergences(ref_logits, logits)
    means = {name: torch.zeros(5, dtype=torch.float64) for name in ESTIMATORS}
    for v in vocab:  # every token as the sampled one
        log_ratio = token_divergences(ref_logits, logits, torch.full((5,), int(v)))["sampled_log_ratio"]
        for name, value in kl_estimates(log_ratio).items():
            means[name] += p0[:, v] * value
    for name in ("forward_kl_k1", "forward_kl_k3"):
        assert_close(means[name], exact["forward_kl"].double(), rtol=1e-5, atol=1e-6)
    for name in ("reverse_kl_k1", "reverse_kl_k3"):
        assert_close(means[name], exact["reverse_kl"].double(), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(means["forward_kl_k2"], exact["forward_kl"].double(), rtol=1e-2)


def test_exact_forward_kl_is_the_mean_of_k1_over_many_base_samples(policy_pair):
    """On sequences sampled from π0, Σ_t k1 has expectation Σ_t KL_t (tower rule): the exact per-sequence KL averaged
    over many samples lies within a few standard errors of k1's average, and so does k3's."""
    reference, policy = policy_pair
    samples = HFSampler(reference).generate(
        ["add 1 2", "capital of Peru", "x"], n=200, max_new_tokens=6, temperature=1.0, seed=0
    )
    batch = policy.pack(samples.prompt_ids, samples.response_ids)
    got = sequence_divergences(reference, policy, batch, chunk_size=512)
    exact = got["forward_kl"].double().mean()
    for name in ("forward_kl_k1", "forward_kl_k3"):
        values = got[name]
        standard_error = values.std() / math.sqrt(values.numel())
        assert standard_error < 0.2 * exact, f"{name}: too few samples to test anything"
        assert abs(values.mean() - exact) < 3 * standard_error, (name, values.mean(), exact, standard_error)
