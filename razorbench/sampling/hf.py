"""Sampling with transformers' `generate`: batched, left-padded, KV cache, on the policy's own weights.

With n > 1 samples per prompt, each prompt is run through the model once and its keys and values are repeated
for its n samples (`Policy.prompt_cache`), instead of n identical prompt forwards; `generate` then starts from
that cache. The logits agree with n separate prompt forwards to float rounding (~1e-5) and the random draws are
the same, so the samples are too, unless a draw lands within rounding of a boundary between two tokens."""

from __future__ import annotations

import time

import torch

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler, Samples


class HFSampler(Sampler):
    """Samples from `policy.model` directly, so it always sees the current weights (no sync needed)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    @torch.no_grad()
    def generate(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int,
        greedy: bool = False,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> Samples:
        policy, model = self.policy, self.policy.model
        prompt_ids = [policy.prompt_ids(p) for p in prompts for _ in range(n)]
        width = max(len(p) for p in prompt_ids)
        device = next(model.parameters()).device
        # Left padding: every prompt ends at the same column, where generation starts.
        input_ids = torch.full((len(prompt_ids), width), policy.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros_like(input_ids)
        for i, p in enumerate(prompt_ids):
            input_ids[i, width - len(p) :] = torch.tensor(p)
            attention_mask[i, width - len(p) :] = 1
        options = dict(
            max_new_tokens=max_new_tokens,
            pad_token_id=policy.pad_token_id,
            eos_token_id=policy.eos_token_id,
            use_cache=True,
        )
        if greedy or temperature == 0:
            options.update(do_sample=False)
        else:
            # Pure temperature sampling: no top-k/top-p, so the sampled distribution is π itself.
            # repetition_penalty=1: a model's generation_config may set one (Qwen2.5: 1.05), which would bend it.
            options.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0, repetition_penalty=1.0)
        began = time.perf_counter()
        was_training = model.training
        model.eval()
        input_ids, attention_mask = input_ids.to(device), attention_mask.to(device)
        if n > 1 and width > 1 and policy.shares_prompts and model.generation_config.cache_implementation is None:
            # All but each prompt's last token, once per prompt: `generate` needs one uncached token to start from.
            _, options["past_key_values"] = policy.prompt_cache(input_ids[::n, :-1], attention_mask[::n, :-1], n)
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            out = model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
        model.train(was_training)
        response_ids = []
        for row in out[:, width:].tolist():
            # Cut after EOS (generate pads finished rows); a row without EOS was truncated at max_new_tokens.
            if policy.eos_token_id in row:
                row = row[: row.index(policy.eos_token_id) + 1]
            response_ids.append(row)
        texts = policy.tokenizer.batch_decode(response_ids, skip_special_tokens=True)
        self.seconds += time.perf_counter() - began
        return Samples(list(prompts), n, prompt_ids, response_ids, texts)
