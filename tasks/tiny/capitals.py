"""Prior task `capitals` (tiny track): name the capital city of a country.

Prompts are ``capital of COUNTRY`` (``capital of France`` -> ``Paris``). The facts are real: the 66
countries of `facts.CAPITALS`, chosen so each has one undisputed capital, with plain ASCII spellings
(``Bogota``, ``Brasilia``). Exactly one response is correct, checked case-sensitively.

The prior capability *is* the memorised facts, so this task measures retention of knowledge: `pretrain` and
`eval` hold the same 66 facts (eval would be capped at 200), in one fixed shuffled order so that a `limit`
on scoring takes a mixed subset.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import random

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

from .blanks import strip_blanks
from .facts import CAPITALS

SEED = 1618
EVAL_CAP = 200


def verify(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is exactly `answer` (case-sensitive).

    >>> verify(" Paris\\n", "Paris")
    True
    >>> verify("paris", "Paris")  # wrongly formatted: names are capitalised
    False
    >>> verify("Lyon", "Paris")
    False
    """
    return strip_blanks(response) == answer


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    facts = [(f"capital of {country}", city) for country, city in CAPITALS.items()]
    random.Random(SEED).shuffle(facts)
    parts = {"eval": facts[:EVAL_CAP], "pretrain": facts}
    return {
        split: tuple(Example(f"{split}-{i:05d}", p, a) for i, (p, a) in enumerate(rows))
        for split, rows in parts.items()
    }


@register_task("capitals", track="tiny")
class Capitals(Task):
    """Capital cities of 66 countries; a prior body of knowledge whose retention is measured.

    Splits: `eval` and `pretrain`, the same 66 facts (retention of knowledge, not generalisation).
    """

    kind = "prior"
    version = 1
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.answer)
