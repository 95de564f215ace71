"""The response-entropy diagnostic against a float64 loop over positions and the vocabulary."""

from __future__ import annotations

import math

import torch

from razorbench.metrics.entropy import response_entropy, token_entropy


def test_token_entropy_of_uniform_and_one_hot():
    assert torch.allclose(token_entropy(torch.zeros(3, 8)), torch.full((3,), math.log(8)))
    assert token_entropy(torch.tensor([[0.0, 1e4, 0.0]])).item() < 1e-6


def test_response_entropy_matches_a_float64_loop(policy_pair):
    policy, _ = policy_pair
    batch = policy.pack([[5, 6, 7], [5, 8]], [[9, 10, 2], [11, 2]])
    got = response_entropy(policy, batch)
    with torch.no_grad():
        logits = policy.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits.double()
    for row in range(2):
        nll = entropy = tokens = 0.0
        for t in range(1, batch.input_ids.shape[1]):
            if batch.response_mask[row, t]:
                logp = torch.log_softmax(logits[row, t - 1], dim=-1)
                nll -= logp[batch.input_ids[row, t]].item()
                entropy -= (logp.exp() * logp).sum().item()
                tokens += 1
        assert math.isclose(got["sequence"][row].item(), nll, rel_tol=1e-5)
        assert math.isclose(got["token_sum"][row].item(), entropy, rel_tol=1e-5)
        assert got["tokens"][row].item() == tokens
