"""Fixtures of the paper-track tests: the shared real-data copies and a small policy to drive lm-eval."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR
from razorbench.tasks.tiny.pretrain import build_model

# The real-data copies: shared/data beside the repo (../shared/data), or a shared/ folder inside the checkout.
CANDIDATES = [Path(__file__).resolve().parents[n] / "shared" / "data" for n in (4, 3)]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real copies of the paper track's datasets (their SOURCES.md says where each comes from)."""
    for folder in CANDIDATES:
        if (folder / "SOURCES.md").is_file():
            return folder
    pytest.skip(f"the paper track's offline data copies are in none of {', '.join(map(str, CANDIDATES))}")


@pytest.fixture(scope="session")
def small_policy(tokenizer) -> Policy:
    """The embedded tiny model when it is there, else a random model of the same shape: scores near chance."""
    if (TINY_MODEL_DIR / "model.safetensors").is_file():
        return Policy.load(str(TINY_MODEL_DIR))
    model = build_model(len(tokenizer), seed=0)
    model.eval()
    return Policy(model, tokenizer, name="random-0", sha256="random-0")


@pytest.fixture(autouse=True)
def _threads():
    """One torch thread here (overriding tests/conftest.py's two): lm-eval makes many small forward passes,
    and on a shared 2-core machine two OpenMP threads wait on each other at every op (measured: a forward of
    the tiny model took 1.3 s with two threads under load, 0.03 s with one)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
