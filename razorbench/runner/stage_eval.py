"""One stage of a sequence, scored against the sequence's base π0 and against the stage before it.

A stage's own run (`razorbench.runner.run`) trains from the previous stage's policy, so its record measures against
that policy. What a sequence needs besides, for the policy πk after stage k, on every new task j ≤ k seen so far:
- accuracy on task j (sampled and checked as a run does, with task j's own evaluation settings);
- forgetting of task j: its accuracy right after its own stage minus now (None for the current task);
- the forward KL E_x KL(π0 ‖ πk) on task j's held-out prompts, at responses sampled from π0 (the base samples a run
  on task j from π0 uses: read from the same cache);
- the forward KL E_x KL(πk−1 ‖ πk) on task j's prompts, at responses sampled from πk−1 (for j = k the quantity the
  stage's own run records);
and the original priors scored on πk against π0's scores (forgetting of the priors), and the cumulative stage KL
Σ_{i ≤ k} KL(πi−1 ‖ πi) on task i's prompts: the sum of what each stage's run measured on its own task.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task
from razorbench.api.track import Track
from razorbench.metrics.divergences import divergences
from razorbench.runner.checkpoint_folders import inspect_checkpoint, load_checkpoint
from razorbench.runner.config import cache_root
from razorbench.runner.evaluate import EvalSettings, base_evaluation, base_kl_samples
from razorbench.runner.measure import Measurement, measure_against_base
from razorbench.sampling import build_sampler
from razorbench.util.faults import fault_point


@dataclass(frozen=True)
class Stage:
    """A stage of a sequence: its new task, the resolved config its run trained with, and the policy it saved."""

    task: str
    cfg: DictConfig
    model: Path


def evaluate_stage(track: Track, base_model: str, stages: list[Stage], earlier: list[dict[str, Any]]) -> dict[str, Any]:
    """The measurements above for the last of `stages`; `earlier` are the evaluations of the stages before it (in
    order), from which the accuracy of each task right after its own stage and the cumulative KL are read."""
    began = time.time()
    current, k = stages[-1], len(stages)
    cache = cache_root(current.cfg)
    base = track.load_policy(base_model, data_dir=current.cfg.task.data_dir)
    policy = load_checkpoint(track, base, inspect_checkpoint(current.model), data_dir=current.cfg.task.data_dir)
    previous = (
        load_checkpoint(track, base, inspect_checkpoint(stages[-2].model), data_dir=current.cfg.task.data_dir)
        if k > 1
        else base
    )
    tasks: dict[str, Any] = {}
    priors: dict[str, Any] = {}
    for j, stage in enumerate(stages):
        # The current stage's measurement also scores the original priors, as its config names them.
        tasks[stage.task], scored_priors = _score_task(base, previous, policy, stage, cache, with_priors=j == k - 1)
        priors = scored_priors or priors
        own = earlier[j]["tasks"][stage.task]["accuracy"] if j < k - 1 else None
        tasks[stage.task]["accuracy_after_own_stage"] = own
        tasks[stage.task]["forgetting"] = None if own is None else own - tasks[stage.task]["accuracy"]
    fault_point("stage_eval")
    stage_kl = tasks[current.task]["forward_kl_to_previous"]
    return {
        "stage": k,
        "task": current.task,
        "tasks": tasks,
        **priors,
        "stage_kl": stage_kl,
        "cumulative_stage_kl": (earlier[-1]["cumulative_stage_kl"] if earlier else 0.0) + stage_kl,
        "seconds": round(time.time() - began, 3),
    }


def _settings_and_task(stage: Stage) -> tuple[EvalSettings, Any, list]:
    track = stage.cfg.track
    task = get_task(stage.task, track)(stage.cfg.task)
    priors = [get_task(name, track)(stage.cfg.task) for name in stage.cfg.task.priors]
    return EvalSettings.from_config(stage.cfg), task, priors


def _score_task(
    base: Policy, previous: Policy, policy: Policy, stage: Stage, cache: Path, *, with_priors: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`policy` on `stage`'s task against π0 (`razorbench.runner.measure`: accuracy and forward KL), and its forward
    KL to the previous policy there; with `with_priors`, the priors' forgetting as well (else {})."""
    settings, task, priors = _settings_and_task(stage)
    backend = stage.cfg.sampling.backend
    try:
        sampler = build_sampler(backend, base)
        try:  # the base's scores and KL samples on this task: the cache entry a run on it from π0 reads
            base_result, _ = base_evaluation(base, sampler, base.sha256, task, priors, settings, cache)
        finally:
            sampler.close()
        if previous is base:
            previous_samples = base_result["kl_samples"]
        else:  # the stage run's own base samples: the same seeds, drawn from the policy it started from
            sampler = build_sampler(backend, previous)
            try:
                previous_samples = base_kl_samples(sampler, task, settings)
            finally:
                sampler.close()
        sampler = build_sampler(backend, policy)
        try:
            measured = measure_against_base(
                policy, base, sampler, task, priors if with_priors else [], base_result, settings, with_drift=False
            )
        finally:
            sampler.close()
        to_previous = divergences(previous, policy, previous_samples, settings)
    finally:
        for scored in (task, *priors):
            scored.close_checker()
    scores = {
        "accuracy": measured.new_task["accuracy"],
        "base_accuracy": base_result["new_task"]["accuracy"],
        "forward_kl_to_base": measured.divergences["forward_kl"],
        "forward_kl_to_base_per_token": measured.divergences["forward_kl_per_token"],
        "forward_kl_to_previous": to_previous["forward_kl"],
        "forward_kl_to_previous_per_token": to_previous["forward_kl_per_token"],
        "per_prompt": measured.new_task["per_prompt"],
    }
    return scores, (_prior_forgetting(measured, base_result) if with_priors else {})


def _prior_forgetting(measured: Measurement, base_result: dict[str, Any]) -> dict[str, Any]:
    """The priors' scores on the stage's policy against π0's cached ones, and their forgetting."""
    scores = {
        name: {"base": base_result["priors"][name]["score"], "final": s["score"]} for name, s in measured.priors.items()
    }
    return {
        "prior_scores": scores,
        "forgetting_per_prior": measured.forgetting_per_prior,
        "prior_forgetting": measured.forgetting,
    }
