"""Learning curves: the run's metrics measured during training, every `curve.every` optimizer steps.

After every `every`-th optimizer step, the policy being trained is evaluated exactly as the final policy is
(`razorbench.runner.measure`, same settings and seeds): new-task accuracy, prior scores and forgetting, every
forgetting predictor the final record has (the forward and reverse KL to π0 on the base samples, total variation,
the k1-k3 estimates, weight change and representation CKA), so a curve point can stand for the run stopped there
(`razorbench.analysis.curve_points`); and, for diagnosis, how spread out its own responses are: the entropy of its
responses (`razorbench.metrics.entropy`) and the mean number of distinct (and distinct correct) responses among
`eval.samples_per_prompt` samples per held-out prompt. The points go into the record under `curve`.

The step-0 point (before the first update) is the base evaluation itself plus the spread: there π is π0, and the
base evaluation ran with the same settings and seeds, so measuring again would only repeat it (minutes per run on
the LLM tracks): accuracy and prior scores are the base's, forgetting, every divergence and the weight change are
0, and representation CKA is 1. Only the spread is measured, since the base evaluation has none
(tests/runner/test_curve.py checks this point against measuring the untrained policy).

Measuring draws no number from the training RNG stream (it is forked and restored), so a run with a curve
trains exactly as the same run without one. The curve needs π0 beside the policy: a frozen copy when the method
keeps none (twice the model's weights in memory).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler
from razorbench.api.task import Task
from razorbench.metrics.entropy import response_entropy
from razorbench.metrics.kl_estimators import ESTIMATORS
from razorbench.runner.evaluate import EvalSettings, sampled_batches
from razorbench.runner.measure import measure_against_base

# The divergences a curve point keeps, named as in the record's metrics.
PREDICTOR_KEYS = (
    "forward_kl",
    "forward_kl_per_token",
    "reverse_kl",
    "reverse_kl_per_token",
    "total_variation_per_token",
    *(key for name in ESTIMATORS for key in (name, f"{name}_per_token")),
)
SPREAD_SEED_OFFSET = 104729  # the spread samples' own stream, apart from the accuracy and KL samples


class LearningCurve(Callback):
    def __init__(
        self,
        every: int,
        *,
        policy: Policy,
        reference: Policy,
        sampler: Sampler,
        task: Task,
        priors: list[Task],
        settings: EvalSettings,
        base: dict[str, Any],
    ) -> None:
        self.every = every
        self.policy, self.reference, self.sampler = policy, reference, sampler
        self.task, self.priors, self.settings, self.base = task, priors, settings, base
        self.points: list[dict[str, Any]] = []
        # Weight change and CKA need the policy's weights under π0's names: off while a LoRA adapter wraps them
        # (the final record measures them after merging).
        self.with_drift = True

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.global_step == 0 and not self.points:  # a resumed run keeps the points it had
            self.points.append(self.base_point())

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        step = trainer.global_step
        if step % self.every == 0 and step not in {p["step"] for p in self.points}:
            self.points.append(self.measure(step))

    def state_dict(self) -> dict[str, Any]:
        return {"points": self.points}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.points = list(state_dict["points"])

    def measure(self, step: int) -> dict[str, Any]:
        """The policy's metrics now, without touching the training RNG stream."""
        was_training = self.policy.model.training
        self.policy.model.eval()
        try:
            # The evaluation samplers seed each call; the fork also keeps a sampler that draws unseeded from
            # torch's global generator off the training stream.
            with torch.random.fork_rng(devices=[]):
                measured = measure_against_base(
                    self.policy,
                    self.reference,
                    self.sampler,
                    self.task,
                    self.priors,
                    self.base,
                    self.settings,
                    with_drift=self.with_drift,
                )
                spread = self.spread()
        finally:
            self.policy.model.train(was_training)
        return {
            "step": step,
            "new_task_accuracy": measured.new_task["accuracy"],
            "prior_scores": {name: s["score"] for name, s in measured.priors.items()},
            "forgetting": measured.forgetting,
            **{key: measured.divergences[key] for key in PREDICTOR_KEYS},
            **measured.drift,
            **spread,
        }

    def base_point(self) -> dict[str, Any]:
        """The step-0 point, π = π0: the base evaluation's scores, no divergence or drift, and the spread measured.

        Its keys are `measure`'s: drift only where `measure` would measure it."""
        was_training = self.policy.model.training
        self.policy.model.eval()
        try:
            with torch.random.fork_rng(devices=[]):  # as in `measure`: the spread draws nothing from training's
                spread = self.spread()
        finally:
            self.policy.model.train(was_training)
        # π0 joins π on its device now, as measuring would have moved it: training holds the memory it held before,
        # and a device too small for both fails at the start, not at the first measured point.
        self.reference.to(next(self.policy.model.parameters()).device)
        # What `weight_change` and `linear_cka` give for θ = θ0 (`razorbench.runner.evaluate.drift`).
        drift = {"weight_l2": 0.0, "weight_relative_l2": 0.0, "update_effective_rank": 0.0}
        if any(task.examples("eval")[: self.settings.limit_for(task.name)] for task in self.priors):
            drift["representation_cka"] = 1.0  # `drift` measures it only on prior prompts
        return {
            "step": 0,
            "new_task_accuracy": self.base["new_task"]["accuracy"],
            "prior_scores": {task.name: self.base["priors"][task.name]["score"] for task in self.priors},
            "forgetting": 0.0,
            **dict.fromkeys(PREDICTOR_KEYS, 0.0),
            **(drift if self.with_drift else {}),
            **spread,
        }

    def spread(self) -> dict[str, float]:
        """Entropy of the policy's own responses, and distinct (correct) responses per held-out prompt."""
        s = self.settings
        examples = self.task.examples("eval")[: s.kl_prompts]
        sequence = token_sum = tokens = 0.0
        distinct, distinct_correct = [], []
        device = next(self.policy.model.parameters()).device
        for batch, out in sampled_batches(self.sampler, examples, s, SPREAD_SEED_OFFSET):
            entropy = response_entropy(self.policy, self.policy.pack(out.prompt_ids, out.response_ids).to(device))
            sequence += entropy["sequence"].sum().item()
            token_sum += entropy["token_sum"].sum().item()
            tokens += entropy["tokens"].sum().item()
            correct = self.task.check_all(out.texts, [batch[out.prompt_index(i)] for i in range(len(out.texts))])
            for j in range(len(batch)):
                group = range(j * out.n, (j + 1) * out.n)
                distinct.append(len({out.texts[i] for i in group}))
                distinct_correct.append(len({out.texts[i] for i in group if correct[i]}))
        n = len(distinct) * s.samples_per_prompt
        return {
            "response_entropy": sequence / max(n, 1),
            "token_entropy": token_sum / max(tokens, 1.0),
            "distinct_responses": float(np.mean(distinct)) if distinct else 0.0,
            "distinct_correct_responses": float(np.mean(distinct_correct)) if distinct_correct else 0.0,
        }
