"""The splits every tiny new task shares: disjoint `eval`, `pretrain` and `train` prompts, and the noisy,
many-answer `pretrain` rows the base model learns the task from; and `ManyAnswerTask`, the task shell around them.

The pretraining rows are what makes the tiny track a setting where RL's Razor's premise holds (arXiv
2509.04259; docs/TINY-TRACK.md): the base policy must already spread its probability over *several*
correct answers, some wrong ones too, so that a method can become accurate close to it or far from it. v1
pretrained each prompt on one answer; the base then committed to one answer per prompt (0.33 distinct
correct responses among 4 samples on science) and every method had to move its mode. From v2 each
pretraining prompt appears `PRETRAIN_ANSWERS` times, each row independently a uniformly drawn correct
answer (with probability `PRETRAIN_CORRECT`) or a same-format wrong one, so the base model learns a spread,
partly wrong answer distribution per prompt. (Raising the share for science and tool to 0.6 and 0.7 was tried
and dropped: it did not raise tool's base accuracy; docs/TINY-TRACK.md, "Track v2".)
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from typing import ClassVar

from razorbench.api.task import Example, Task

EVAL_SIZE = 200
PRETRAIN_SIZE = 300
PRETRAIN_ANSWERS = 4
PRETRAIN_CORRECT = 0.5


def new_task_splits(
    prompts: list[str],
    *,
    seed: int,
    noise_seed: int,
    reference: Callable[[str], str],
    correct_answers: Callable[[str], Sequence[str]],
    wrong_answer: Callable[[str, random.Random], str],
) -> dict[str, tuple[Example, ...]]:
    """`prompts` shuffled with `seed` and cut into `eval` (200), `pretrain` (300) and `train` (the rest).

    `train` and `eval` rows carry the fixed reference answer (the SFT label); each `pretrain` prompt gives
    `PRETRAIN_ANSWERS` rows (ids ``pretrain-PPPPP-K``), each right with probability `PRETRAIN_CORRECT`
    (a uniformly drawn correct answer) and otherwise `wrong_answer`; `meta["correct"]` says which.
    """
    prompts = list(prompts)
    random.Random(seed).shuffle(prompts)
    parts = {
        "eval": prompts[:EVAL_SIZE],
        "pretrain": prompts[EVAL_SIZE : EVAL_SIZE + PRETRAIN_SIZE],
        "train": prompts[EVAL_SIZE + PRETRAIN_SIZE :],
    }
    noise = random.Random(noise_seed)
    splits: dict[str, tuple[Example, ...]] = {}
    for split, rows in parts.items():
        if split != "pretrain":
            splits[split] = tuple(
                Example(f"{split}-{i:05d}", p, reference(p), {"correct": True}) for i, p in enumerate(rows)
            )
            continue
        examples = []
        for i, prompt in enumerate(rows):
            for k in range(PRETRAIN_ANSWERS):
                correct = noise.random() < PRETRAIN_CORRECT
                answer = noise.choice(list(correct_answers(prompt))) if correct else wrong_answer(prompt, noise)
                examples.append(Example(f"pretrain-{i:05d}-{k}", prompt, answer, {"correct": correct}))
        splits[split] = tuple(examples)
    return splits


class ManyAnswerTask(Task):
    """A tiny new task: prompts that admit many correct responses, split by `new_task_splits` with the task's `SEED`
    and `NOISE_SEED`. A subclass gives the task's own functions of a prompt as static methods: `prompts()`,
    `answers(prompt)` (every correct response), `reference(prompt)` (the SFT label; default: the first answer),
    `wrong_answer(prompt, rng)` and `check_prompt(response, prompt)`."""

    kind = "new"
    SPLITS = ("train", "eval", "pretrain")
    SEED: ClassVar[int]
    NOISE_SEED: ClassVar[int]
    prompts: ClassVar[Callable[[], list[str]]]
    answers: ClassVar[Callable[[str], Sequence[str]]]
    wrong_answer: ClassVar[Callable[[str, random.Random], str]]
    check_prompt: ClassVar[Callable[[str, str], bool]]

    @classmethod
    def reference(cls, prompt: str) -> str:
        return cls.answers(prompt)[0]

    @classmethod
    def build_splits(cls) -> dict[str, tuple[Example, ...]]:
        """The splits, built afresh (`_examples` reads them once per class)."""
        return new_task_splits(
            cls.prompts(),
            seed=cls.SEED,
            noise_seed=cls.NOISE_SEED,
            reference=cls.reference,
            correct_answers=cls.answers,
            wrong_answer=cls.wrong_answer,
        )

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(type(self))[split]

    def check(self, response: str, example: Example) -> bool:
        return self.check_prompt(response, example.prompt)

    def correct_answers(self, example: Example) -> list[str]:
        """Every correct response to `example` (`answers` of its prompt)."""
        return list(self.answers(example.prompt))


@functools.cache
def _splits(task: type[ManyAnswerTask]) -> dict[str, tuple[Example, ...]]:
    return task.build_splits()
