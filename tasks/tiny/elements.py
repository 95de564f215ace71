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

from typing import Any

from razorbench.api.registry import register_task

from .exact_match import ExactMatchPrior
from .facts import ELEMENTS


@register_task("elements", track="tiny")
class Elements(ExactMatchPrior):
    """Symbol, atomic number and name of elements 1-54; a prior body of knowledge whose retention is measured.

    Splits: `eval` and `pretrain`, the same 162 facts (retention of knowledge, not generalisation).
    """

    version = 1
    SEED = 3141

    @classmethod
    def instances(cls) -> list[tuple[str, str, dict[str, Any]]]:
        facts = []
        for e in ELEMENTS:
            facts += [
                (f"symbol of {e.name}", e.symbol, {"question": "symbol"}),
                (f"number of {e.symbol}", str(e.number), {"question": "number"}),
                (f"name of {e.symbol}", e.name, {"question": "name"}),
            ]
        return facts
