"""What the hardware computes natively, for settings that depend on it (`trainer.precision: auto`).

bf16 autocast pays only where the hardware multiplies bf16 matrices natively: a CUDA GPU with bf16, or a CPU with
AVX-512 BF16 or AMX. Elsewhere torch emulates bf16 matrix products in software; on an AVX2-only CPU a SmolLM2-135M
training step under bf16 autocast did not finish one backward pass in minutes, against seconds in float32
(measured, docs/PERFORMANCE.md). So "auto" picks bf16-mixed where it is native and 32-true otherwise, and the run
config names what was chosen.
"""

from __future__ import annotations

from typing import Any

AUTO = "auto"


def native_bf16(accelerator: str) -> bool:
    """Whether `accelerator` ("cpu", "gpu"/"cuda", or "auto": a GPU if there is one) multiplies bf16 natively."""
    import torch

    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    capabilities: dict[str, Any] = torch.cpu.get_capabilities() if hasattr(torch.cpu, "get_capabilities") else {}
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def resolve_precision(precision: str, accelerator: str) -> str:
    """A Lightning precision for `precision`: "auto" becomes bf16-mixed where bf16 is native, else 32-true."""
    if precision != AUTO:
        return precision
    return "bf16-mixed" if native_bf16(accelerator) else "32-true"
