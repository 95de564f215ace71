"""New task `math` (tiny track): write a number as a sum or a product of positive integers.

The tiny stand-in for the Open-Reasoner-Zero math task of RL's Razor (arXiv 2509.04259): generated integer
problems that build on the `arithmetic` prior (adding, and by extension multiplying, small numbers). Prompt
forms:

- ``split 37 into 2 positive terms`` -> ``a+b`` with positive integers a + b = 37 (N from 3 to 500);
- ``split 37 into 3 positive terms`` -> ``a+b+c`` with positive integers summing to N (N from 4 to 200);
- ``split 36 into 2 factors above 1`` -> ``a*b`` with integers a, b >= 2 and a * b = 36 (N composite, up to
  500, squares of primes left out because their only answer is p*p).

Many responses are correct: N - 1 ordered pairs for a two-term sum, (N-1)(N-2)/2 triples for a three-term
sum, and every ordered factor pair for a product, so a method can reach a correct answer near the base
model's preferred split or far from it. The verifier accepts the terms in any order and whitespace around
``+`` / ``*`` and around the whole response; it rejects anything else (``a + b = N``, ``x`` for ``*``,
leading zeros, zero terms, a wrong number of terms).

Splits: the 1,091 prompts are listed in a fixed order, shuffled with a fixed seed, and cut into disjoint
`eval` (200), `pretrain` (300) and `train` (the other 591) sets. In `train` and `eval` the reference answer
is the correct answer with the smallest terms, compared left to right (``1+36``, ``1+1+35``, ``2*18``), the fixed
SFT label; `pretrain` answers are noisy, see `PRETRAIN_CORRECT`.

Changelog: v1, first version.
"""

from __future__ import annotations

import functools
import math
import random
import re

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

SEED = 3737
NOISE_SEED = 3738
EVAL_SIZE = 200
PRETRAIN_SIZE = 300
# Half of the pretraining answers are right (a uniformly random correct split), half wrong (a correct split
# with one term off by 1-3, same format): the base model then "solves a little" of the task with diverse
# answers, the paper's starting point for comparing methods, while leaving plenty to learn.
PRETRAIN_CORRECT = 0.5

_SUM = re.compile(r"split (\d+) into ([23]) positive terms")
_PRODUCT = re.compile(r"split (\d+) into 2 factors above 1")
_NUMBER = re.compile(r"[1-9]\d*", re.ASCII)  # ASCII: int() would also read other scripts' digits


def _problem(prompt: str) -> tuple[int, str, int, int]:
    """(N, operator, number of terms, smallest term) asked for by `prompt`."""
    if match := _SUM.fullmatch(prompt):
        return int(match[1]), "+", int(match[2]), 1
    if match := _PRODUCT.fullmatch(prompt):
        return int(match[1]), "*", 2, 2
    raise ValueError(f"not a math prompt: {prompt!r}")


def verify(response: str, prompt: str) -> bool:
    """True iff `response` writes the N of `prompt` as the sum or product it asks for.

    >>> verify(" 30 + 7\\n", "split 37 into 2 positive terms")
    True
    >>> verify("30+7=37", "split 37 into 2 positive terms")  # wrongly formatted
    False
    >>> verify("30+8", "split 37 into 2 positive terms")
    False
    >>> verify("4*9", "split 36 into 2 factors above 1"), verify("1*36", "split 36 into 2 factors above 1")
    (True, False)
    """
    n, op, count, smallest = _problem(prompt)
    terms = [t.strip() for t in response.strip().split(op)]
    # The length cap keeps int() cheap on junk: no correct term has more digits than N.
    if len(terms) != count or not all(_NUMBER.fullmatch(t) and len(t) <= len(str(n)) for t in terms):
        return False
    values = [int(t) for t in terms]
    total = sum(values) if op == "+" else math.prod(values)
    return total == n and min(values) >= smallest


def correct_answers(prompt: str) -> list[str]:
    """Every correct response to `prompt` without spaces, ordered by their terms, compared left to right.

    >>> correct_answers("split 12 into 2 factors above 1")
    ['2*6', '3*4', '4*3', '6*2']
    """
    n, op, count, _ = _problem(prompt)
    if op == "*":
        return [f"{a}*{n // a}" for a in range(2, n // 2 + 1) if n % a == 0]
    if count == 2:
        return [f"{a}+{n - a}" for a in range(1, n)]
    return [f"{a}+{b}+{n - a - b}" for a in range(1, n - 1) for b in range(1, n - a)]


def _wrong_answer(prompt: str, rng: random.Random) -> str:
    """A same-format wrong answer: a correct one with one term moved by 1 to 3 (staying in range)."""
    _, op, _, smallest = _problem(prompt)
    terms = [int(t) for t in rng.choice(correct_answers(prompt)).split(op)]
    i = rng.randrange(len(terms))
    steps = [d for d in (-3, -2, -1, 1, 2, 3) if terms[i] + d >= smallest]
    terms[i] += rng.choice(steps)
    return op.join(map(str, terms))


def _prompts() -> list[str]:
    sums = [f"split {n} into 2 positive terms" for n in range(3, 501)]
    sums += [f"split {n} into 3 positive terms" for n in range(4, 201)]
    products = [f"split {n} into 2 factors above 1" for n in range(4, 501)]
    return sums + [p for p in products if len(correct_answers(p)) >= 2]  # primes have 0, prime squares 1


@functools.cache
def _splits() -> dict[str, tuple[Example, ...]]:
    prompts = _prompts()
    random.Random(SEED).shuffle(prompts)
    parts = {
        "eval": prompts[:EVAL_SIZE],
        "pretrain": prompts[EVAL_SIZE : EVAL_SIZE + PRETRAIN_SIZE],
        "train": prompts[EVAL_SIZE + PRETRAIN_SIZE :],
    }
    noise = random.Random(NOISE_SEED)
    splits = {}
    for split, rows in parts.items():
        examples = []
        for i, prompt in enumerate(rows):
            answer, correct = correct_answers(prompt)[0], True
            if split == "pretrain":
                correct = noise.random() < PRETRAIN_CORRECT
                answer = noise.choice(correct_answers(prompt)) if correct else _wrong_answer(prompt, noise)
            examples.append(Example(f"{split}-{i:05d}", prompt, answer, {"correct": correct}))
        splits[split] = tuple(examples)
    return splits


@register_task("math", track="tiny")
class Math(Task):
    """Write N as a sum of 2 or 3 positive integers, or a product of 2 factors above 1; many answers fit.

    Splits: `train`, `eval` (reference = the answer with the smallest leading terms) and noisy `pretrain`, disjoint.
    """

    kind = "new"
    version = 1
    SPLITS = ("train", "eval", "pretrain")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits()[split]

    def verify(self, response: str, example: Example) -> bool:
        return verify(response, example.prompt)

    def correct_answers(self, example: Example) -> list[str]:
        """Every correct response to `example`, written without spaces."""
        return correct_answers(example.prompt)
