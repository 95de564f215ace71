"""Prior task `elements` (smol track): the chemical symbol of every element, asked as a question.

"What is the chemical symbol of sodium?" -> "The chemical symbol of sodium is Na." The item set is whole: all 118
elements (`assets/elements.json`, IUPAC English names). Correct: the last word of the reply shaped like a symbol (a
capital letter and at most two small letters, standing alone) is the element's symbol, so a sentence around the answer
is fine ("The" before it does not count: it is not last) and a reply that names two symbols is read at its last.
Chance 0.

Changelog: v1, first version.
"""

from __future__ import annotations

import re

from razorbench.api.registry import register_task
from razorbench.api.task import Example

from .short_answer import ShortAnswerPrior, asset

_SYMBOL_SHAPED = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{0,2}(?![A-Za-z])")


def last_symbol(response: str) -> str | None:
    """The last word of `response` shaped like a chemical symbol, or None."""
    found = _SYMBOL_SHAPED.findall(response)
    return found[-1] if found else None


@register_task("elements", track="smol")
class Elements(ShortAnswerPrior):
    """Chemical symbols of the 118 elements."""

    def _examples(self, split: str) -> list[Example]:
        if "_items" not in self.__dict__:
            self._items = [
                Example(
                    f"element-{row['number']}", f"What is the chemical symbol of {row['name'].lower()}?", row["symbol"]
                )
                for row in asset("elements.json")
            ]
        return self._items

    def check(self, response: str, example: Example) -> bool:
        return last_symbol(response) == example.answer
