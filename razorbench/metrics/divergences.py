"""Every divergence of a policy π from its reference π0 over a set of sampled responses, batched: the forward KL
E_x KL(π0 ‖ π) (per sequence, per token, per prompt) and, in the same pass and at the same positions, the reverse
KL, the total variation and the sampled-token estimates k1, k2, k3 of both KLs (`razorbench.metrics.kl`).

The one place a set of responses is scored: the run's final record, `razorbench eval`, curve points, sequence stages
(through `razorbench.runner.measure`) and the monitor's frozen-copy checks (`razorbench.monitor.reference`), so the
monitor's last check and the record's forward KL are the same number."""

from __future__ import annotations

from typing import Any, Protocol

from razorbench.api.policy import Policy
from razorbench.metrics.kl import DIVERGENCES, SequenceDivergence, sequence_divergences
from razorbench.metrics.kl_estimators import ESTIMATORS


class Batching(Protocol):
    """How the responses are batched: `batch_size` sequences a forward pass, groups of at most `kl_chunk_size`
    tokens (the fields of the runner's `EvalSettings` and the monitor's `MonitorSettings` that scoring reads)."""

    batch_size: int
    kl_chunk_size: int


def divergences(reference: Policy, policy: Policy, samples: list[dict[str, Any]], s: Batching) -> dict[str, Any]:
    """E_x KL(π0 ‖ π) on `samples` (dicts of `id`, `prompt_ids`, `response_ids`; per sequence, per token, per
    prompt), and in the same pass the reverse KL and total variation at the same positions, and the sampled-token
    estimates k1, k2, k3 of both KLs."""
    # The same sum/mean accumulation for each
    metrics = {name: SequenceDivergence() for name in (*DIVERGENCES, *ESTIMATORS)}
    per_prompt: dict[str, float] = {}
    device = next(policy.model.parameters()).device
    was_training = policy.model.training
    policy.model.eval()
    for start in range(0, len(samples), s.batch_size):
        chunk = samples[start : start + s.batch_size]
        batch = policy.pack([c["prompt_ids"] for c in chunk], [c["response_ids"] for c in chunk]).to(device)
        sums = sequence_divergences(reference, policy, batch, s.kl_chunk_size)
        for name, metric in metrics.items():
            metric.update(sums[name], batch.response_mask.sum(-1))
        per_prompt.update({c["id"]: v for c, v in zip(chunk, sums["forward_kl"].tolist(), strict=True)})
    policy.model.train(was_training)
    out: dict[str, Any] = {"per_prompt": per_prompt}
    for name, metric in metrics.items():
        values = metric.compute()
        out[name] = values["per_sequence"].item()
        out[f"{name}_per_token"] = values["per_token"].item()
    return out
