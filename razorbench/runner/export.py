"""`save_model=true`: the fine-tuned policy written as standard files a run folder's `model/` holds, for
`razorbench eval` or any other tool: HF files (config, safetensors, tokenizer, chat template), or for a LoRA run its
PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`, naming the base it applies to).

The folder is written under a temporary name and renamed, so a kill leaves either no `model/` or a whole one.
"""

from __future__ import annotations

import json
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
        sort_adapter_targets(tmp / "adapter_config.json")
        if policy.tokenizer is not None:
            policy.tokenizer.save_pretrained(tmp)
    else:
        policy.save(tmp, weights)
    shutil.rmtree(folder, ignore_errors=True)  # a model of an earlier, failed attempt
    os.replace(tmp, folder)
    return folder


def sort_adapter_targets(config_file: Path) -> None:
    """peft writes `target_modules` from a set, in an order that changes with the process's hash seed: sorted, the
    same adapter gives the same bytes (and the record's `saved_model.sha256` the same hash) in every process."""
    config = json.loads(config_file.read_text())
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
        config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
