"""Evaluation, independent of training: it takes policies, not trainers, so a checkpoint trained anywhere
(TRL, verl, a razorbench method) is scored the same way.

- new-task accuracy: responses sampled at the run's temperature on held-out prompts, checked;
- prior scores: each prior task's own scorer, before (base) and after (final);
- forgetting: mean over priors of (base - final);
- forward KL: on responses sampled once from the base policy π0 (see `razorbench.metrics.kl`).

Everything that depends only on the base model (its scores and its KL samples) is cached on disk, keyed by
the model's sha256, the tasks and versions, and the evaluation settings, so a sweep pays for it once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from filelock import FileLock
from omegaconf import OmegaConf
from torchmetrics.aggregation import MeanMetric

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler, Samples
from razorbench.api.task import Example, Task
from razorbench.metrics.predictors import linear_cka, mean_hidden_state, weight_change
from razorbench.util.atomic import write_json_atomic
from razorbench.util.faults import fault_point


@dataclass
class EvalSettings:
    new_task_prompts: int
    samples_per_prompt: int
    kl_prompts: int
    prior_limit: int
    batch_size: int
    kl_chunk_size: int
    max_new_tokens: int
    temperature: float
    seed: int
    backend: str = "hf"  # part of the cache key: base samples from another sampler are not reused
    prior_limits: dict[str, int] = field(default_factory=dict)
    drift_prompts: int = 0  # 0 = every prompt a prior is scored on; not in the base cache key (drift is not cached)

    def limit_for(self, prior: str) -> int | None:
        """Examples of `prior` to score: the smaller of `prior_limit` and its own cap where one is set (0 = no cap
        from that setting); None = all. A command line's `eval.prior_limit=20` thus shrinks every prior."""
        caps = [c for c in (self.prior_limit, self.prior_limits.get(prior, 0)) if c]
        return min(caps) if caps else None

    @classmethod
    def from_config(cls, cfg) -> EvalSettings:
        e = cfg.eval
        return cls(
            e.new_task_prompts,
            e.samples_per_prompt,
            e.kl_prompts,
            e.prior_limit,
            e.batch_size,
            e.kl_chunk_size,
            cfg.sampling.max_new_tokens,
            cfg.sampling.temperature,
            e.seed,
            cfg.sampling.backend,
            dict(e.prior_limits),
            e.drift_prompts,
        )

    def drift_limit_for(self, prior: str) -> int | None:
        """Prompts of `prior` for representation drift: its scored ones, at most `drift_prompts` (0 = no cap)."""
        caps = [c for c in (self.limit_for(prior), self.drift_prompts) if c]
        return min(caps) if caps else None


def sampled_batches(
    sampler: Sampler, examples: Sequence[Example], s: EvalSettings, seed_offset: int = 0
) -> Iterator[tuple[Sequence[Example], Samples]]:
    """`s.samples_per_prompt` responses to each example at the run's temperature, about `s.batch_size` responses a
    call; each call seeded by its position (`s.seed + seed_offset + start`), so the draws are reproducible
    whatever ran before and every run of a sweep is scored on the same ones."""
    prompts_per_batch = max(1, s.batch_size // s.samples_per_prompt)
    for start in range(0, len(examples), prompts_per_batch):
        batch = examples[start : start + prompts_per_batch]
        out = sampler.generate(
            [e.prompt for e in batch],
            n=s.samples_per_prompt,
            max_new_tokens=s.max_new_tokens,
            temperature=s.temperature,
            seed=s.seed + seed_offset + start,
        )
        yield batch, out


def new_task_accuracy(sampler: Sampler, task: Task, s: EvalSettings) -> dict[str, Any]:
    """Fraction of sampled responses on held-out prompts that pass the task's check, with the per-prompt means."""
    examples = task.examples("eval")[: s.new_task_prompts]
    accuracy = MeanMetric()
    per_prompt: dict[str, float] = {}
    for batch, out in sampled_batches(sampler, examples, s):
        rewards = torch.tensor(task.rewards(out.texts, [batch[out.prompt_index(i)] for i in range(len(out.texts))]))
        accuracy.update(rewards)
        for j, e in enumerate(batch):
            per_prompt[e.id] = rewards[j * out.n : (j + 1) * out.n].mean().item()
    return {"accuracy": accuracy.compute().item(), "per_prompt": per_prompt}


def prior_scores(policy: Policy, sampler: Sampler, priors: list[Task], s: EvalSettings) -> dict[str, dict[str, Any]]:
    out = {}
    for task in priors:
        started = time.time()
        result = task.score(policy, sampler, limit=s.limit_for(task.name), batch_size=s.batch_size)
        # Seconds per prior: what sizes a prior for an evaluation budget (docs/SMOL-PRIORS.md), printed by `run`.
        out[task.name] = {"score": result.score, "per_example": result.per_example, "seconds": time.time() - started}
        if result.skipped:
            out[task.name]["skipped"] = result.skipped
        if result.truncated:
            out[task.name]["truncated"] = result.truncated
    return out


def base_kl_samples(sampler: Sampler, task: Task, s: EvalSettings) -> list[dict[str, Any]]:
    """One response of the base policy per held-out prompt: the points where the forward KL is measured."""
    examples = task.examples("eval")[: s.kl_prompts]
    samples = []
    for start in range(0, len(examples), s.batch_size):
        batch = examples[start : start + s.batch_size]
        out = sampler.generate(
            [e.prompt for e in batch],
            n=1,
            max_new_tokens=s.max_new_tokens,
            temperature=s.temperature,
            seed=s.seed + 7919 + start,  # a different stream from the accuracy samples
        )
        for e, p, r in zip(batch, out.prompt_ids, out.response_ids, strict=True):
            samples.append({"id": e.id, "prompt_ids": p, "response_ids": r})
    return samples


def drift(reference: Policy, policy: Policy, priors: list[Task], s: EvalSettings) -> dict[str, float]:
    """Weight-space change θ − θ0 and representation drift (linear CKA of mean final hidden states, base vs
    tuned, on prior-task prompts): the non-KL forgetting predictors."""
    out = weight_change(reference.model, policy.model)
    prompts = [e.prompt for task in priors for e in task.examples("eval")[: s.drift_limit_for(task.name)]]
    ids = [policy.prompt_ids(p) for p in prompts]
    # Batches of similar lengths (padding is work: prior prompts run from 20 to 600 tokens); rows back in order after.
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    device = next(policy.model.parameters()).device
    base_states, tuned_states = [], []
    for start in range(0, len(order), s.batch_size):
        rows = [ids[i] for i in order[start : start + s.batch_size]]
        batch = policy.pack(rows, [[] for _ in rows]).to(device)
        base_states.append(mean_hidden_state(reference, batch))
        tuned_states.append(mean_hidden_state(policy, batch))
    if prompts:
        back = torch.argsort(torch.tensor(order))
        out["representation_cka"] = linear_cka(torch.cat(base_states)[back], torch.cat(tuned_states)[back])
    return out


def base_cache_key(model_sha256: str, task: Task, priors: list[Task], s: EvalSettings) -> str:
    spec = {
        "model": model_sha256,
        "task": [task.name, task.version],
        "task_config": OmegaConf.to_container(OmegaConf.create(task.config)),  # data source, prior settings
        "priors": [[p.name, p.version] for p in priors],
        # Settings as before per-prior limits existed, where none is set: the caches made then stay valid.
        "settings": {k: v for k, v in s.__dict__.items() if (k != "prior_limits" or v) and k != "drift_prompts"},
        "format": 1,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def base_evaluation(
    policy: Policy,
    sampler: Sampler,
    model_sha256: str,
    task: Task,
    priors: list[Task],
    s: EvalSettings,
    cache_dir: Path,
) -> tuple[dict[str, Any], bool]:
    """The base policy's scores and KL samples, from the cache when present. Returns (result, cache_hit).

    A file lock makes concurrent runs sharing the cache compute each entry once; the write is atomic.
    """
    path = cache_dir / "base" / f"{base_cache_key(model_sha256, task, priors, s)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if path.exists():
            try:
                return json.loads(path.read_text()), True
            except json.JSONDecodeError:
                pass  # a corrupt entry is recomputed and replaced
        new_task = new_task_accuracy(sampler, task, s)
        fault_point("base_eval")
        result = {
            "new_task": new_task,
            "priors": prior_scores(policy, sampler, priors, s),
            "kl_samples": base_kl_samples(sampler, task, s),
        }
        write_json_atomic(path, result)
    return result, False
