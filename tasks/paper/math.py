"""New task `math` (paper track): Open-Reasoner-Zero math problems, answers checked by math-verify.

Source: the 57k-problem collection of Open-Reasoner-Zero (Hu et al., 2025, arXiv 2503.24290; AIME, MATH,
NuminaMath, Tulu3 MATH and others, each with a final answer), which RL's Razor (arXiv 2509.04259) trains
on. Example:

    Let $m$ be the least positive integer divisible by $17$ whose digits sum to $17$. Find $m$.  -> 476

Many responses are correct: any reasoning whose final answer is mathematically equal to the reference
(`476`, `\\boxed{476}`, `m = 476`; `\\frac12` and `0.5`; `(3, \\pi/2)` and `\\left( 3, \\frac{\\pi}{2} \\right)`).
Equality is decided by Hugging Face's `math-verify` (LaTeX and plain-expression extraction, sympy
comparison), not by hand-written parsing.

Data: with `task.data_dir`, `data_dir/orz_math/orz_math_57k_collected.json` if present, else its head
`orz_math_57k_collected.head.json` (the first 1,785 problems); without, the hub dataset repository
`Open-Reasoner-Zero/orz_math_57k_collection`, file `orz_math_57k_collection.json` (fetched with
`huggingface_hub`, which `datasets` uses: the file is a list of [human, assistant] turn pairs, not a table).
Splits: 10% `eval`, 90% `train`, by a hash of the problem text, each in source order. A third split,
`math500`, is the MATH-500 test set that Open-Reasoner-Zero evaluates on (`orz_math/math500.json`, or the
hub dataset `HuggingFaceH4/MATH-500`), for reporting only.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task
from razorbench.tasks.paper.lmeval import PaperTaskConfig

from .sources import content_id, data_dir_of, hub, read_json, split_of

EVAL_PERCENT = 10
LOCAL_FILES = ("orz_math/orz_math_57k_collected.json", "orz_math/orz_math_57k_collected.head.json")
HUB_REPO, HUB_FILE = "Open-Reasoner-Zero/orz_math_57k_collection", "orz_math_57k_collection.json"
MATH500_LOCAL, MATH500_HUB = "orz_math/math500.json", "HuggingFaceH4/MATH-500"
PROMPT = "{problem}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}."


def _timeout() -> int | None:
    # math-verify bounds parsing and comparison with SIGALRM, which works only in the main thread.
    return 5 if threading.current_thread() is threading.main_thread() else None


def verify(response: str, answer: str) -> bool:
    """True iff the final answer of `response` equals `answer`, by math-verify.

    (Skipped by the doctest run, which must pass without optional packages; tests/paper runs these cases.)

    >>> verify("Digit sums give 17 first at m = 476.", "476")  # doctest: +SKIP
    True
    >>> verify("So $\\\\boxed{0.5}$.", "\\\\frac{1}{2}")  # doctest: +SKIP
    True
    >>> verify("Hence n is \\\\boxed{5}.", "n = 4")  # doctest: +SKIP
    False
    """
    from math_verify import parse
    from math_verify import verify as equal

    timeout = _timeout()
    gold = parse(f"${answer}$", parsing_timeout=timeout) or parse(answer, parsing_timeout=timeout)
    predicted = parse(response, parsing_timeout=timeout)
    return bool(gold and predicted and equal(gold, predicted, timeout_seconds=timeout))


def _example(problem: str, answer: str) -> Example:
    problem, answer = problem.strip(), str(answer).strip()
    return Example(
        content_id(problem),
        PROMPT.format(problem=problem),
        f"The answer is $\\boxed{{{answer}}}$.",
        {"final_answer": answer},
    )


def _orz_pairs(data_dir: Path | None) -> list[tuple[str, str]]:
    if data_dir is None:
        from huggingface_hub import hf_hub_download

        hub("math")  # the same optional dependency as the other hub routes
        records = read_json(Path(hf_hub_download(HUB_REPO, HUB_FILE, repo_type="dataset")))
    else:
        path = next((data_dir / f for f in LOCAL_FILES if (data_dir / f).is_file()), None)
        if path is None:
            raise FileNotFoundError(f"task 'math': none of {', '.join(LOCAL_FILES)} under {data_dir}")
        records = read_json(path)
    # Each record is [{"from": "human", "value": problem}, {"from": "assistant", "ground_truth": {"value": answer}}].
    return [(human["value"], assistant["ground_truth"]["value"]) for human, assistant, *_ in records]


def _math500_pairs(data_dir: Path | None) -> list[tuple[str, str]]:
    if data_dir is None:
        return [(r["problem"], r["answer"]) for r in hub("math").load_dataset(MATH500_HUB, split="test")]
    records: list[dict[str, Any]] = read_json(data_dir / MATH500_LOCAL)
    return [(r["prompt"][0]["value"], r["final_answer"]) for r in records]


@functools.cache
def _splits(data_dir: Path | None, split: str) -> tuple[Example, ...]:
    if split == "math500":
        return tuple(_example(p, a) for p, a in _math500_pairs(data_dir))
    examples, seen = [], set()
    for problem, answer in _orz_pairs(data_dir):
        example = _example(problem, answer)
        if example.id not in seen and split_of(example.id, EVAL_PERCENT) == split:
            seen.add(example.id)
            examples.append(example)
    return tuple(examples)


@register_task("math", track="paper")
class Math(Task):
    """Open-Reasoner-Zero math: free-form final answers, checked for equivalence by math-verify.

    Splits: `train` (90%) and `eval` (10%), disjoint, by a hash of the problem; `math500` for reporting.
    """

    kind = "new"
    version = 1
    Config = PaperTaskConfig
    SPLITS = ("train", "eval", "math500")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(data_dir_of(self.config), split)

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.meta["final_answer"])
