"""Samplers behind one interface (`razorbench.api.sampler.Sampler`): `HFSampler` (transformers `generate`,
batched with a KV cache) is the CPU default; `VLLMSampler` serves the same interface from a vLLM engine with
weights synced after each optimizer step. `build_sampler` picks one for a run."""

from __future__ import annotations

from razorbench.api.sampler import Sampler


def build_sampler(backend: str, policy) -> Sampler:
    """The policy's own sampler when it offers one (`policy.sampler()`: the toy track's MLP), else the sampler
    named by `sampling.backend`."""
    own = getattr(policy, "sampler", None)
    if callable(own):
        return own()
    if backend == "hf":
        from razorbench.sampling.hf import HFSampler

        return HFSampler(policy)
    if backend == "vllm":
        from razorbench.sampling.vllm import VLLMSampler

        return VLLMSampler(policy)
    raise ValueError(f"unknown sampling.backend {backend!r}; valid: hf, vllm")
