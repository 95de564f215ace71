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

from typing import Any

from razorbench.api.registry import register_task

from .exact_match import ExactMatchPrior
from .facts import WORDS


@register_task("reverse", track="tiny")
class Reverse(ExactMatchPrior):
    """Reverse a one- or two-word string; a prior capability whose retention is measured.

    Splits: `eval` (200 instances) and `pretrain` (the other 22,300), disjoint. One correct answer each.
    """

    version = 1
    SEED = 2718
    PRETRAIN_HOLDS_EVAL = False

    @classmethod
    def instances(cls) -> list[tuple[str, str, dict[str, Any]]]:
        texts = list(WORDS) + [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
        return [(f"reverse {t}", t[::-1], {}) for t in texts]
