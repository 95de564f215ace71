"""Which base a checkpoint says it was fine-tuned from, and a warning when that is not the base it is measured against.

Forgetting and the forward KL of `razorbench eval` are differences between a checkpoint and *its* base. A checkpoint
fine-tuned from another copy of the model (SmolLM2 from the hub in bf16, where the smol track's base is the Q4_1 GGUF
dequantised) differs from the track's base before any training: its "forgetting" would partly be the gap between two
bases. So the origin a checkpoint records is read, in this order:

1. `razorbench_origin.json`, written beside every model `razorbench run ... save_model=true` saves: the base's name
   and the sha256 of its folder (exact);
2. a PEFT adapter's `base_model_name_or_path`;
3. a model folder's `config.json` `_name_or_path` (what transformers, TRL and verl's exports keep of the model they
   loaded), when it names something other than the folder itself.

`mismatch` gives the one-line warning `razorbench eval` prints when the origin is known and is not the base; an
unknown origin gives none (nothing to compare).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORIGIN_FILE = "razorbench_origin.json"


@dataclass(frozen=True)
class Origin:
    name: str
    """The base as the checkpoint names it: a hub id, a path, or razorbench's name for a track's model."""
    sha256: str | None
    """`model_sha256` of the base's folder, where razorbench recorded it."""
    source: str
    """The file it was read from."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "source": self.source}


def write_origin(folder: Path, name: str, sha256: str) -> None:
    """Record in a saved model's folder the base it was fine-tuned from."""
    (folder / ORIGIN_FILE).write_text(json.dumps({"name": name, "sha256": sha256}, indent=2) + "\n")


def recorded_origin(folder: Path) -> Origin | None:
    """The base the checkpoint at `folder` records, or None if it records none."""
    own = folder / ORIGIN_FILE
    if own.is_file():
        data = json.loads(own.read_text())
        return Origin(str(data["name"]), data.get("sha256"), ORIGIN_FILE)
    adapter = folder / "adapter_config.json"
    if adapter.is_file():
        name = json.loads(adapter.read_text()).get("base_model_name_or_path")
        return Origin(str(name), None, "adapter_config.json") if name else None
    config = folder / "config.json"
    if config.is_file():
        name = json.loads(config.read_text()).get("_name_or_path")
        if name and Path(str(name)).resolve() != folder.resolve():
            return Origin(str(name), None, "config.json")
    return None


def mismatch(checkpoint: Path, origin: Origin | None, base_name: str, base_path: str, base_sha256: str) -> str | None:
    """The warning for a checkpoint whose recorded origin is not the base (None when it is, or is unknown)."""
    if origin is None:
        return None
    if origin.sha256 is not None:
        same = origin.sha256 == base_sha256
    else:
        named = {base_name, base_path, str(Path(base_path).resolve())}
        same = origin.name in named or (
            Path(origin.name).exists() and Path(origin.name).resolve() == Path(base_path).resolve()
        )
    if same:
        return None
    return (
        f"checkpoint {str(checkpoint)!r} was fine-tuned from {origin.name!r} ({origin.source}), not from the base "
        f"it is measured against, {base_name!r}: its forgetting and KL include the difference between the two "
        "bases; pass --base with the model it was fine-tuned from"
    )
