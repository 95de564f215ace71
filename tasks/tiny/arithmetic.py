"""Prior task `arithmetic` (tiny track): add or subtract two integers from 0 to 99.

Prompts are ``add A B`` (answer A+B) and ``sub A B`` with A >= B (answer A-B, so never negative). The
instance space is generated, not sourced: all 10,000 additions and 5,050 subtractions, listed in a fixed
order and shuffled with a fixed seed. The first 200 instances are `eval`; all the others are `pretrain`.
The two splits are disjoint, so the score measures the retained *skill* on sums the base model never saw,
not recall of memorised lines. Exactly one response is correct: the decimal result, as `str(int)` writes it.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import random

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

SEED = 1729
EVAL_SIZE = 200


def verify(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is exactly `answer`.

    >>> verify(" 68\\n", "68")
    True
    >>> verify("68.", "68")  # wrongly formatted
    False
    >>> verify("67", "68")
    False
    """
    return response.strip() == answer


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    instances = [(f"add {a} {b}", str(a + b), "add") for a in range(100) for b in range(100)]
    instances += [(f"sub {a} {b}", str(a - b), "sub") for a in range(100) for b in range(a + 1)]
    random.Random(SEED).shuffle(instances)
    parts = {"eval": instances[:EVAL_SIZE], "pretrain": instances[EVAL_SIZE:]}
    return {
        split: tuple(Example(f"{split}-{i:05d}", p, a, {"op": op}) for i, (p, a, op) in enumerate(rows))
        for split, rows in parts.items()
    }


@register_task("arithmetic", track="tiny")
class Arithmetic(Task):
    """Two-operand integer addition and subtraction; a prior capability whose retention is measured.

    Splits: `eval` (200 instances) and `pretrain` (the other 14,850), disjoint. One correct answer each.
    """

    kind = "prior"
    version = 1
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.answer)
