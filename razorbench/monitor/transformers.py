"""`ForwardKLTrainerCallback`: the monitor (`razorbench.monitor.monitor.KLMonitor`) as a transformers TrainerCallback,
so transformers' Trainer and TRL's trainers (SFTTrainer, GRPOTrainer, ...) take it unchanged:

    monitor = ForwardKLTrainerCallback(prompts, tokenizer, every=10, law=shipped_law("tiny", "science"))
    trainer = SFTTrainer(..., callbacks=[monitor])
    monitor.attach(trainer)   # optional: also report each check to the trainer's loggers (report_to)
    trainer.train()
    monitor.monitor.checks    # [{step, forward_kl, forward_kl_per_token, forgetting, ...}, ...]

`prompts` are strings (one user turn each) or conversations (lists of {"role", "content"} messages, TRL's
conversational format, e.g. a GRPO dataset's `prompt` column), rendered by the tokenizer's chat template. At the
start of training (the model is still π0) it samples one response per prompt from the model, seeded and
without touching the training RNG, or takes `samples` given (e.g. a razorbench base evaluation's KL samples), and
caches π0's side (`razorbench.monitor.reference`). Each check goes into `state.log_history` (saved with every
checkpoint in trainer_state.json) and, once attached, to the trainer's other callbacks' `on_log` (its loggers); a budget
crossed with action "stop" ends training with a checkpoint (`should_save`, `should_training_stop`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from transformers import TrainerCallback

from razorbench.api.policy import Policy, Prompt, conversation_key
from razorbench.monitor.budget import Budget
from razorbench.monitor.forecast import Law
from razorbench.monitor.monitor import KLMonitor
from razorbench.monitor.reference import DEFAULT_MAX_CACHE_BYTES, MonitorSettings, ReferenceSide
from razorbench.sampling.hf import HFSampler

SAMPLE_SEED = 1234 + 7919  # razorbench's default eval.seed and its KL samples' offset


def monitor_prompts(prompts: Iterable[Prompt]) -> list[Prompt]:
    """The prompts as a list, each a string or a conversation (a list of {"role", "content"} messages, as TRL's
    conversational datasets hold them: `dataset["prompt"]`); anything else is refused here, before training, in one
    line that says what to pass."""
    if isinstance(prompts, str | dict):
        raise TypeError(f"prompts is one {type(prompts).__name__}; pass a list of prompts (strings or conversations)")
    prompts = list(prompts)
    for prompt in prompts:
        if not isinstance(prompt, str):
            conversation_key(prompt)  # raises TypeError naming what a prompt may be
    return prompts


class ForwardKLTrainerCallback(TrainerCallback):
    def __init__(
        self,
        prompts: Iterable[Prompt] | None,
        tokenizer: Any,
        *,
        every: int = 10,
        samples: list[dict[str, Any]] | None = None,
        max_new_tokens: int = 24,
        temperature: float = 1.0,
        seed: int = SAMPLE_SEED,
        law: Law | None = None,
        kl_budget: float | None = None,
        forgetting_budget: float | None = None,
        action: str = "warn",
        forgetting_bound: str = "upper",
        settings: MonitorSettings | None = None,
        cache: str = "auto",
        max_cache_bytes: int = DEFAULT_MAX_CACHE_BYTES,
    ) -> None:
        if (prompts is None) == (samples is None):
            raise ValueError("give the monitor either prompts (it samples π0's responses) or samples, not both")
        if tokenizer.pad_token_id is None:
            raise ValueError("the tokenizer has no pad token: set tokenizer.pad_token (e.g. to its eos_token)")
        if prompts is not None:
            prompts = monitor_prompts(prompts)
        self.prompts, self.samples, self.tokenizer = prompts, samples, tokenizer
        self.sampling = {"max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed}
        self.settings = settings or MonitorSettings()
        self.cache, self.max_cache_bytes = cache, max_cache_bytes
        self.every, self.law = every, law
        self.budget = Budget(kl_budget, forgetting_budget, action, forgetting_bound)
        self.monitor: KLMonitor | None = None
        self.policy: Policy | None = None
        self._handler: Any = None
        self._trainer: Any = None

    def attach(self, trainer: Any) -> ForwardKLTrainerCallback:
        """Report each check to the trainer's loggers too (its callbacks' `on_log`); adds the callback if absent."""
        if self not in trainer.callback_handler.callbacks:
            trainer.add_callback(self)
        self._trainer = trainer
        return self

    def _sample(self, policy: Policy) -> list[dict[str, Any]]:
        devices = [policy.model.device] if policy.model.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):  # the training RNG stream stays as it was
            out = HFSampler(policy).generate(self.prompts, n=1, **self.sampling)
        return [
            {"id": str(i), "prompt_ids": p, "response_ids": r}
            for i, (p, r) in enumerate(zip(out.prompt_ids, out.response_ids, strict=True))
        ]

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if self.monitor is not None:
            return
        self.policy = Policy(model, self.tokenizer, name=getattr(model, "name_or_path", ""))
        samples = self.samples if self.samples is not None else self._sample(self.policy)
        reference = ReferenceSide(
            self.policy, samples, self.settings, mode=self.cache, max_cache_bytes=self.max_cache_bytes
        )
        self.monitor = KLMonitor(reference, self.every, law=self.law, budget=self.budget)
        if state.global_step == 0:
            self._check(state, control, 0)

    def on_step_end(self, args, state, control, **kwargs):
        step = state.global_step
        if self.monitor.due(step, last=step >= state.max_steps > 0):
            self._check(state, control, step)
        return control

    def _check(self, state, control, step: int) -> None:
        point = self.monitor.check(self.policy, step)
        logs = self.monitor.metrics(point)
        state.log_history.append({**logs, "step": step})
        if self._trainer is not None:
            handler = self._trainer.callback_handler
            others = [c for c in handler.callbacks if c is not self]
            for callback in others:  # the loggers (report_to), not TRL's own `log`, which would flush its averages
                callback.on_log(self._trainer.args, state, control, logs=dict(logs), model=self.policy.model)
        if self.monitor.stop:
            control.should_save = True
            control.should_training_stop = True
