"""The shell the tiny priors share: a fixed list of instances, each a prompt with exactly one correct response,
shuffled with the task's seed; `eval` is the first `EVAL_SIZE` of that order and `pretrain` either every instance (a
body of knowledge, whose retention is measured on the facts themselves) or the others (a skill, measured on
held-out instances). A response is correct iff, stripped of surrounding blanks, it is the answer exactly.
"""

from __future__ import annotations

import functools
import random
from typing import Any, ClassVar

from razorbench.api.task import Example, Task

from .blanks import strip_blanks

EVAL_SIZE = 200


def check(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding blanks, is exactly `answer` (case-sensitive).

    >>> check(" Paris\\n", "Paris"), check(" 68\\n", "68")
    (True, True)
    >>> check("paris", "Paris"), check("NE", "Ne"), check("68.", "68"), check("e l p p a", "elppa")
    (False, False, False, False)
    """
    return strip_blanks(response) == answer


class ExactMatchPrior(Task):
    """A tiny prior task: subclasses give `SEED`, `instances()` and `PRETRAIN_HOLDS_EVAL`."""

    kind = "prior"
    SPLITS = ("eval", "pretrain")
    SEED: ClassVar[int]
    PRETRAIN_HOLDS_EVAL: ClassVar[bool] = True
    """True: `pretrain` is every instance, `eval` among them; False: `pretrain` is the instances after `eval`."""

    @classmethod
    def instances(cls) -> list[tuple[str, str, dict[str, Any]]]:
        """Every (prompt, answer, meta) of the task, in a fixed order."""
        raise NotImplementedError(f"{cls.__name__} lists no instances")

    @classmethod
    def build_splits(cls) -> dict[str, tuple[Example, ...]]:
        """The splits, built afresh (`_examples` reads them once per class)."""
        rows = cls.instances()
        random.Random(cls.SEED).shuffle(rows)
        parts = {"eval": rows[:EVAL_SIZE], "pretrain": rows if cls.PRETRAIN_HOLDS_EVAL else rows[EVAL_SIZE:]}
        return {
            split: tuple(Example(f"{split}-{i:05d}", p, a, meta) for i, (p, a, meta) in enumerate(part))
            for split, part in parts.items()
        }

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(type(self))[split]

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.answer)


@functools.cache
def _splits(task: type[ExactMatchPrior]) -> dict[str, tuple[Example, ...]]:
    return task.build_splits()
