"""Prior task `capitals` (smol track): the capital of every UN member state, asked as a question.

"What is the capital of Kenya?" -> a reply that names Nairobi. The item set is whole: the 193 UN member states
(`assets/un_capitals.json`, each with the names a careful grader accepts: the official capital and the seat of
government where they differ, common spellings without diacritics). Left out by rule, before any model saw them: the
states whose capital's name contains the country's name or the other way round (Singapore, Mexico City, Tunis, ...),
where a reply that only repeats the question would score. Correct: one accepted name appears in the reply as whole
words (case, accents and apostrophes aside). Chance 0.

Changelog: v1, first version.
"""

from __future__ import annotations

import re

from razorbench.api.registry import register_task
from razorbench.api.task import Example

from .short_answer import ShortAnswerPrior, asset, plain


def echoes(country: str, capital: str) -> bool:
    """Whether repeating the country's name could pass for naming the capital (one name contains the other)."""
    a, b = plain(country), plain(capital)
    return a in b or b in a


@register_task("capitals", track="smol")
class Capitals(ShortAnswerPrior):
    """Capitals of the UN member states whose capital's name does not echo the country's."""

    def _examples(self, split: str) -> list[Example]:
        if "_items" not in self.__dict__:
            self._items = [
                Example(
                    f"capital-{row['country']}",
                    f"What is the capital of {row['country']}?",
                    row["capitals"][0],
                    {"accepted": row["capitals"]},
                )
                for row in asset("un_capitals.json")
                if not any(echoes(row["country"], name) for name in row["capitals"])
            ]
        return self._items

    def check(self, response: str, example: Example) -> bool:
        reply = plain(response)
        return any(re.search(rf"(?<!\w){re.escape(plain(name))}(?!\w)", reply) for name in example.meta["accepted"])
