"""New task `science` (tiny track): name any chemical element that fits a description.

The tiny stand-in for the SciKnowEval chemistry task of RL's Razor (arXiv 2509.04259): questions about the
first 54 elements (hydrogen to xenon), answered with an element symbol. The facts are real (IUPAC periodic
table, `facts.ELEMENTS`) and build on the `elements` prior, which teaches symbols, names and atomic
numbers. Prompt forms:

- ``element numbered 12 to 18``: atomic number in [12, 18] (ranges 2 to 13 numbers wide);
- ``element between Ne and Ar``: atomic number strictly between those of two elements (2 to 11 of them);
- ``element numbered below Ne``: atomic number below that of an element;
- ``element in period 3`` and ``element in period 2 or 4``;
- ``element in group 17, periods 2 to 4``: both the group (IUPAC 1-18) and the period range must fit.

Every form is bounded inside periods 1-5, so the set of correct elements is exactly what the first 54
elements give (an open question such as ``element in group 1`` would also be answered by caesium, which
this track does not know). Many responses are correct: every fitting element's symbol, at least 2 and up to
53 per prompt, so a method can solve the task with a symbol the base model already favours or with another.
The checker accepts the symbol only, exactly (``Cl``, not ``CL`` or ``Chlorine``), after stripping
surrounding whitespace: a name would double the answer formats without adding any knowledge to the test.

Splits: the 1,216 prompts are listed in a fixed order, shuffled with a fixed seed, and cut into disjoint
`eval` (200), `pretrain` (300) and `train` (the other 716) sets. In `train` and `eval` the reference answer
is the fitting element of lowest atomic number (the fixed SFT label); each `pretrain` prompt has several noisy
answers (a random fitting element or a random non-fitting one), see `splits.py`.

Changelog: v1, first version. v2, four noisy pretraining answers per prompt instead of one (`splits.py`);
`train` and `eval` unchanged.
"""

from __future__ import annotations

import functools
import random
import re

from razorbench.api.registry import register_task

from .blanks import strip_blanks
from .facts import ELEMENTS
from .splits import ManyAnswerTask

SEED = 4242
NOISE_SEED = 4243

_BY_SYMBOL = {e.symbol: e for e in ELEMENTS}
_SYM = "[A-Z][a-z]?"
_FORMS = [
    (re.compile(r"element numbered (\d+) to (\d+)"), lambda e, a, b: int(a) <= e.number <= int(b)),
    (
        re.compile(f"element between ({_SYM}) and ({_SYM})"),
        lambda e, x, y: _BY_SYMBOL[x].number < e.number < _BY_SYMBOL[y].number,
    ),
    (re.compile(f"element numbered below ({_SYM})"), lambda e, x: e.number < _BY_SYMBOL[x].number),
    (re.compile(r"element in period (\d)"), lambda e, p: e.period == int(p)),
    (re.compile(r"element in period (\d) or (\d)"), lambda e, p, q: e.period in (int(p), int(q))),
    (
        re.compile(r"element in group (\d+), periods (\d) to (\d)"),
        lambda e, g, p, q: e.group == int(g) and int(p) <= e.period <= int(q),
    ),
]


@functools.cache
def correct_answers(prompt: str) -> tuple[str, ...]:
    """Every correct response to `prompt`: the fitting element symbols, by atomic number.

    >>> correct_answers("element in group 17, periods 2 to 4")
    ('F', 'Cl', 'Br')
    """
    for pattern, fits in _FORMS:
        match = pattern.fullmatch(prompt)
        if match and all(s.isdigit() or s in _BY_SYMBOL for s in match.groups()):
            return tuple(e.symbol for e in ELEMENTS if fits(e, *match.groups()))
    raise ValueError(f"not a science prompt: {prompt!r}")


def check(response: str, prompt: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is the symbol of an element that fits `prompt`.

    >>> check(" Cl\\n", "element numbered 12 to 18")
    True
    >>> check("Chlorine", "element numbered 12 to 18")  # wrongly formatted: the symbol is asked for
    False
    >>> check("Ne", "element numbered 12 to 18")
    False
    """
    return strip_blanks(response) in correct_answers(prompt)


def _prompts() -> list[str]:
    ranges = [f"element numbered {a} to {a + w}" for w in range(1, 13) for a in range(1, 55 - w)]
    pairs = [(x, y) for x in ELEMENTS for y in ELEMENTS if 3 <= y.number - x.number <= 12]
    between = [f"element between {x.symbol} and {y.symbol}" for x, y in pairs]
    below = [f"element numbered below {x.symbol}" for x in ELEMENTS if x.number >= 3]
    spans = [(p, q) for p in range(1, 6) for q in range(p + 1, 6)]
    periods = [f"element in period {p}" for p in range(1, 6)]
    periods += [f"element in period {p} or {q}" for p, q in spans]
    groups = [f"element in group {g}, periods {p} to {q}" for g in range(1, 19) for p, q in spans]
    groups = [g for g in groups if len(correct_answers(g)) >= 2]  # drop ranges with 0 or 1 fitting element
    return ranges + between + below + periods + groups


def _wrong_answer(prompt: str, rng: random.Random) -> str:
    """A uniformly drawn element (of the first 54) that does not fit `prompt`."""
    right = correct_answers(prompt)
    return rng.choice([e.symbol for e in ELEMENTS if e.symbol not in right])


@register_task("science", track="tiny")
class Science(ManyAnswerTask):
    """Name an element (by symbol) fitting a description of atomic number, period or group; many answers fit.

    Splits: `train`, `eval` (reference = lowest-numbered fitting element) and noisy `pretrain`, disjoint.
    """

    version = 2
    SEED, NOISE_SEED = SEED, NOISE_SEED
    prompts = staticmethod(_prompts)
    answers = staticmethod(correct_answers)
    wrong_answer = staticmethod(_wrong_answer)
    check_prompt = staticmethod(check)
