"""A policy is a causal LM plus its tokenizer and chat template; it turns (prompt, response) pairs
into padded token batches and gives per-token log-probabilities.

Everything downstream (samplers, losses, metrics) works on `SequenceBatch`: prompt+response token ids,
right-padded, with a mask that is 1 exactly on response tokens, so losses and metrics never see the
prompt or the padding.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import torch
from torch import Tensor

TINY_MODEL_DIR = Path(str(files("razorbench") / "assets" / "tiny-lm"))
TOY_MODEL_DIR = Path(str(files("razorbench") / "assets" / "toy-mlp"))  # the toy track's MLP (razorbench.toy)
# Files whose bytes define a model (weights, architecture, tokenizer, chat template).
_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


def model_sha256(path: str | Path) -> str:
    """Content hash of a model directory: sha256 over (name, sha256) of each defining file, sorted.

    For a hub id that is not a local directory, the hash of the id itself (the hub revision is then
    the identity; razorbench cannot read it offline).
    """
    path = Path(path)
    if not path.is_dir():
        return hashlib.sha256(str(path).encode()).hexdigest()
    outer = hashlib.sha256()
    for name in sorted(n for n in _MODEL_FILES if (path / n).exists()):
        outer.update(name.encode() + b"\0" + hashlib.sha256((path / name).read_bytes()).hexdigest().encode())
    return outer.hexdigest()


def default_model(track: str) -> str:
    if track == "tiny":
        return str(TINY_MODEL_DIR)
    if track == "paper":
        return "Qwen/Qwen2.5-3B-Instruct"
    if track == "toy":
        return str(TOY_MODEL_DIR)
    raise ValueError(f"no default model for track {track!r}")


def load_policy(track: str, path: str, *, data_dir: str | None = None) -> Policy:
    """The policy of `track` saved at `path`: on the toy track a `razorbench.toy.ToyPolicy` (an MLP over the images
    of `data_dir`, or of the hub when None), else a causal LM (`Policy.load`)."""
    if track == "toy":
        from razorbench.toy import ToyPolicy

        return ToyPolicy.load(path, data_dir=data_dir)
    return Policy.load(path)


@dataclass
class SequenceBatch:
    """Prompt+response sequences, right-padded. All tensors are (B, T)."""

    input_ids: Tensor
    attention_mask: Tensor
    response_mask: Tensor  # 1 on response tokens (including the EOS that ends a response), else 0

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(*(t.to(device) for t in (self.input_ids, self.attention_mask, self.response_mask)))


class Policy(torch.nn.Module):
    """A causal LM with its tokenizer. `Policy.load(path)` works for the embedded tiny model and any HF model."""

    def __init__(self, model: torch.nn.Module, tokenizer, name: str = "", sha256: str = "") -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.sha256 = sha256
        self._prompt_ids: dict[str, list[int]] = {}  # chat-templated prompt -> ids, so a step never re-tokenises

    @classmethod
    def load(cls, path: str, dtype: torch.dtype = torch.float32) -> Policy:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would bury the run's own progress

        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(path)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        return cls(model, tokenizer, name=str(path), sha256=model_sha256(path))

    def frozen_copy(self) -> Policy:
        """A deep copy with gradients off and eval mode: the reference policy π0."""
        ref = Policy(copy.deepcopy(self.model), self.tokenizer, self.name, self.sha256)
        ref._prompt_ids = self._prompt_ids
        ref.model.requires_grad_(False).eval()
        return ref

    @property
    def eos_token_id(self) -> int:
        return self.tokenizer.eos_token_id

    @property
    def pad_token_id(self) -> int:
        return self.tokenizer.pad_token_id

    def prompt_ids(self, prompt: str) -> list[int]:
        """Token ids of `prompt` as a user turn, chat template applied, ending where the response starts."""
        ids = self._prompt_ids.get(prompt)
        if ids is None:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            self._prompt_ids[prompt] = ids
        return ids

    def response_ids(self, response: str) -> list[int]:
        """Token ids of a reference response, ended by EOS (what the model must learn to emit)."""
        return self.tokenizer(response, add_special_tokens=False)["input_ids"] + [self.eos_token_id]

    def pack(self, prompt_ids: list[list[int]], response_ids: list[list[int]]) -> SequenceBatch:
        """Right-padded prompt+response batch with the response mask."""
        lengths = [len(p) + len(r) for p, r in zip(prompt_ids, response_ids, strict=True)]
        batch, width = len(lengths), max(lengths)
        input_ids = torch.full((batch, width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((batch, width), dtype=torch.long)
        response_mask = torch.zeros((batch, width), dtype=torch.long)
        for i, (p, r) in enumerate(zip(prompt_ids, response_ids, strict=True)):
            input_ids[i, : len(p) + len(r)] = torch.tensor(p + r, dtype=torch.long)
            attention_mask[i, : len(p) + len(r)] = 1
            response_mask[i, len(p) : len(p) + len(r)] = 1
        return SequenceBatch(input_ids, attention_mask, response_mask)

    def logits(self, batch: SequenceBatch) -> Tensor:
        """Next-token logits aligned with the tokens they predict: (B, T-1, V) for tokens 1..T-1."""
        out = self.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
        return out.logits[:, :-1].float()

    def token_logprobs(self, batch: SequenceBatch) -> tuple[Tensor, Tensor]:
        """(logp, mask), both (B, T-1): log π(token_t | tokens_<t) and 1 where token_t is a response token."""
        logits = self.logits(batch)
        targets = batch.input_ids[:, 1:]
        # gather - logsumexp instead of log_softmax: no second (B, T, V) tensor.
        logp = torch.gather(logits, -1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        return logp, batch.response_mask[:, 1:].to(logp.dtype)
