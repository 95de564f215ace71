"""The tiny track's base model built from seed: tokenizer, Llama config, pretraining on the priors (its command:
`pretrain_command.py`).

The model is a standard transformers Llama causal LM (4 layers, width 128, ~0.8M parameters) with a
character-level tokenizer saved as ordinary HF files, so it loads with `AutoModelForCausalLM` /
`AutoTokenizer.from_pretrained` like any hub model. It is pretrained on every tiny task's `pretrain`
split: the prior tasks (the capabilities whose loss is measured) and a small, half-wrong sample of each
new task (so the base "solves a little" of each with diverse answers, the paper's starting point).

Same seed, same torch version and thread count -> the same weights; the package ships the result with
its sha256 (tasks/tiny/assets/tiny-lm/SHA256).
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import torch

CHARS = [chr(i) for i in range(32, 127)]  # printable ASCII: every tiny-task prompt and answer
SPECIAL = {"pad": "<|pad|>", "eos": "<|endoftext|>", "user": "<|user|>", "assistant": "<|assistant|>", "unk": "<|unk|>"}
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'assistant' %}<|assistant|>{{ m['content'] }}<|endoftext|>"
    "{% else %}<|user|>{{ m['content'] }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def build_tokenizer():
    """A character-level fast tokenizer: one token per printable ASCII char, plus chat special tokens."""
    from tokenizers import Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate([*SPECIAL.values(), *CHARS])}
    # BPE without merges splits text into single characters; Fuse joins them back without spaces.
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=SPECIAL["unk"]))
    core.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token=SPECIAL["eos"],
        pad_token=SPECIAL["pad"],
        unk_token=SPECIAL["unk"],
        additional_special_tokens=[SPECIAL["user"], SPECIAL["assistant"]],
        model_max_length=128,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_model(vocab_size: int, seed: int):
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=128,
        intermediate_size=384,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        # Llama, not Qwen2: transformers 5 forces Qwen2's byte-level tokenizer class onto any qwen2 model,
        # which would mangle this character-level tokenizer.
        tie_word_embeddings=False,  # vLLM's CPU backend keeps a stale packed lm_head for tied weights
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


def pretraining_data() -> dict[str, list]:
    """Every tiny task's pretrain split, by task name."""
    from razorbench.api.registry import TASKS

    return {e.info["task_name"]: e.obj().examples("pretrain") for e in TASKS.entries() if e.info["track"] == "tiny"}


def pretrain_tiny(
    out_dir: str | Path, *, steps: int = 3000, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, log=print
) -> Path:
    """Pretrain the tiny model and save it (HF files + SHA256) to `out_dir`. Returns the directory."""
    from razorbench.api.policy import Policy, model_sha256

    out_dir = Path(out_dir)
    tokenizer = build_tokenizer()
    policy = Policy(build_model(len(tokenizer), seed), tokenizer)
    data = pretraining_data()
    names = sorted(data)
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = max(1, steps // 30)

    def lr_factor(step: int) -> float:
        # 1) linear warm-up, 2) cosine decay to 10% of the peak rate.
        if step < warmup:
            return (step + 1) / warmup
        return 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    policy.model.train()
    began, losses = time.time(), []
    for step in range(steps):
        # Tasks weigh equally whatever their split sizes: a task is drawn first, then an example of it.
        batch = [rng.choice(data[rng.choice(names)]) for _ in range(batch_size)]
        sequences = policy.pack(
            [policy.prompt_ids(e.prompt) for e in batch], [policy.response_ids(e.answer) for e in batch]
        )
        logp, mask = policy.token_logprobs(sequences)
        loss = -(logp * mask).sum() / mask.sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if (step + 1) % max(1, steps // 20) == 0 or step + 1 == steps:
            log(
                f"step {step + 1}/{steps}  loss {sum(losses[-50:]) / len(losses[-50:]):.4f}  {time.time() - began:.0f}s"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    policy.model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    meta = {
        "seed": seed,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "tasks": names,
        "final_loss": sum(losses[-50:]) / len(losses[-50:]),
        "seconds": round(time.time() - began, 1),
        "parameters": sum(p.numel() for p in policy.model.parameters()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    (out_dir / "pretrain.json").write_text(json.dumps(meta, indent=2) + "\n")
    (out_dir / "SHA256").write_text(model_sha256(out_dir) + "\n")
    return out_dir
