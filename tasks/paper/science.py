"""New task `science` (paper track): SciKnowEval chemistry, level 3, multiple choice.

Source: SciKnowEval (Feng et al., 2024, arXiv 2406.09098), the level-3 ("thinking profoundly": reasoning and
calculation) chemistry questions that RL's Razor (arXiv 2509.04259) trains on. Five four-option sets:
molar_weight_calculation (600), molecular_property_calculation (500), molecule_structure_prediction (300),
reaction_prediction (400) and retrosynthesis (300), 2,100 questions. Example:

    What is the molar weight (g/mol) of the molecule with the IUPAC name '(2S)-2-formylpyrrolidine-1-
    carboxylic acid'?  A. 177.240  B. 173.210  C. 166.180  D. 143.140  -> the key letter

The sixth L3 chemistry file, balancing_chemical_equation (300, type `filling`), is left out: it is not
multiple choice, and checking a free-form balanced equation needs a chemistry parser rather than a letter
match. The paper's science task is the multiple-choice one.

Many responses are correct: the model may reason in any words before it commits, and only the final
choice is checked (as the paper does: "comparing the model's final answer to the ground truth, ignoring
intermediate reasoning chains"). The prompt asks for a closing "Answer: X"; `extract_choice` also reads
"the answer is (X)", `\\boxed{X}` and a bare letter. A response that commits to more than one option is
wrong, as a careful grader would have it: answer statements naming different letters, or one naming
alternatives ("Answer: A or B", "A/B"); so is a response with hidden characters (`grading.py`).

Data: with `task.data_dir`, `data_dir/sciknoweval_chem_l3/*.jsonl` (HICAI-ZJU/SciKnowEval raw_data/Chemistry/L3);
without, the hub dataset `hicai-zju/SciKnowEval`, config `Chemistry`, split `test`, filtered to
`details.level == "L3"` and type `mcq-4-choices`. Splits: 20% `eval`, 80% `train`, by a hash of the
question and its options (`sources.split_of`), each in source order.

Changelog: v1, first version. v2: a response that names more than one option, or holds hidden
characters, is wrong.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task
from razorbench.tasks.paper.config import PaperTaskConfig

from .grading import hidden_characters
from .sources import content_id, data_dir_of, hub, read_jsonl, split_of

EVAL_PERCENT = 20
LOCAL_FOLDER = "sciknoweval_chem_l3"
HUB_DATASET, HUB_CONFIG = "hicai-zju/SciKnowEval", "Chemistry"
MULTIPLE_CHOICE = "mcq-4-choices"
PROMPT = (
    "{question}\n\n{options}\n\n"
    'Choose the correct option. You may reason first; finish with a line "Answer: X", where X is A, B, C or D.'
)

_BOXED = re.compile(r"\\boxed\{\s*\(?([A-D])\)?\s*\}")
_STATED = re.compile(r"(?i:answer)[\s:*]*(?:(?i:is)[\s:*]*)?(?:(?i:option)\s*)?\(?([A-D])\b")
_BARE = re.compile(r"\s*\(?([A-D])(?:[).:]|\s*$)")
# Right after a chosen letter: another one offered beside it ("A or B", "A, C", "A/B", "B-C", "(A) and (D)").
_ALTERNATIVE = re.compile(r"[).*\s]*(?:[,/|&~+-]|[–—]|\b(?i:or|and|nor|to)\b)[\s*]*(?:(?i:option)\s*)?\(?[A-D]\b")


def extract_choice(response: str) -> str | None:
    """The option letter a response finally chooses, or None: the letter of its `\\boxed{X}` and "answer ... X"
    statements, else a response that starts with the letter itself. None too when the response commits to more
    than one letter (statements that disagree, or alternatives in one) or holds hidden characters.

    >>> extract_choice("The mass is 2 x 12.011 + ... so the answer is (B).")
    'B'
    >>> extract_choice("Options A and C are isomers.\\n**Answer:** D")
    'D'
    >>> extract_choice("C. 166.180"), extract_choice("**B**")
    ('C', 'B')
    >>> extract_choice("A careful count gives 18 atoms.") is None  # "A" the article is no answer
    True
    >>> extract_choice("Answer: A or B"), extract_choice("The answer is B. No: the answer is C."), extract_choice("A/C")
    (None, None, None)
    """
    if hidden_characters(response):
        return None
    stated = [*_BOXED.finditer(response), *_STATED.finditer(response)]
    if not stated:
        bare = _BARE.match(response.replace("*", ""))  # also "**B**", markdown bold
        stated = [bare] if bare else []
        response = response.replace("*", "")
    letters = {m.group(1) for m in stated}
    if len(letters) != 1 or any(_ALTERNATIVE.match(response, m.end()) for m in stated):
        return None
    return letters.pop()


def check(response: str, answer_key: str) -> bool:
    """True iff the response's final choice is the key.

    >>> check("Counting heavy atoms: 7. Answer: A", "A")
    True
    >>> check("Answer: B", "A"), check("Answer: A, B, C or D", "A")
    (False, False)
    """
    return extract_choice(response) == answer_key


def _example(record: dict[str, Any]) -> Example:
    letters, texts = record["choices"]["label"], record["choices"]["text"]
    options = "\n".join(f"{letter}. {text}" for letter, text in zip(letters, texts, strict=True))
    key = record["answerKey"]
    return Example(
        content_id(record["question"], *texts),
        PROMPT.format(question=record["question"].strip(), options=options),
        f"Answer: {key}",
        {"answer_key": key, "subtask": record["details"]["task"], "choices": dict(zip(letters, texts, strict=True))},
    )


def _local_records(data_dir: Path) -> list[dict[str, Any]]:
    folder = data_dir / LOCAL_FOLDER
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"task 'science': no *.jsonl under {folder}")
    return [record for path in files for record in read_jsonl(path)]


def _hub_records() -> list[dict[str, Any]]:
    rows = hub("science").load_dataset(HUB_DATASET, HUB_CONFIG, split="test")
    return [r for r in rows if (r.get("details") or {}).get("level") == "L3"]


@functools.cache
def _splits(data_dir: Path | None) -> dict[str, tuple[Example, ...]]:
    records = _local_records(data_dir) if data_dir else _hub_records()
    splits: dict[str, list[Example]] = {"train": [], "eval": []}
    seen = set()
    for record in records:
        if record.get("type") != MULTIPLE_CHOICE:
            continue  # balancing_chemical_equation (`filling`): see the module docstring
        example = _example(record)
        if example.id not in seen:  # a question repeated in the source is one problem
            seen.add(example.id)
            splits[split_of(example.id, EVAL_PERCENT)].append(example)
    return {name: tuple(examples) for name, examples in splits.items()}


@register_task("science", track="paper")
class Science(Task):
    """SciKnowEval chemistry L3, four-way multiple choice; the final chosen letter is checked.

    Splits: `train` (80%) and `eval` (20%), disjoint, by a hash of the question.
    """

    kind = "new"
    version = 2
    Config = PaperTaskConfig
    SPLITS = ("train", "eval")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(data_dir_of(self.config))[split]

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.meta["answer_key"])
