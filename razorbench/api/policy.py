"""A policy is a causal LM plus its tokenizer and chat template; it turns (prompt, response) pairs
into padded token batches and gives per-token log-probabilities.

Everything downstream (samplers, losses, metrics) works on `SequenceBatch`: prompt+response token ids,
right-padded, with a mask that is 1 exactly on response tokens, so losses and metrics never see the
prompt or the padding. Groups of responses to one prompt (GRPO's) can instead be packed as a `GroupBatch`,
which holds each prompt once: the model runs it once and repeats its keys and values for the group.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import json
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from razorbench.api.model_parts import decoder, output_head

# Files whose bytes define a model (weights, architecture, tokenizer, chat template), or a PEFT adapter (its config
# and weights), as glob patterns: sharded weights are several files. A trainer's checkpoint folder also holds files
# that do not define the model (optimizer.pt, trainer_state.json, training_args.bin): they are left out.
_MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "model-*-of-*.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model-*-of-*.bin",
    "adapter_config.json",
    "adapter_model.safetensors",
    "adapter_model.bin",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
)


# A prompt: the text of one user turn, or a conversation as chat messages [{"role": ..., "content": ...}, ...] (the
# "conversational" format of TRL's datasets), which the tokenizer's chat template renders.
Prompt = str | list[dict[str, Any]]


def conversation_key(messages: Any) -> tuple[str, str]:
    """A hashable key for a conversation (a list of {"role", "content"} messages); anything else that is not a string
    is refused with one line saying what a prompt may be.

    >>> conversation_key([{"role": "user", "content": "2+2?"}])
    ('messages', '[["user", "2+2?"]]')
    >>> conversation_key(("2+2?",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: a prompt is a string (one user turn) or a list of {"role", "content"} messages ... not tuple ('2+2?',)
    """
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) and isinstance(m.get("role"), str) and "content" in m for m in messages)
    ):
        raise TypeError(
            'a prompt is a string (one user turn) or a list of {"role", "content"} messages (TRL\'s conversational '
            f"format), not {type(messages).__name__} {reprlib.repr(messages)}"
        )
    # Content may be a string or a list of parts ({"type": "text", "text": ...}): JSON keys both. The tag keeps the key
    # apart from every string prompt.
    return "messages", json.dumps([[m["role"], m["content"]] for m in messages])


@functools.cache
def takes_logits_to_keep(model_type: type) -> bool:
    """Whether a model's forward can apply its LM head to the last positions only (transformers >= 4.50 models)."""
    return "logits_to_keep" in inspect.signature(model_type.forward).parameters


def new_kv_cache(model: torch.nn.Module) -> Any:
    """An empty transformers `DynamicCache` for `model`'s decoder."""
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config.get_text_config(decoder=True))
    except TypeError:  # transformers < 4.56 builds its cache layers lazily, without the config
        return DynamicCache()


def model_sha256(path: str | Path) -> str:
    """Content hash of a model directory: sha256 over (name, sha256) of each defining file, sorted.

    For a hub id that is not a local directory, the hash of the id itself (the hub revision is then
    the identity; razorbench cannot read it offline).
    """
    path = Path(path)
    if not path.is_dir():
        return hashlib.sha256(str(path).encode()).hexdigest()
    outer = hashlib.sha256()
    for name in sorted({f.name for pattern in _MODEL_FILES for f in path.glob(pattern) if f.is_file()}):
        with open(path / name, "rb") as f:  # in blocks: a model's weights can be larger than memory allows twice
            digest = hashlib.file_digest(f, "sha256")
        outer.update(name.encode() + b"\0" + digest.hexdigest().encode())
    return outer.hexdigest()


def load_causal_lm(path: str, data_dir: str | None = None) -> Policy:
    """A track's `policy_loader` for causal LMs (the default): `Policy.load(path)`; `data_dir` is not needed."""
    return Policy.load(path)


@dataclass
class SequenceBatch:
    """Prompt+response sequences, right-padded. All tensors are (B, T)."""

    input_ids: Tensor
    attention_mask: Tensor
    response_mask: Tensor  # 1 on response tokens (including the EOS that ends a response), else 0

    @property
    def targets(self) -> Tensor:
        """(B, T-1) the tokens that `Policy.logits` predicts: tokens 1..T-1."""
        return self.input_ids[:, 1:]

    @property
    def target_mask(self) -> Tensor:
        """(B, T-1) 1 where a target is a response token."""
        return self.response_mask[:, 1:]

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(*(t.to(device) for t in (self.input_ids, self.attention_mask, self.response_mask)))


@dataclass
class GroupBatch:
    """Groups of `group_size` responses to shared prompts, each prompt held once (`Policy.pack_groups`).

    Prompts are left-padded, so all end at the column where the responses start; responses are right-padded.
    Response row i answers prompt i // group_size.
    """

    prompt_ids: Tensor  # (P, W)
    prompt_mask: Tensor  # (P, W) 1 on prompt tokens, 0 on the left padding
    response_ids: Tensor  # (P·G, R)
    response_mask: Tensor  # (P·G, R) 1 on response tokens (including the EOS that ends a response), else 0
    group_size: int

    @property
    def targets(self) -> Tensor:
        """(P·G, R) the tokens that `Policy.logits` predicts: every response position."""
        return self.response_ids

    @property
    def target_mask(self) -> Tensor:
        return self.response_mask

    def to(self, device: torch.device | str) -> GroupBatch:
        tensors = (self.prompt_ids, self.prompt_mask, self.response_ids, self.response_mask)
        return GroupBatch(*(t.to(device) for t in tensors), group_size=self.group_size)


class Policy(torch.nn.Module):
    """A causal LM with its tokenizer. `Policy.load(path)` works for the embedded tiny model and any HF model."""

    def __init__(self, model: torch.nn.Module, tokenizer, name: str = "", sha256: str = "") -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.sha256 = sha256
        # The run's `trainer.head_on_targets_only`: losses apply the LM head to a `SequenceBatch`'s response targets
        # alone (`target_logits`), which saves most of the head's work on a large vocabulary with long prompts and
        # short answers. Off by default: a head over fewer rows may round differently, and tracks that pin their
        # numbers keep them bit for bit.
        self.head_on_targets_only = False
        # prompt (or conversation_key) -> chat-templated ids, so a step never re-tokenises
        self._prompt_ids: dict[str | tuple[str, str], list[int]] = {}

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

    def save(self, folder: str | Path, weights: dict[str, Tensor] | None = None) -> None:
        """Write the policy as standard HF files into `folder`: config, safetensors weights, tokenizer and chat
        template, loadable with `from_pretrained` (and by `Policy.load`). `weights`: a full state dict to write instead
        of the model's own parameters (gathered from FSDP shards)."""
        if not callable(getattr(self.model, "save_pretrained", None)):
            raise TypeError(f"{type(self.model).__name__} is not a transformers model: it has no save_pretrained")
        self.model.save_pretrained(folder, state_dict=weights, safe_serialization=True)
        if self.tokenizer is not None:
            self.tokenizer.save_pretrained(folder)

    def frozen_copy(self) -> Policy:
        """A deep copy with gradients off and eval mode: the reference policy π0."""
        ref = Policy(copy.deepcopy(self.model), self.tokenizer, self.name, self.sha256)
        ref._prompt_ids = self._prompt_ids
        ref.head_on_targets_only = self.head_on_targets_only
        ref.model.requires_grad_(False).eval()
        return ref

    @property
    def eos_token_id(self) -> int:
        return self.tokenizer.eos_token_id

    @property
    def pad_token_id(self) -> int:
        return self.tokenizer.pad_token_id

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        """Token ids of `prompt`, chat template applied, ending where the response starts: a string is one user turn;
        a list of {"role", "content"} messages (TRL's conversational format) is the conversation so far."""
        key = prompt if isinstance(prompt, str) else conversation_key(prompt)
        ids = self._prompt_ids.get(key)
        if ids is None:
            messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            self._prompt_ids[key] = ids
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

    @property
    def shares_prompts(self) -> bool:
        """Whether the model can run a prompt once and reuse its keys and values for many responses: a decoder-only
        transformers model that takes a `DynamicCache` (a model without one, such as the toy MLP, cannot), without
        gradient checkpointing (which turns the cache off in training)."""
        config = getattr(self.model, "config", None)
        supports = getattr(self.model, "_supports_default_dynamic_cache", None)
        if config is None or config.is_encoder_decoder or not callable(supports) or not supports():
            return False
        return not getattr(self.model, "is_gradient_checkpointing", False)

    def prompt_cache(
        self, input_ids: Tensor, attention_mask: Tensor, repeats: int, *, head_on_last_only: bool = True
    ) -> tuple[Tensor, object]:
        """Run left-padded prompts once: (the logits at their last column (P, 1, V), their KV cache with every row
        repeated `repeats` times along the batch, rows of one prompt adjacent). Differentiable: the gradient of
        whatever reads the repeated cache flows back into the one forward of each prompt.

        `head_on_last_only` applies the LM head to the last column only (`logits_to_keep=1`, where the model takes
        it); False applies it to every column, as a forward over whole rows does."""
        model = self.model
        cache = new_kv_cache(model)
        keep = {"logits_to_keep": 1} if head_on_last_only and takes_logits_to_keep(type(model)) else {}
        out = model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=(attention_mask.cumsum(-1) - 1).clamp(min=0),
            past_key_values=cache,
            use_cache=True,
            **keep,
        )
        cache.batch_repeat_interleave(repeats)
        return out.logits[:, -1:], cache

    def pack_groups(
        self, prompt_ids: list[list[int]], response_ids: list[list[int]], group_size: int
    ) -> GroupBatch | SequenceBatch:
        """Responses in groups of `group_size` to the prompts `prompt_ids` (one per group): a `GroupBatch` when the
        model `shares_prompts`, else the same rows as `pack` (each prompt repeated for its group)."""
        if len(response_ids) != len(prompt_ids) * group_size:
            raise ValueError(f"{len(response_ids)} responses are not {len(prompt_ids)} groups of {group_size}")
        if not self.shares_prompts:
            return self.pack([p for p in prompt_ids for _ in range(group_size)], response_ids)
        width, length = max(len(p) for p in prompt_ids), max(len(r) for r in response_ids)
        prompts = torch.full((len(prompt_ids), width), self.pad_token_id, dtype=torch.long)
        prompt_mask = torch.zeros_like(prompts)
        for i, p in enumerate(prompt_ids):
            prompts[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            prompt_mask[i, width - len(p) :] = 1
        responses = torch.full((len(response_ids), length), self.pad_token_id, dtype=torch.long)
        response_mask = torch.zeros_like(responses)
        for i, r in enumerate(response_ids):
            responses[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            response_mask[i, : len(r)] = 1
        return GroupBatch(prompts, prompt_mask, responses, response_mask, group_size)

    def logits(self, batch: SequenceBatch | GroupBatch) -> Tensor:
        """Next-token logits aligned with the tokens they predict, `batch.targets`: (B, T-1, V) for tokens 1..T-1
        of a `SequenceBatch`, (P·G, R, V) for the response tokens of a `GroupBatch`."""
        if isinstance(batch, GroupBatch):
            return self._group_logits(batch)
        out = self.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
        return out.logits[:, :-1].float()

    def _group_logits(self, batch: GroupBatch) -> Tensor:
        # Each prompt runs once; its group's responses attend to its repeated keys and values. The same logits
        # as a forward over every full prompt+response row, up to float rounding, for P prompt forwards, not P·G.
        group = batch.group_size
        # The head over every prompt column: over the last one alone (a strided input) it may round differently in
        # π and in its copy π0, whose weights lie at other addresses; step 1's KL would then be 1e-10, not 0.
        first, cache = self.prompt_cache(batch.prompt_ids, batch.prompt_mask, group, head_on_last_only=False)
        logits = [first.repeat_interleave(group, dim=0)]  # the last prompt position predicts response token 0
        length = batch.response_ids.shape[1]
        if length > 1:
            start = batch.prompt_mask.sum(-1, keepdim=True).repeat_interleave(group, dim=0)
            positions = start + torch.arange(length - 1, device=start.device)
            mask = torch.cat([batch.prompt_mask.repeat_interleave(group, dim=0), batch.response_mask[:, :-1]], dim=1)
            out = self.model(
                input_ids=batch.response_ids[:, :-1],
                attention_mask=mask,
                position_ids=positions,
                past_key_values=cache,
                use_cache=True,
            )
            logits.append(out.logits)
        return torch.cat(logits, dim=1).float()

    def scores_targets_only(self, batch: SequenceBatch | GroupBatch) -> bool:
        """Whether `scored_logits` applies the head to `batch`'s response targets only: with `head_on_targets_only`,
        for a `SequenceBatch` (a `GroupBatch`'s logits are at its response positions already)."""
        return self.head_on_targets_only and isinstance(batch, SequenceBatch)

    def target_logits(self, batch: SequenceBatch) -> Tensor:
        """(N, V) next-token logits at the N response targets of `batch` (where `batch.target_mask` is 1, row by
        row): the body runs over whole rows, the LM head over those N positions alone. Both are reached through
        PEFT, DDP and compile wrappers as the exact KL reaches them (`razorbench.api.model_parts`); a DDP wrapper of
        the model itself would then not sync gradients, but Lightning wraps the method's module, which holds it."""
        rows, cols = batch.target_mask.nonzero(as_tuple=True)
        body = decoder(self.model)(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
        # Position t's hidden state predicts token t + 1, so target column c is hidden column c.
        return output_head(self.model)(body.last_hidden_state[rows, cols]).float()

    def scored_logits(self, batch: SequenceBatch | GroupBatch, *, targets_only: bool) -> tuple[Tensor, Tensor]:
        """(logits, targets) where a loss scores `batch`: `logits(batch)` (..., V) and `batch.targets`; with
        `targets_only` (a `SequenceBatch`), `target_logits` (N, V) and the N targets (N,), which
        `scatter_targets` puts back in place."""
        if targets_only:
            return self.target_logits(batch), batch.targets[batch.target_mask.bool()]
        return self.logits(batch), batch.targets

    def token_logprobs(self, batch: SequenceBatch | GroupBatch) -> tuple[Tensor, Tensor]:
        """(logp, mask), both shaped like `batch.targets`: log π(target | what precedes it) and 1 where the target is
        a response token (logp is 0 at the other positions when the head runs on the targets only)."""
        targets_only = self.scores_targets_only(batch)
        logits, targets = self.scored_logits(batch, targets_only=targets_only)
        # gather - logsumexp instead of log_softmax: no second (B, T, V) tensor.
        logp = torch.gather(logits, -1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        if targets_only:
            logp = scatter_targets(logp, batch)
        return logp, batch.target_mask.to(logp.dtype)


def scatter_targets(values: Tensor, batch: SequenceBatch) -> Tensor:
    """(N,) values at the response targets of `batch` (`Policy.target_logits`' order) -> (B, T-1) like
    `batch.targets`, 0 at every other position. Differentiable in `values`."""
    mask = batch.target_mask.bool()
    return values.new_zeros(mask.shape).masked_scatter(mask, values)
