"""The parts of a causal LM that the metrics run on their own, whatever wraps the model.

The exact divergences run the decoder body alone (its final hidden states) and apply the LM head to the scored
positions only (`razorbench.metrics.kl`), so they must reach the body through whatever the model is wrapped in:

- a transformers model (`Qwen2ForCausalLM`, ...): its body is `model.base_model` (its `base_model_prefix` attribute);
- a PEFT model (`PeftModel`, what TRL's trainers make from a `peft_config`): `model.base_model` is the LoRA wrapper,
  whose forward is the whole causal LM (logits, no `last_hidden_state`); the transformers model is
  `get_base_model()`, with the adapters injected into its layers, so its body runs them;
- DistributedDataParallel and `torch.compile`'s `OptimizedModule`: the module they wrap (`module`, `_orig_mod`).
  A forward under `torch.no_grad()` needs no gradient hooks, so skipping DDP's own forward changes no number.

FSDP2 shards in place (no wrapper; `razorbench.util.distributed.shard_fsdp2` makes the body its own unit, so calling
it gathers its weights). An FSDP1 wrapper is not unwrapped: the module inside it holds flattened shards, not weights.
"""

from __future__ import annotations

from torch import nn

# (wrapper class name, attribute holding the wrapped module): matched by name so that this imports no torch.compile
# or distributed internals, which only exist where they are used.
_WRAPPERS = (("DistributedDataParallel", "module"), ("OptimizedModule", "_orig_mod"))


def unwrap_model(model: nn.Module) -> nn.Module:
    """The transformers model inside DDP, `torch.compile` and PEFT wrappers (any nesting); `model` itself if none."""
    while True:
        inner = next((getattr(model, attr) for name, attr in _WRAPPERS if type(model).__name__ == name), None)
        if inner is None and callable(getattr(model, "get_base_model", None)):  # peft.PeftModel and its subclasses
            inner = model.get_base_model()
        if inner is None or inner is model:
            return model
        model = inner


def decoder(model: nn.Module) -> nn.Module:
    """The body of a causal LM, however wrapped: a module whose output has the final hidden states as
    `last_hidden_state` (before the LM head). The head is `unwrap_model(model).get_output_embeddings()`."""
    inner = unwrap_model(model)
    body = getattr(inner, "base_model", None)
    if body is None or body is inner:
        raise TypeError(
            f"{type(inner).__name__} has no separate decoder body (transformers' `base_model`): the exact KL needs a "
            "causal LM whose logits are its output embeddings applied to the body's last hidden state"
        )
    return body


def output_head(model: nn.Module) -> nn.Module:
    """The LM head (output embeddings) of a causal LM, however wrapped."""
    return unwrap_model(model).get_output_embeddings()
