"""New task `math` (tiny track): write a number as a sum of two terms from a given range.

The tiny stand-in for the Open-Reasoner-Zero math task of RL's Razor (arXiv 2509.04259): generated integer
problems that build on the `arithmetic` prior (the addition table of 0 to 20). The prompt
``split 23 into 2 terms from 5 to 15`` asks for ``a+b`` with integers a, b in [5, 15] and a + b = 23 (terms
from 1 to 20, so every correct answer is a line of the addition table the base model knows).

Many responses are correct: every ordered pair in range (``8+15``, ``9+14``, ..., ``15+8``), from 2 to 20 per
prompt, so a method can reach a correct answer near the base model's preferred split or far from it. The
checker accepts the terms in any order and whitespace around ``+`` and around the whole response; it rejects
anything else (``a + b = N``, leading zeros, a term out of range, a wrong number of terms).

Splits: the prompts (every N and range with at least two correct answers) are listed in a fixed order,
shuffled with a fixed seed, and cut into disjoint `eval` (200), `pretrain` (300) and `train` (the rest) sets.
In `train` and `eval` the reference answer is the correct answer with the smallest first term (the fixed SFT
label); each `pretrain` prompt has several noisy answers (a random correct pair, or a pair with one term
moved by 1 to 3 so the sum is wrong, or a pair with the right sum and a term out of range), see `splits.py`.

Changelog: v1, sums of 2 or 3 positive terms up to 500 and products: the base model solved 0.5% and
on-policy methods had nothing to learn from (docs/TINY-TRACK.md). v2, two terms from a range within the
addition table, and four noisy pretraining answers per prompt.
"""

from __future__ import annotations

import random
import re

from razorbench.api.registry import register_task

from .blanks import strip_blanks
from .splits import ManyAnswerTask

SEED = 3737
NOISE_SEED = 3738
LARGEST_TERM = 20  # the `arithmetic` prior's largest operand

_PROMPT = re.compile(r"split (\d+) into 2 terms from (\d+) to (\d+)")
_TERM = re.compile(r"[1-9]\d?", re.ASCII)  # ASCII: int() would also read other scripts' digits


def _problem(prompt: str) -> tuple[int, int, int]:
    """(N, smallest term, largest term) asked for by `prompt`."""
    if match := _PROMPT.fullmatch(prompt):
        return int(match[1]), int(match[2]), int(match[3])
    raise ValueError(f"not a math prompt: {prompt!r}")


def check(response: str, prompt: str) -> bool:
    """True iff `response` is ``a+b`` with a + b = N and both terms in the range `prompt` gives.

    >>> check(" 8 + 15\\n", "split 23 into 2 terms from 5 to 15")
    True
    >>> check("8+15=23", "split 23 into 2 terms from 5 to 15")  # wrongly formatted
    False
    >>> check("3+20", "split 23 into 2 terms from 5 to 15")  # right sum, terms out of range
    False
    """
    n, low, high = _problem(prompt)
    terms = [strip_blanks(t) for t in strip_blanks(response).split("+")]
    if len(terms) != 2 or not all(_TERM.fullmatch(t) for t in terms):
        return False
    a, b = (int(t) for t in terms)
    return a + b == n and low <= a <= high and low <= b <= high


def correct_answers(prompt: str) -> list[str]:
    """Every correct response to `prompt` without spaces, by first term.

    >>> correct_answers("split 23 into 2 terms from 10 to 13")
    ['10+13', '11+12', '12+11', '13+10']
    """
    n, low, high = _problem(prompt)
    return [f"{a}+{n - a}" for a in range(max(low, n - high), min(high, n - low) + 1)]


def _wrong_answer(prompt: str, rng: random.Random) -> str:
    """A same-format wrong answer: a sum off by 1 to 3, or the right sum with a term out of range."""
    n, low, high = _problem(prompt)
    outside = [f"{a}+{n - a}" for a in range(1, n) if not (low <= a <= high and low <= n - a <= high)]
    outside = [w for w in outside if all(1 <= int(t) <= LARGEST_TERM for t in w.split("+"))]
    if outside and rng.random() < 0.5:
        return rng.choice(outside)
    a, b = (int(t) for t in rng.choice(correct_answers(prompt)).split("+"))
    moved = [d for d in (-3, -2, -1, 1, 2, 3) if 1 <= b + d <= LARGEST_TERM]
    return f"{a}+{b + rng.choice(moved)}"


def _prompts() -> list[str]:
    prompts = [
        f"split {n} into 2 terms from {low} to {high}"
        for low in range(1, LARGEST_TERM)
        for high in range(low + 1, LARGEST_TERM + 1)
        for n in range(2 * low, 2 * high + 1)
    ]
    return [p for p in prompts if len(correct_answers(p)) >= 2]


@register_task("math", track="tiny")
class Math(ManyAnswerTask):
    """Write N as a sum of two terms from a given range (within the addition table); many answers fit.

    Splits: `train`, `eval` (reference = the answer with the smallest first term) and noisy `pretrain`, disjoint.
    """

    version = 2
    SEED, NOISE_SEED = SEED, NOISE_SEED
    prompts = staticmethod(_prompts)
    answers = staticmethod(correct_answers)
    wrong_answer = staticmethod(_wrong_answer)
    check_prompt = staticmethod(check)
