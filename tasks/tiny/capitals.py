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

from typing import Any

from razorbench.api.registry import register_task

from .exact_match import ExactMatchPrior
from .facts import CAPITALS


@register_task("capitals", track="tiny")
class Capitals(ExactMatchPrior):
    """Capital cities of 66 countries; a prior body of knowledge whose retention is measured.

    Splits: `eval` and `pretrain`, the same 66 facts (retention of knowledge, not generalisation).
    """

    version = 1
    SEED = 1618

    @classmethod
    def instances(cls) -> list[tuple[str, str, dict[str, Any]]]:
        return [(f"capital of {country}", city, {}) for country, city in CAPITALS.items()]
