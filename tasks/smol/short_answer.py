"""A prior asked as a short question and answered in a sentence: greedy, chat template, a few new tokens.

The smol track's own priors (capitals, elements) are facts the base model knows, asked the way an instruct model is
used. The reply is a sentence ("The capital of France is Paris."), so the check searches it for the answer (each
task says how) rather than comparing it whole, and the generation cap is a few words, not the answer's length.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from razorbench.api.task import PriorScore, Task
from razorbench.tasks.paper.config import PaperTaskConfig

if TYPE_CHECKING:
    from razorbench.api.policy import Policy
    from razorbench.api.sampler import Sampler


def asset(name: str) -> Any:
    """A JSON file of the track's `assets/` folder (shipped in the package)."""
    return json.loads(resources.files("razorbench.tasks.smol").joinpath("assets", name).read_text(encoding="utf-8"))


def plain(text: str) -> str:
    """`text` lower-cased, without accents and with any apostrophe as ', for a match that spelling does not decide."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("\u2019", "'").replace("\u02bb", "'").lower()


class ShortAnswerPrior(Task):
    """A prior of questions with a short answer, scored by greedy generation of at most `max_new_tokens` tokens."""

    kind = "prior"
    chance = 0.0  # free generation: guessing scores nothing
    Config = PaperTaskConfig  # the smol track's tasks share one config class
    SPLITS = ("eval",)
    max_new_tokens: ClassVar[int] = 24

    def score(self, policy: Policy, sampler: Sampler, *, limit: int | None, batch_size: int) -> PriorScore:
        examples = self.examples("eval")[: limit or None]
        responses: list[str] = []
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            out = sampler.generate([e.prompt for e in batch], n=1, max_new_tokens=self.max_new_tokens, greedy=True)
            responses.extend(out.texts)
        verdicts = self.check_all(responses, examples)
        per_example = {e.id: float(v) for e, v in zip(examples, verdicts, strict=True)}
        return PriorScore(sum(per_example.values()) / max(len(per_example), 1), per_example)
