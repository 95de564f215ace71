"""New task `math` (paper track): Open-Reasoner-Zero math problems, answers checked by math-verify.

Source: the 57k-problem collection of Open-Reasoner-Zero (Hu et al., 2025, arXiv 2503.24290; AIME, MATH,
NuminaMath, Tulu3 MATH and others, each with a final answer), which RL's Razor (arXiv 2509.04259) trains
on. Example:

    Let $m$ be the least positive integer divisible by $17$ whose digits sum to $17$. Find $m$.  -> 476

Many responses are correct: any reasoning whose final answer, in `\\boxed{}` as the prompt asks, is
mathematically equal to the reference (`\\boxed{476}`, `\\boxed{m = 476}`; `\\frac12` and `0.5`; `(3, \\pi/2)` and
`\\left( 3, \\frac{\\pi}{2} \\right)`). Equality is decided by Hugging Face's `math-verify` (LaTeX parsing, sympy
comparison), not by hand-written parsing. What a careful grader would not take is wrong whatever math-verify
says: no boxed answer (math-verify would otherwise read the last number of the text, so "it is 3 or 4"
passed for 4), boxes with different answers, a box that offers alternatives (`3 \\lor 4`, `\\pm 4`, "3 or 4",
unless the reference itself does), a box much longer than any way of writing the reference
(`answer_length_limit`), and hidden characters (`grading.py`). A check is bounded: it gives up by itself after
1 s of CPU time (`cpu_limit`), and a run kills it after `check_timeout` (3 s of CPU).

Data: with `task.data_dir`, `data_dir/orz_math/orz_math_57k_collected.json` if present, else its head
`orz_math_57k_collected.head.json` (the first 1,785 problems); without, the hub dataset repository
`Open-Reasoner-Zero/orz_math_57k_collection`, file `orz_math_57k_collection.json` (fetched with
`huggingface_hub`, which `datasets` uses: the file is a list of [human, assistant] turn pairs, not a table).
Splits: 10% `eval`, 90% `train`, by a hash of the problem text, each in source order. A third split,
`math500`, is the MATH-500 test set that Open-Reasoner-Zero evaluates on (`orz_math/math500.json`, or the
hub dataset `HuggingFaceH4/MATH-500`), for reporting only.

Changelog: v1, first version. v2: the final answer must be boxed, and one; hedges, overlong answers and
hidden characters are wrong; a check gives up after 1 s of CPU (was math-verify's 5 s + 5 s of wall time).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task
from razorbench.tasks.paper.config import PaperTaskConfig

from .grading import hidden_characters
from .sources import content_id, data_dir_of, hub, read_json, split_of

EVAL_PERCENT = 10
LOCAL_FILES = ("orz_math/orz_math_57k_collected.json", "orz_math/orz_math_57k_collected.head.json")
HUB_REPO, HUB_FILE = "Open-Reasoner-Zero/orz_math_57k_collection", "orz_math_57k_collection.json"
MATH500_LOCAL, MATH500_HUB = "orz_math/math500.json", "HuggingFaceH4/MATH-500"
PROMPT = "{problem}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}."


INNER_TIMEOUT = 1.0  # CPU seconds one check may take before it gives up by itself (`check_timeout` then kills)
_HEDGE = re.compile(r"\\lor(?![a-zA-Z])|\\vee(?![a-zA-Z])|\\pm(?![a-zA-Z])|\\mp(?![a-zA-Z])|[∨±∓]|\bor\b")


class _TimeoutsAreOurs(logging.Filter):
    """math-verify warns, once per process, that with its timeouts off the caller must bound the time: `cpu_limit`
    and the run's bound do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Timeout is disabled" not in record.getMessage()


for _name in ("math_verify.grader", "math_verify.parser"):
    logging.getLogger(_name).addFilter(_TimeoutsAreOurs())


class CheckTimeout(BaseException):
    """Raised into a check that has used its CPU time: a BaseException, so that no `except Exception` in sympy
    or math-verify takes it for an error of the expression and carries on."""


@contextlib.contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise `CheckTimeout` in this block once the process has used `seconds` more CPU time, and again every
    0.1 s of CPU after that (a SIGPROF timer, so only in the main thread: a run's checker workers call `check`
    in theirs). CPU, not wall time as math-verify's own SIGALRM timeouts are: a loaded machine trips those on
    honest answers (seen: 2.3 s of wall time for 0.03 s of CPU). It interrupts interpreted code only; a long
    call in C runs on until the run's bound kills its worker."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise CheckTimeout(f"the check used {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def answer_length_limit(answer: str) -> int:
    """The longest boxed answer taken for reference `answer`: room for any way of writing it, not for an essay."""
    return 200 + 10 * len(answer)


def boxed(response: str, limit: int) -> list[str] | None:
    """The contents of every `\\boxed{...}` in `response`, in order; None if one is longer than `limit` or
    never closes (each scan stops at `limit`, so a response of many open boxes costs linear time).

    >>> boxed("So $\\\\boxed{\\\\frac{1}{2}}$, i.e. \\\\boxed {0.5}.", 100)
    ['\\\\frac{1}{2}', '0.5']
    >>> boxed("\\\\boxed{" + "1" * 200 + "}", 100) is None
    True
    """
    contents = []
    for match in re.finditer(r"\\boxed\s*\{", response):
        depth, start = 1, match.end()
        for i in range(start, min(len(response), start + limit + 1)):
            depth += {"{": 1, "}": -1}.get(response[i], 0)
            if depth == 0:
                contents.append(response[start:i])
                break
        else:
            return None
    return contents


def final_answer(response: str, answer: str) -> str | None:
    """The one boxed answer of `response`, or None where a careful grader would take none (module docstring)."""
    if hidden_characters(response):
        return None
    contents = boxed(response, answer_length_limit(answer))
    finals = {" ".join(c.split()) for c in contents or ()} - {""}  # an echoed prompt's empty \boxed{} aside
    if len(finals) != 1:
        return None
    final = finals.pop()
    if _HEDGE.search(final) and not _HEDGE.search(answer):
        return None
    return final


def check(response: str, answer: str) -> bool:
    """True iff the final answer of `response` equals `answer`, by math-verify.

    (Skipped by the doctest run, which must pass without optional packages; tests/paper runs these cases.)

    >>> check("Digit sums give 17 first at $m = \\\\boxed{476}$.", "476")  # doctest: +SKIP
    True
    >>> check("So $\\\\boxed{0.5}$.", "\\\\frac{1}{2}")  # doctest: +SKIP
    True
    >>> check("Hence n is \\\\boxed{5}.", "n = 4"), check("It is 3 or 4.", "4")  # doctest: +SKIP
    (False, False)
    """
    final = final_answer(response, answer)
    if final is None:
        return False
    from math_verify import parse
    from math_verify import verify as equal

    try:
        with cpu_limit(INNER_TIMEOUT):
            gold = parse(f"${answer}$", parsing_timeout=None) or parse(answer, parsing_timeout=None)
            predicted = parse(f"$\\boxed{{{final}}}$", parsing_timeout=None)
            return bool(gold and predicted and equal(gold, predicted, timeout_seconds=None))
    except CheckTimeout:
        return False


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
    version = 2
    Config = PaperTaskConfig
    SPLITS = ("train", "eval", "math500")
    check_timeout = 3.0  # its own 1 s (`cpu_limit`), and room; an honest check took at most 0.4 s of CPU (sympy)

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(data_dir_of(self.config), split)

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.meta["final_answer"])

    def prepare_checker(self) -> None:
        check("$\\boxed{\\frac{1}{2}}$", "0.5")  # imports math-verify and sympy's parsers (~2 s the first time)
