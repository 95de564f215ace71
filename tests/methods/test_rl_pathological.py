"""A GRPO step on the tiny track whose sampler emits pathological math answers finishes within the stated bound.

The bound (docs/guides/troubleshooting.md, "A response that stalls its checker"): a response's check gets at most
`Task.check_timeout` seconds of CPU (and WALL_FACTOR times that of wall time), on up to one worker process per CPU,
so the rewards of a step with S such responses take at most about ceil(S / workers) * WALL_FACTOR * check_timeout
on top of a normal step, and the others are not held; a response over its bound is wrong, and counted.
"""

from __future__ import annotations

import time
import warnings

import pytest
import torch

from razorbench.api.method import TrainSettings
from razorbench.api.registry import get_task
from razorbench.methods.rl import GRPO, GRPOConfig
from razorbench.sampling.hf import HFSampler
from razorbench.util.deadline_pool import WALL_FACTOR

PATHOLOGICAL = [
    "1+" * (1 << 19) + "1",  # a megabyte of terms
    "9^{9^{9^{9}}}",
    "(" * 500 + "1" + ")" * 500,
    "1" * (1 << 20),  # a megabyte-long number
    "30\x08+7",
    "\u0033\u0030+\uff17",  # fullwidth 7
    "split 37 into 2 positive terms",  # the prompt echoed back
    "30+7 or 20+17",
]


class PathologicalSampler(HFSampler):
    """The policy's own samples (so the loss is computed on real tokens), with the texts the checker sees
    replaced by pathological answers."""

    def generate(self, prompts, **kwargs):
        samples = super().generate(prompts, **kwargs)
        samples.texts = [PATHOLOGICAL[i % len(PATHOLOGICAL)] for i in range(len(samples.texts))]
        return samples


def one_step(module: GRPO) -> float:
    """Seconds for one training step (sampling, rewards, loss, backward) outside a Trainer (its logging is off)."""
    batch = module.task.examples("train")[:4]
    began = time.monotonic()
    loss = module.training_step(batch, 0)
    loss.backward()
    assert torch.isfinite(loss)
    return time.monotonic() - began


@pytest.fixture
def grpo(policy_pair):
    _, policy = policy_pair
    task = get_task("math", "tiny")()
    module = GRPO(policy, task, PathologicalSampler(policy), config=GRPOConfig(group_size=8),
                  settings=TrainSettings(batch_size=4, max_new_tokens=8))  # fmt: skip
    yield module
    task.close_checker()


@pytest.fixture(autouse=True)
def _no_trainer_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*`self.trainer` reference is not registered.*")
        yield


def test_pathological_math_answers_are_wrong_and_the_step_is_not_slowed(grpo):
    plain = one_step(grpo)  # workers started, and a normal step's time
    began = time.monotonic()
    rewards = grpo.task.rewards(PATHOLOGICAL, [grpo.task.examples("train")[0]] * len(PATHOLOGICAL))
    assert rewards == [0.0] * len(PATHOLOGICAL)
    assert time.monotonic() - began < grpo.task.check_timeout
    stats = grpo.task.checker_stats()
    assert stats["timeouts"] == stats["failures"] == 0
    assert plain < 60  # a tiny-model step; the point is that it finished, and what follows


def test_a_checker_that_hangs_on_some_answers_costs_the_step_its_bound_and_no_more(grpo, monkeypatch):
    task = grpo.task
    task.check_timeout = 0.5  # this task object's bound: kept short so the test is quick
    real = type(task).check

    def hangs_on_towers(self, response, example):
        if response.startswith("9^"):
            while True:  # a check that never ends, as math-verify's on a tower of powers nearly does
                pass
        return real(self, response, example)

    monkeypatch.setattr(type(task), "check", hangs_on_towers)  # before the workers fork: they inherit it
    seconds = one_step(grpo)
    stats = task.checker_stats()
    hung = 4 * 8 // len(PATHOLOGICAL)  # responses of the step that were towers
    assert stats["timeouts"] == hung and stats["failures"] == 0
    workers = task.bounded_checker.pool.max_workers
    bound = -(-hung // workers) * WALL_FACTOR * task.check_timeout
    assert seconds < bound + 30, (seconds, bound)  # the stated bound, plus a tiny step on a loaded machine
