"""`save_model=true`: the fine-tuned policy written as standard files a run folder's `model/` holds, for
`razorbench eval` or any other tool: HF files (config, safetensors, tokenizer, chat template), or for a LoRA run its
PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`, naming the base it applies to).

The folder is written under a temporary name and renamed, so a kill leaves either no `model/` or a whole one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from razorbench.api.policy import Policy
from razorbench.util.distributed import full_weights, is_sharded


def save_policy(policy: Policy, folder: Path, *, write: bool, adapter=None) -> Path:
    """Write `policy` (or `adapter`, a peft model wrapping it) to `folder`. Every rank must call this (a sharded
    model is gathered first: a collective); only the ranks with `write` write."""
    weights = full_weights(policy.model) if adapter is None and is_sharded(policy.model) else None
    if not write:
        return folder
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if adapter is not None:
        adapter.save_pretrained(tmp, safe_serialization=True)
        if policy.tokenizer is not None:
            policy.tokenizer.save_pretrained(tmp)
    else:
        policy.save(tmp, weights)
    shutil.rmtree(folder, ignore_errors=True)  # a model of an earlier, failed attempt
    os.replace(tmp, folder)
    return folder
