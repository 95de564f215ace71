"""The smol track's policy: the named GGUF base (`smollm2`) converted once into the cache, or any saved folder."""

from __future__ import annotations

from pathlib import Path

from razorbench.api.gguf_models import NAMED, resolve_model
from razorbench.api.policy import Policy, load_causal_lm


def default_cache() -> Path:
    """Where the converted base lives when no run names a cache: razorbench's default cache folder."""
    return Path.home() / ".cache" / "razorbench"


def load_policy(path: str, data_dir: str | None = None) -> Policy:
    """The policy at `path`: the track's named base (converted on first use) or a model folder."""
    if path in NAMED or path.endswith(".gguf"):
        path = resolve_model(path, default_cache())
    return load_causal_lm(path, data_dir)
