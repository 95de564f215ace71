"""The GRPO step bench's bare-PyTorch runners: a hand-written KV-cached sampling loop and GRPO step, with each
prompt's forward shared by its G responses (razorbench's arithmetic) or run per row (TRL's)."""

from __future__ import annotations

import time

import torch

# bench/ is on sys.path when a script there runs: its modules import each other by name.
from _grpo_setup import CLIP, EPSILON, LR, TEMPERATURE, Setup, StepTimes, bench_task, load_policy

from razorbench.api.task import Example


def run_bare(setup: Setup, total_steps: int, examples: list[Example], seed: int, shared: bool = True) -> StepTimes:
    """A hand-written GRPO step on the HF model. `shared`: each prompt's forward runs once and its keys and values
    are repeated for its G responses, in sampling and in training (razorbench's arithmetic); else every one of the
    P*G rows runs its own prompt (TRL's)."""
    from transformers import DynamicCache

    torch.manual_seed(seed)
    task = bench_task(setup)
    policy = load_policy(setup)
    model, tokenizer = policy.model, policy.tokenizer
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    pad, eos, P, G, T = policy.pad_token_id, policy.eos_token_id, setup.prompts, setup.group, setup.tokens
    prompt_ids = [policy.prompt_ids(e.prompt) for e in examples]  # tokenised once, as razorbench caches them
    order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(seed)).tolist()
    times = StepTimes([], [], [])

    def prompt_forward(ids: torch.Tensor, mask: torch.Tensor):
        """(last-column logits, cache) of left-padded prompts, once per prompt when shared."""
        if shared:
            ids, mask = ids[::G], mask[::G]
        cache = DynamicCache(config=model.config)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache).logits
        logits = logits[:, -1]
        if shared:
            cache.batch_repeat_interleave(G)
            logits = logits.repeat_interleave(G, dim=0)
        return logits, cache

    for step in range(total_steps):
        began, began_cpu = time.perf_counter(), time.process_time()
        batch = [order[(step * P + k) % len(order)] for k in range(P)]
        rows = [prompt_ids[i] for i in batch for _ in range(G)]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, width - len(r) :] = torch.tensor(r)
            mask[i, width - len(r) :] = 1
        lengths = mask.sum(-1, keepdim=True)
        # KV-cached sampling, EOS masked so every response is T tokens.
        model.eval()
        with torch.no_grad():
            logits, cache = prompt_forward(ids, mask)
            tokens, seen = [], mask
            for t in range(T):
                logits[:, eos] = float("-inf")
                token = torch.multinomial(torch.softmax(logits / TEMPERATURE, dim=-1), 1)
                tokens.append(token)
                if t == T - 1:
                    break
                seen = torch.cat([seen, torch.ones_like(token)], dim=1)
                logits = model(
                    input_ids=token, attention_mask=seen, position_ids=lengths + t, past_key_values=cache
                ).logits[:, -1]
        model.train()
        response = torch.cat(tokens, dim=1)
        times.lengths.add(response.shape[1])
        texts = tokenizer.batch_decode(response.tolist(), skip_special_tokens=True)
        generated = time.perf_counter() - began
        rewards = torch.tensor([task.reward(text, examples[batch[i // G]]) for i, text in enumerate(texts)])
        grouped = rewards.view(P, G)
        advantages = (grouped - grouped.mean(dim=1, keepdim=True)).view(-1, 1)
        # One forward for the log-probabilities of the response tokens: the prompt (from which the first response
        # token is predicted), then the responses on its cache.
        first, cache = prompt_forward(ids, mask)
        rest = model(
            input_ids=response[:, :-1],
            attention_mask=torch.cat([mask, torch.ones_like(response[:, :-1])], dim=1),
            position_ids=lengths + torch.arange(T - 1),
            past_key_values=cache,
        ).logits
        logits = torch.cat([first.unsqueeze(1), rest], dim=1)
        logp = torch.gather(logits, -1, response.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        ratio = torch.exp(logp - logp.detach())
        surrogate = torch.min(ratio * advantages, torch.clamp(ratio, 1 - EPSILON, 1 + EPSILON) * advantages)
        loss = -surrogate.sum() / (len(rows) * T)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.step.append(time.perf_counter() - began)
        times.cpu.append(time.process_time() - began_cpu)
        times.generation.append(generated)
    return times


def run_bare_full(setup: Setup, total_steps: int, examples: list[Example], seed: int) -> StepTimes:
    return run_bare(setup, total_steps, examples, seed, shared=False)
