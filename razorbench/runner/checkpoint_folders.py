"""Checkpoints trained anywhere, read for `razorbench eval`: a full model folder (written by `save_pretrained`: TRL,
verl's HF export, `razorbench run ... save_model=true`) or a PEFT adapter folder (`adapter_config.json`).

An adapter is applied to a copy of the base policy already in memory and merged (W + B·A·α/r), so the base is read
from disk once, and every metric, weight-space predictors included, sees the merged weights. A checkpoint whose
tokenizer or vocabulary differs from the base's is refused: the KL between two distributions over different
vocabularies is meaningless, and prompts would not be the same token sequences.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from razorbench.api.policy import Policy, model_sha256
from razorbench.api.track import Track
from razorbench.runner.checkpoint_origin import Origin, recorded_origin
from razorbench.util.errors import UsageError

FULL, ADAPTER = "full", "peft-adapter"


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    kind: str
    """FULL (a model folder) or ADAPTER (a PEFT adapter folder)."""
    sha256: str
    """`model_sha256` of the folder: its weights, config, adapter and tokenizer files."""
    step: int | None
    """The training step its folder name ends with (`checkpoint-500` -> 500), else None."""
    adapter_base: str | None
    """An adapter's `base_model_name_or_path`."""
    origin: Origin | None = None
    """The base the checkpoint records it was fine-tuned from (`razorbench.runner.checkpoint_origin`), if any."""

    @property
    def name(self) -> str:
        """A name for its record: the folder name, with its parent's when the folder is a run's `model/`."""
        return f"{self.path.parent.name}-{self.path.name}" if self.path.name == "model" else self.path.name

    def to_dict(self) -> dict:
        origin = self.origin.to_dict() if self.origin else None
        return {"path": str(self.path), "kind": self.kind, "sha256": self.sha256, "step": self.step, "origin": origin}


def inspect_checkpoint(path: str | Path) -> Checkpoint:
    """What the folder at `path` holds; a one-line UsageError when it is neither a model nor an adapter."""
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"--model {str(path)!r} is not a folder; valid: a model folder or a PEFT adapter folder")
    match = re.search(r"(\d+)$", folder.name)
    step = int(match.group(1)) if match else None
    if (folder / "adapter_config.json").is_file():
        base = json.loads((folder / "adapter_config.json").read_text()).get("base_model_name_or_path")
        return Checkpoint(folder.resolve(), ADAPTER, model_sha256(folder), step, base, recorded_origin(folder))
    if (folder / "config.json").is_file():
        return Checkpoint(folder.resolve(), FULL, model_sha256(folder), step, None, recorded_origin(folder))
    raise UsageError(
        f"--model {str(path)!r} holds neither config.json (a model folder) nor adapter_config.json (a PEFT adapter)"
    )


def vocabulary_difference(base: Policy, tuned: Policy) -> str | None:
    """What differs between the two policies' tokenizers and output vocabularies, or None when nothing does."""
    rows = [p.model.get_output_embeddings().weight.shape[0] for p in (base, tuned)]
    if rows[0] != rows[1]:
        return f"its output vocabulary has {rows[1]} rows, the base's {rows[0]}"
    if base.tokenizer is None or tuned.tokenizer is None:
        return None
    ours, theirs = base.tokenizer, tuned.tokenizer
    if ours.get_vocab() != theirs.get_vocab():
        extra = len(set(theirs.get_vocab()) - set(ours.get_vocab()))
        return f"its tokenizer's vocabulary differs from the base's ({len(theirs)} tokens vs {len(ours)}, {extra} new)"
    for attribute in ("eos_token_id", "bos_token_id", "pad_token_id", "chat_template"):
        if getattr(ours, attribute, None) != getattr(theirs, attribute, None):
            return f"its tokenizer's {attribute} differs from the base's"
    return None


def load_checkpoint(track: Track, base: Policy, checkpoint: Checkpoint, data_dir: str | None = None) -> Policy:
    """The policy `checkpoint` holds, checked against `base`'s tokenizer and vocabulary."""
    if checkpoint.kind == ADAPTER:
        tuned = _merged_adapter(base, checkpoint)
        if (checkpoint.path / "tokenizer_config.json").is_file():  # trainers often save the tokenizer beside it
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(checkpoint.path)
            if tokenizer.pad_token_id is None:
                tokenizer.pad_token = tokenizer.eos_token
            _refuse_difference(checkpoint, base, Policy(tuned.model, tokenizer))
        _refuse_difference(checkpoint, base, tuned)  # an adapter may resize the embeddings (modules_to_save)
    else:
        tuned = track.load_policy(str(checkpoint.path), data_dir=data_dir)
        _refuse_difference(checkpoint, base, tuned)
        tuned.tokenizer = base.tokenizer  # the same vocabulary and template: prompts are the base's token ids
    tuned.name, tuned.sha256 = str(checkpoint.path), checkpoint.sha256
    return tuned.to(next(base.model.parameters()).device)


def _refuse_difference(checkpoint: Checkpoint, base: Policy, tuned: Policy) -> None:
    difference = vocabulary_difference(base, tuned)
    if difference:
        raise UsageError(
            f"checkpoint {str(checkpoint.path)!r} does not share the base model's vocabulary: {difference}; "
            "the KL to the base would be meaningless (pass --base with the model it was trained from)"
        )


def _merged_adapter(base: Policy, checkpoint: Checkpoint) -> Policy:
    """A copy of `base` with the adapter applied and merged into its weights."""
    try:
        from peft import PeftModel
    except ImportError:
        raise UsageError(
            f"{str(checkpoint.path)!r} is a PEFT adapter: evaluating it needs peft (pip install 'razorbench[peft]')"
        ) from None
    tuned = base.frozen_copy()  # in memory: the base is not read from disk a second time
    try:
        wrapped = PeftModel.from_pretrained(tuned.model, str(checkpoint.path))
    except (ValueError, KeyError, RuntimeError) as e:
        raise UsageError(
            f"the adapter {str(checkpoint.path)!r} does not fit the base model {base.name!r}: "
            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None
    tuned.model = wrapped.merge_and_unload()
    tuned.model.requires_grad_(False).eval()
    return tuned
