"""Prior task `reverse` (tiny track): spell a word, or two words, backwards.

Prompts are ``reverse TEXT`` and the answer is TEXT read right to left, character by character (``reverse
cat dog`` -> ``god tac``). TEXT is one word or two distinct words joined by a space, from the 150 common
English words in `facts.WORDS`; two-word texts make the instance space (150 + 150 * 149 = 22,500) large
enough for a held-out `eval` split. The space is listed in a fixed order and shuffled with a fixed seed: the
first 200 instances are `eval`, all the others `pretrain`, so the two are disjoint and the score measures the
retained skill of reversing, not memorised strings. Exactly one response is correct.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import random

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

from .blanks import strip_blanks
from .facts import WORDS

SEED = 2718
EVAL_SIZE = 200


def verify(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is exactly `answer`.

    >>> verify("elppa\\n", "elppa")
    True
    >>> verify("e l p p a", "elppa")  # wrongly formatted
    False
    >>> verify("apple", "elppa")
    False
    """
    return strip_blanks(response) == answer


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    texts = list(WORDS) + [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
    random.Random(SEED).shuffle(texts)
    parts = {"eval": texts[:EVAL_SIZE], "pretrain": texts[EVAL_SIZE:]}
    return {
        split: tuple(Example(f"{split}-{i:05d}", f"reverse {t}", t[::-1]) for i, t in enumerate(rows))
        for split, rows in parts.items()
    }


@register_task("reverse", track="tiny")
class Reverse(Task):
    """Reverse a one- or two-word string; a prior capability whose retention is measured.

    Splits: `eval` (200 instances) and `pretrain` (the other 22,300), disjoint. One correct answer each.
    """

    kind = "prior"
    version = 1
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.answer)
