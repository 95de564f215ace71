"""Prior task `elements` (tiny track): recall facts about the first 54 chemical elements.

Prompts ask for an element's symbol from its name (``symbol of Neon`` -> ``Ne``), its atomic number from its
symbol (``number of Ne`` -> ``10``) or its name from its symbol (``name of Ne`` -> ``Neon``). The facts are
real: hydrogen to xenon from the IUPAC periodic table, in `facts.ELEMENTS` (names in IUPAC English spelling,
so ``Aluminium`` and ``Sulfur``). Symbols are case-sensitive (``NE`` is not neon), so the check is exact.

The prior capability *is* the memorised facts, so this task measures retention of knowledge: `pretrain` and
`eval` hold the same 162 facts (3 questions x 54 elements; eval would be capped at 200). Both are in one
fixed shuffled order, so a `limit` on scoring takes a mixed subset.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import random

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

from .blanks import strip_blanks
from .facts import ELEMENTS

SEED = 3141
EVAL_CAP = 200


def verify(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is exactly `answer` (case-sensitive).

    >>> verify(" Ne\\n", "Ne")
    True
    >>> verify("NE", "Ne")  # wrongly formatted: symbols are case-sensitive
    False
    >>> verify("Na", "Ne")
    False
    """
    return strip_blanks(response) == answer


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    facts = []
    for e in ELEMENTS:
        facts += [
            (f"symbol of {e.name}", e.symbol, "symbol"),
            (f"number of {e.symbol}", str(e.number), "number"),
            (f"name of {e.symbol}", e.name, "name"),
        ]
    random.Random(SEED).shuffle(facts)
    parts = {"eval": facts[:EVAL_CAP], "pretrain": facts}
    return {
        split: tuple(Example(f"{split}-{i:05d}", p, a, {"question": q}) for i, (p, a, q) in enumerate(rows))
        for split, rows in parts.items()
    }


@register_task("elements", track="tiny")
class Elements(Task):
    """Symbol, atomic number and name of elements 1-54; a prior body of knowledge whose retention is measured.

    Splits: `eval` and `pretrain`, the same 162 facts (retention of knowledge, not generalisation).
    """

    kind = "prior"
    version = 1
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.answer)
