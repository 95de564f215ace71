"""New tasks `arith2` and `arith3` (smol track): integer addition and subtraction, a short checkable answer.

"What is 47 + 38?" or "What is 83 - 29?", with two-digit (`arith2`) or three-digit (`arith3`) operands, the
subtraction's result never negative. Like the paper's math task, it is checkable and admits many correct responses:
any wording whose last integer is the result ("47 + 38 = 85.", "The answer is 85", "85") is correct, so a method can
solve it near to or far from the base policy's own phrasing. The reference answer (the SFT target) is "47 + 38 = 85.".

Why a new task: at 135M parameters the paper track's tasks sit at or near zero / chance (docs/SMOL-VIABILITY.md
measures each); two-digit arithmetic is a capability the model half has, with room to learn and a signal for RL.

Items: a fixed seeded draw (seed 2024 + digits) of 2,400 distinct problems, half additions, half subtractions;
the first 400 are `eval`, the rest `train`. No prior of the track asks for arithmetic.

`arith2-number` asks the same problems for the number alone (added after arith2's base measurement; its
docstring says why).

Changelog: v1, first version.
"""

from __future__ import annotations

import random
import re
from typing import ClassVar

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task
from razorbench.tasks.paper.config import PaperTaskConfig

PROBLEMS = 2400
EVAL = 400
_INTEGER = re.compile(r"-?\d[\d,]*")


def last_integer(response: str) -> int | None:
    """The last integer written in `response` (thousands separators allowed), or None if there is none."""
    found = _INTEGER.findall(response)
    if not found:
        return None
    digits = found[-1].replace(",", "")
    return int(digits) if digits.lstrip("-") else None


def problems(digits: int, count: int, seed: int) -> list[tuple[int, str, int]]:
    """`count` distinct (a, op, b) problems with `digits`-digit operands, in a seeded order, additions and subtractions
    alternating; a >= b for '-'."""
    rng = random.Random(seed)
    low, high = 10 ** (digits - 1), 10**digits - 1
    seen: set[tuple[int, str, int]] = set()
    out: list[tuple[int, str, int]] = []
    while len(out) < count:
        op = "+" if len(out) % 2 == 0 else "-"
        a, b = rng.randint(low, high), rng.randint(low, high)
        if op == "-" and a < b:
            a, b = b, a
        if (a, op, b) not in seen:
            seen.add((a, op, b))
            out.append((a, op, b))
    return out


def every_one_digit_problem(seed: int) -> list[tuple[int, str, int]]:
    """All 155 one-digit problems (a + b, and a - b with a >= b; a, b in 0-9), in a seeded order."""
    items = [(a, "+", b) for a in range(10) for b in range(10)] + [(a, "-", b) for a in range(10) for b in range(a + 1)]
    random.Random(seed).shuffle(items)
    return items


class Arithmetic(Task):
    """Two-operand integer addition and subtraction; the response's last integer is checked."""

    kind = "new"
    Config = PaperTaskConfig  # the smol track shares the paper track's prior settings (lm-eval priors)
    SPLITS = ("train", "eval")
    digits: ClassVar[int] = 2
    count: ClassVar[int] = PROBLEMS
    """Distinct problems drawn."""
    held_out: ClassVar[int] = EVAL
    """The first `held_out` problems are the `eval` split, the rest `train`."""
    instruction: ClassVar[str] = ""
    """Appended to every question (`arith2-number` asks for the number alone)."""
    reference: ClassVar[str] = "{a} {op} {b} = {result}."
    """The reference answer (the SFT target), a format string of a, op, b and result."""

    def _examples(self, split: str) -> list[Example]:
        if "_items" not in self.__dict__:
            items = []
            seed = 2024 + self.digits
            drawn = every_one_digit_problem(seed) if self.digits == 1 else problems(self.digits, self.count, seed)
            for i, (a, op, b) in enumerate(drawn):
                result = a + b if op == "+" else a - b
                items.append(
                    Example(
                        f"{self.digits}d-{i}",
                        f"What is {a} {op} {b}?{self.instruction}",
                        self.reference.format(a=a, op=op, b=b, result=result),
                        {"result": result},
                    )
                )
            self._items = {"eval": items[: self.held_out], "train": items[self.held_out :]}
        return self._items[split]

    def check(self, response: str, example: Example) -> bool:
        return last_integer(response) == example.meta["result"]


@register_task("arith2", track="smol")
class Arithmetic2(Arithmetic):
    """Two-digit operands (10-99)."""

    digits = 2


@register_task("arith3", track="smol")
class Arithmetic3(Arithmetic):
    """Three-digit operands (100-999)."""

    digits = 3


@register_task("arith2-number", track="smol")
class Arithmetic2Number(Arithmetic):
    """`arith2`'s problems, asking for the number alone: "What is 47 + 38? Answer with the number only."

    Added after `arith2`'s base was measured (docs/SMOL-VIABILITY.md): at temperature 1 and 32 new tokens the base
    model explains before it answers ("To compute 25 + 50, follow these steps: ..."), and the reply is cut before the
    result; its base accuracy was 0.018. Asking for the number alone keeps the task and its checker (any reply whose
    last integer is the result is correct) and the same items, and lets a reply end within the cap.
    """

    digits = 2
    instruction = " Answer with the number only."
    reference = "{result}"


@register_task("arith1-number", track="smol")
class Arithmetic1Number(Arithmetic):
    """Every one-digit problem (a + b, and a - b with a >= b, a and b in 0-9: 155), asking for the number alone.

    Added after `arith2-number`'s base was measured at 0.025 (docs/SMOL-VIABILITY.md, part 1c): two-digit arithmetic is
    beyond what the base answers when it samples at temperature 1. The whole one-digit set, 55 held out.
    """

    digits = 1
    held_out = 55
    instruction = " Answer with the number only."
    reference = "{result}"
