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

from typing import Any

from razorbench.api.registry import register_task

from .exact_match import ExactMatchPrior

LARGEST = 20


@register_task("arithmetic", track="tiny")
class Arithmetic(ExactMatchPrior):
    """The addition and subtraction table of 0 to 20; a prior capability whose retention is measured.

    Splits: `pretrain` (all 672 lines) and `eval` (200 of them). One correct answer each.
    """

    version = 2
    SEED = 1729

    @classmethod
    def instances(cls) -> list[tuple[str, str, dict[str, Any]]]:
        rows = [(f"add {a} {b}", str(a + b), {"op": "add"}) for a in range(LARGEST + 1) for b in range(LARGEST + 1)]
        return rows + [(f"sub {a} {b}", str(a - b), {"op": "sub"}) for a in range(LARGEST + 1) for b in range(a + 1)]
