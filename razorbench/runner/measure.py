"""Measure a policy against its base: the one evaluation of a policy π that has moved away from π0.

`razorbench run` (the fine-tuned policy), `razorbench eval` (a checkpoint trained elsewhere), curve points during
training and sequence stages all call `measure_against_base`, so a number means the same wherever it is recorded:
- new-task accuracy of π on the held-out prompts (`razorbench.runner.evaluate.new_task_accuracy`);
- each prior's score on π, and forgetting: per prior base − π, and their mean;
- every divergence of π from π0 on the base's KL samples (`razorbench.metrics.divergences`): the exact forward KL,
  reverse KL and total variation, and the sampled-token estimates;
- drift (weight change, update rank, representation CKA; `razorbench.runner.evaluate.drift`), unless left out.

The steps run in that order, each seeded as the base evaluation is, so the result does not depend on what ran
before. Sampling ends before the KL: a caller that owns the sampler may have it closed there (`close_sampler`), which
frees an inference engine's memory before π0 joins π on the device.

The first step, π's scores, is `score_policy`: an experiment that scores a policy without a base to measure it
against (a candidate's base score, a checkpoint's priors) calls it, so its numbers are the ones a run records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler
from razorbench.api.task import Task
from razorbench.metrics.divergences import divergences
from razorbench.runner.evaluate import EvalSettings, drift, new_task_accuracy, prior_scores


@dataclass
class Measurement:
    """What `measure_against_base` found: the shapes the record stores (`razorbench.runner.record_builder`)."""

    new_task: dict[str, Any]
    """{"accuracy", "per_prompt"} of π on the new task."""
    priors: dict[str, dict[str, Any]]
    """Per prior: {"score", "per_example"} of π (and "skipped", "truncated" where its scorer left some out)."""
    forgetting_per_prior: dict[str, float]
    """Per prior: the base's score minus π's."""
    divergences: dict[str, Any]
    """`razorbench.metrics.divergences.divergences` of π from π0 on the base's KL samples."""
    drift: dict[str, float] = field(default_factory=dict)
    """Weight change and representation drift; empty when left out."""

    @property
    def forgetting(self) -> float:
        """Mean over the priors of (base − π); 0 without priors."""
        deltas = self.forgetting_per_prior
        return sum(deltas.values()) / len(deltas) if deltas else 0.0


def score_policy(
    policy: Policy, sampler: Sampler, task: Task | None, priors: list[Task], settings: EvalSettings
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """π's scores, the first step of `measure_against_base`: ({"accuracy", "per_prompt"} on `task`'s held-out
    prompts, None without a task; per prior {"score", "per_example"} and "skipped", "truncated" where its scorer
    left some out)."""
    new_task = new_task_accuracy(sampler, task, settings) if task is not None else None
    return new_task, prior_scores(policy, sampler, priors, settings)


def measure_against_base(
    policy: Policy,
    reference: Policy,
    sampler: Sampler,
    task: Task,
    priors: list[Task],
    base: dict[str, Any],
    settings: EvalSettings,
    *,
    with_drift: bool = True,
    close_sampler: bool = False,
    timings: dict[str, float] | None = None,
) -> Measurement:
    """π (`policy`, sampled by `sampler`) against π0 (`reference`), whose base evaluation `base` (`new_task`,
    `priors`, `kl_samples`; `razorbench.runner.evaluate.base_evaluation`) covers `task` and `priors`.

    `timings`, when given, receives the seconds of "final_eval" (sampling and scoring), "kl" and "drift"."""
    timings = {} if timings is None else timings
    was_training = policy.model.training
    policy.model.eval()
    try:
        t = time.time()
        new_task, scores = score_policy(policy, sampler, task, priors, settings)
        if close_sampler:
            sampler.close()
        timings["final_eval"] = time.time() - t
        t = time.time()
        reference.to(next(policy.model.parameters()).device)
        kl = divergences(reference, policy, base["kl_samples"], settings)
        timings["kl"] = time.time() - t
        moved: dict[str, float] = {}
        if with_drift:
            t = time.time()
            moved = drift(reference, policy, priors, settings)
            timings["drift"] = time.time() - t
    finally:
        policy.model.train(was_training)
    return Measurement(
        new_task=new_task,
        priors=scores,
        forgetting_per_prior={name: base["priors"][name]["score"] - s["score"] for name, s in scores.items()},
        divergences=kl,
        drift=moved,
    )
