"""The GRPO step bench's shared configuration (`bench/grpo_step.py`): the fixed hyperparameters every framework
runs with, one configuration (model, P, G, L), the per-step times a run returns, and the model and prompts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task
from razorbench.api.task import Example, Task
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR

LR = 3e-4
TEMPERATURE = 1.0
CLIP = 1.0
EPSILON = 0.2


@dataclass
class Setup:
    name: str
    model_dir: str
    prompts: int  # P
    group: int  # G
    tokens: int  # L
    task: str = "science"  # the prompts and the checker's reward
    track: str = "tiny"


@dataclass
class StepTimes:
    step: list[float]
    generation: list[float]
    cpu: list[float]
    lengths: set[int] = field(default_factory=set)  # response lengths seen (all should be L)


def make_large_model(folder: Path) -> str:
    """A random-init Llama of hidden 256, 4 layers (~3.2M parameters) with the tiny model's tokenizer, saved."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Writing model shards"
    tokenizer = AutoTokenizer.from_pretrained(TINY_MODEL_DIR)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=768,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=4,
        head_dim=32,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
        rms_norm_eps=1e-6,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def bench_task(setup: Setup) -> Task:
    """The configuration's task: its train prompts and its checker (the reward)."""
    if setup.track == "smol":
        from razorbench.tasks.paper.config import PaperTaskConfig

        return get_task(setup.task, "smol")(PaperTaskConfig())
    return get_task(setup.task, setup.track)()


def smol_model_dir() -> str:
    """The smol track's base, SmolLM2-135M-Instruct, converted once into razorbench's cache (as `model=smollm2`)."""
    from razorbench.api.gguf_models import resolve_model
    from razorbench.tasks.smol.model import default_cache

    return str(resolve_model("smollm2", default_cache()))


def train_examples(setup: Setup, count: int) -> list[Example]:
    return bench_task(setup).examples("train")[:count]


def load_policy(setup: Setup) -> Policy:
    policy = Policy.load(setup.model_dir)
    # Every response runs to exactly L tokens: generate masks EOS until min_new_tokens (all three do the same).
    policy.model.generation_config.min_new_tokens = setup.tokens
    return policy
