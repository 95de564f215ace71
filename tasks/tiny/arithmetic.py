"""Prior task `arithmetic` (tiny track): the addition and subtraction table of the integers 0 to 20.

Prompts are ``add A B`` (answer A+B) and ``sub A B`` with A >= B (answer A-B, so never negative), for A and B
from 0 to 20: all 441 additions and 231 subtractions, listed in a fixed order and shuffled with a fixed seed.
The prior capability is the table itself, as the `elements` and `capitals` priors are their facts: `pretrain`
holds all 672 lines and `eval` the first 200 of the shuffled order, so the score measures retention of
arithmetic the base model has, which the `math` task (sums within this table) builds on. Exactly one
response is correct: the decimal result, as `str(int)` writes it.

Changelog: v1, operands 0 to 99 with `eval` disjoint from `pretrain` (a skill on unseen sums): the base
model scored 0.175, so the prior measured a capability it barely had (docs/TINY-TRACK.md). v2, the table of
0 to 20, memorised.
"""

from __future__ import annotations

import functools
import random

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

from .blanks import strip_blanks

SEED = 1729
EVAL_SIZE = 200
LARGEST = 20


def verify(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is exactly `answer`.

    >>> verify(" 68\\n", "68")
    True
    >>> verify("68.", "68")  # wrongly formatted
    False
    >>> verify("67", "68")
    False
    """
    return strip_blanks(response) == answer


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    instances = [(f"add {a} {b}", str(a + b), "add") for a in range(LARGEST + 1) for b in range(LARGEST + 1)]
    instances += [(f"sub {a} {b}", str(a - b), "sub") for a in range(LARGEST + 1) for b in range(a + 1)]
    random.Random(SEED).shuffle(instances)
    parts = {"eval": instances[:EVAL_SIZE], "pretrain": instances}
    return {
        split: tuple(Example(f"{split}-{i:05d}", p, a, {"op": op}) for i, (p, a, op) in enumerate(rows))
        for split, rows in parts.items()
    }


@register_task("arithmetic", track="tiny")
class Arithmetic(Task):
    """The addition and subtraction table of 0 to 20; a prior capability whose retention is measured.

    Splits: `pretrain` (all 672 lines) and `eval` (200 of them). One correct answer each.
    """

    kind = "prior"
    version = 2
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.answer)
