"""Shared fixtures: small random policies built in-process (no hub, no disk model needed)."""

from __future__ import annotations

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.tasks.tiny.pretrain import build_model, build_tokenizer


@pytest.fixture(scope="session")
def tokenizer():
    return build_tokenizer()


def random_policy(tokenizer, seed: int) -> Policy:
    model = build_model(len(tokenizer), seed)
    model.eval()
    return Policy(model, tokenizer, name=f"random-{seed}", sha256=f"random-{seed}")


@pytest.fixture
def policy_pair(tokenizer) -> tuple[Policy, Policy]:
    """Two different random policies sharing a tokenizer: (reference, policy)."""
    return random_policy(tokenizer, 0), random_policy(tokenizer, 1)


@pytest.fixture(autouse=True)
def _threads():
    # One thread: the tiny model gains nothing from two, and on a loaded 2-core machine two threads
    # contend (a forward pass was seen to take 40x longer).
    torch.set_num_threads(1)
