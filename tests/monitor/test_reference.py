"""The monitored forward KL (razorbench.monitor.reference): 0 at π0, and against a float64 computation from full
logits, for both ways of holding π0 (the cached log-probability table and a frozen copy)."""

from __future__ import annotations

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task, get_track
from razorbench.monitor.reference import MonitorSettings, ReferenceSide
from razorbench.sampling.hf import HFSampler


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    base = Policy.load(get_track("tiny").model)
    task = get_task("science", "tiny")(get_task("science", "tiny").Config())
    prompts = [e.prompt for e in task.examples("eval")[:6]]
    out = HFSampler(base).generate(prompts, n=1, max_new_tokens=12, temperature=1.0, seed=3)
    samples = [{"id": str(i), "prompt_ids": p, "response_ids": r} for i, (p, r) in
               enumerate(zip(out.prompt_ids, out.response_ids, strict=True))]  # fmt: skip
    moved = base.frozen_copy()
    with torch.no_grad():
        for p in moved.model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return base, moved, samples


def float64_forward_kl(base: Policy, policy: Policy, samples) -> tuple[float, float]:
    """Σ over response tokens of Σ_v π0 (log π0 − log π), from full float64 logits, one sequence at a time."""
    total, tokens = 0.0, 0
    for s in samples:
        ids = torch.tensor([s["prompt_ids"] + s["response_ids"]])
        logits = [m.model.double()(input_ids=ids).logits[0].double() for m in (base, policy)]
        for m in (base, policy):
            m.model.float()
        ref_logp, logp = (x.log_softmax(-1) for x in logits)
        start = len(s["prompt_ids"]) - 1  # position t predicts token t + 1
        rows = slice(start, start + len(s["response_ids"]))
        total += (ref_logp[rows].exp() * (ref_logp[rows] - logp[rows])).sum().item()
        tokens += len(s["response_ids"])
    return total / len(samples), total / tokens


@pytest.mark.parametrize("mode", ["logprobs", "frozen_copy"])
def test_the_forward_kl_is_0_at_pi0_and_matches_float64(setup, mode):
    base, moved, samples = setup
    # batch_size 4 and a 16-token chunk: several batches, groups and chunks, so their bookkeeping is tested too
    side = ReferenceSide(base, samples, MonitorSettings(batch_size=4, kl_chunk_size=16), mode=mode)
    assert side.mode == mode
    at_start = side.forward_kl(base)
    assert abs(at_start["forward_kl"]) < 1e-5 and abs(at_start["forward_kl_per_token"]) < 1e-6
    with torch.no_grad():
        got = side.forward_kl(moved)
        per_sequence, per_token = float64_forward_kl(base, moved, samples)
    assert per_sequence > 0.01  # the perturbation moved the policy
    assert got["forward_kl"] == pytest.approx(per_sequence, rel=1e-4)
    assert got["forward_kl_per_token"] == pytest.approx(per_token, rel=1e-4)


def test_auto_caches_log_probs_when_smaller_than_the_model_and_else_keeps_a_copy(setup):
    base, _, samples = setup
    assert ReferenceSide(base, samples, MonitorSettings()).mode == "logprobs"  # tiny vocabulary: a small table
    assert ReferenceSide(base, samples, MonitorSettings(), max_cache_bytes=10).mode == "frozen_copy"
    with pytest.raises(ValueError, match="valid: auto, logprobs, frozen_copy"):
        ReferenceSide(base, samples, MonitorSettings(), mode="disk")
