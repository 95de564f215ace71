"""New task `tool` (tiny track): answer a request with a function call.

The tiny stand-in for the ToolAlpaca task of RL's Razor (arXiv 2509.04259): each prompt asks for one of six
tools, and the response is a Python-style call with keyword arguments. The tools mirror the prior tasks, so
calling them well rests on what the base model knows (`arithmetic`, `reverse`, `elements`, `capitals`; the
facts are the real ones in `facts`):

- ``tool: add 3 and 4`` -> ``add(a=3, b=4)`` and ``tool: subtract 4 from 9`` -> ``sub(a=9, b=4)``;
- ``tool: reverse apple`` -> ``reverse(text="apple")``;
- ``tool: capital of Peru`` -> ``capital(of="Peru")`` (countries of at most 10 letters, so calls fit 24
  characters);
- ``tool: symbol of Neon`` -> ``symbol(of="Neon")`` and ``tool: number of Ne`` -> ``number(of="Ne")``.

Many responses are correct, because a call is judged by what it means, not how it is spelled: keyword
arguments in any order, strings in single or double quotes, any whitespace between the parts of the call.
`parse_call` reads ``name(key=value, ...)`` with values that are double- or single-quoted strings (no
escapes) or decimal integers (Python's literal syntax: ``-3``, not ``03``); `check` compares the name and
the keyword-argument dict with those of the call the prompt asks for (`reference_call`). Anything
unparsable is wrong, as is a quoted number (``a="3"``) or a positional argument. `correct_answers` lists
the canonical spellings (every order, quote style and ``, ``/``,`` separator); the checker also accepts
further spacing.

Splits: the 1,020 prompts (400 additions and 300 subtractions of operands 0-99 drawn with a fixed seed,
then every word, country and element) are listed in a fixed order, shuffled with a fixed seed, and cut into
disjoint `eval` (200), `pretrain` (300) and `train` (the other 520) sets. In `train` and `eval` the
reference answer is the call as written above (the fixed SFT label); each `pretrain` prompt has several noisy
answers (a random correct spelling, or a call of the same format with a wrong value, function or keyword),
see `splits.py`.

Changelog: v1, first version. v2, four noisy pretraining answers per prompt instead of one (`splits.py`);
`train` and `eval` unchanged.
"""

from __future__ import annotations

import itertools
import random
import re

from razorbench.api.registry import register_task

from .facts import CAPITALS, ELEMENTS, WORDS
from .splits import ManyAnswerTask

SEED = 5151
NOISE_SEED = 5152
N_ADD, N_SUB = 400, 300
MAX_ANSWER = 24  # the tiny track's answer limit (a character-level model with a short context)
MAX_COUNTRY = MAX_ANSWER - len('capital(of="")')

_CALL = re.compile(r"\s*([A-Za-z_]\w*)\s*\((.*)\)\s*", re.ASCII | re.DOTALL)
_ARG = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(-?(?:0|[1-9]\d*)))\s*", re.ASCII)

_MAX_DIGITS = 18  # far above any number a prompt names
Call = tuple[str, dict[str, str | int]]


def parse_call(text: str) -> Call | None:
    """The (function name, keyword arguments) of a call ``name(key=value, ...)``, or None if unparsable.

    >>> parse_call(" add( b = 4,a=3 ) ")
    ('add', {'b': 4, 'a': 3})
    >>> parse_call("capital(of='Peru')") == parse_call('capital(of="Peru")')
    True
    >>> parse_call("add(3, 4)") is None, parse_call("add(a=3, b=4,)") is None, parse_call("add(a=3, a=4)") is None
    (True, True, True)
    """
    call = _CALL.fullmatch(text)
    if call is None:
        return None
    name, inner = call[1], call[2]
    kwargs: dict[str, str | int] = {}
    if inner.strip():
        pos = 0
        while True:
            arg = _ARG.match(inner, pos)
            if arg is None or arg[1] in kwargs:
                return None
            key, double, single, number = arg.groups()
            if number is not None and len(number) > _MAX_DIGITS:
                return None  # no call asks for it; and int() refuses literals over 4,300 digits
            kwargs[key] = int(number) if number is not None else double if double is not None else single
            pos = arg.end()
            if pos == len(inner):
                break
            if inner[pos] != ",":
                return None
            pos += 1
    return name, kwargs


_REQUESTS = [
    (re.compile(r"tool: add (\d+) and (\d+)"), lambda a, b: f"add(a={a}, b={b})"),
    (re.compile(r"tool: subtract (\d+) from (\d+)"), lambda b, a: f"sub(a={a}, b={b})"),
    (re.compile(r"tool: reverse ([a-z]+)"), lambda w: f'reverse(text="{w}")'),
    (re.compile(r"tool: capital of ([A-Za-z ]+)"), lambda c: f'capital(of="{c}")'),
    (re.compile(r"tool: symbol of ([A-Za-z]+)"), lambda n: f'symbol(of="{n}")'),
    (re.compile(r"tool: number of ([A-Za-z]+)"), lambda s: f'number(of="{s}")'),
]


def reference_call(prompt: str) -> str:
    """The canonical call that answers `prompt` (the SFT label).

    >>> reference_call("tool: subtract 4 from 9")
    'sub(a=9, b=4)'
    """
    for pattern, call in _REQUESTS:
        if match := pattern.fullmatch(prompt):
            return call(*match.groups())
    raise ValueError(f"not a tool prompt: {prompt!r}")


def check(response: str, prompt: str) -> bool:
    """True iff `response` parses to the same function and keyword arguments as the call `prompt` asks for.

    >>> check("add(b=4, a=3)", "tool: add 3 and 4")
    True
    >>> check("add(a=3 b=4)", "tool: add 3 and 4")  # wrongly formatted: no comma
    False
    >>> check('add(a=3, b="4")', "tool: add 3 and 4")  # a string is not an int
    False
    >>> check("capital(of='Chile')", "tool: capital of Peru")
    False
    """
    return parse_call(response) == parse_call(reference_call(prompt))


def _render(name: str, args: list[tuple[str, str | int]], quote: str = '"', sep: str = ", ") -> str:
    values = [f"{k}={quote}{v}{quote}" if isinstance(v, str) else f"{k}={v}" for k, v in args]
    return f"{name}({sep.join(values)})"


def correct_answers(prompt: str) -> list[str]:
    """The canonical spellings of the call `prompt` asks for: every argument order, quote style and separator.

    >>> correct_answers("tool: add 3 and 4")
    ['add(a=3, b=4)', 'add(a=3,b=4)', 'add(b=4, a=3)', 'add(b=4,a=3)']
    """
    name, kwargs = parse_call(reference_call(prompt))  # type: ignore[misc]
    quotes = ['"', "'"] if any(isinstance(v, str) for v in kwargs.values()) else ['"']
    seps = [", ", ","] if len(kwargs) > 1 else [", "]
    spellings = [
        _render(name, list(order), quote, sep)
        for order in itertools.permutations(kwargs.items())
        for quote in quotes
        for sep in seps
    ]
    return list(dict.fromkeys(spellings))


# A wrong function is one taking the same keywords, so the wrong call still looks like a sensible one.
_SAME_KEYWORDS = {
    "add": ["sub"],
    "sub": ["add"],
    "reverse": [],
    "capital": ["symbol", "number"],
    "symbol": ["capital", "number"],
    "number": ["capital", "symbol"],
}


def _wrong_answer(prompt: str, rng: random.Random) -> str:
    """A call of the reference's format that means something else: another value, function or keyword."""
    while len(wrong := _mutate(prompt, rng)) > MAX_ANSWER:
        pass
    return wrong


def _mutate(prompt: str, rng: random.Random) -> str:
    name, kwargs = parse_call(reference_call(prompt))  # type: ignore[misc]
    args = list(kwargs.items())
    rng.shuffle(args)
    quote, sep = rng.choice(['"', "'"]), rng.choice([", ", ","])
    i = rng.randrange(len(args))
    key, value = args[i]
    how = rng.choice(["value", "function", "keyword"] if _SAME_KEYWORDS[name] else ["value", "keyword"])
    if how == "function":
        name = rng.choice(_SAME_KEYWORDS[name])
    elif how == "keyword":
        args[i] = (rng.choice([k for k in ("a", "b", "x", "n", "of", "text", "name") if k not in kwargs]), value)
    elif isinstance(value, int):
        args[i] = (key, value + rng.choice([d for d in (-3, -2, -1, 1, 2, 3) if value + d >= 0]))
    else:
        pool = {
            "reverse": WORDS,
            "capital": [c for c in CAPITALS if len(c) <= MAX_COUNTRY],
            "symbol": [e.name for e in ELEMENTS],
            "number": [e.symbol for e in ELEMENTS],
        }[name]
        args[i] = (key, rng.choice([v for v in pool if v != value]))
    return _render(name, args, quote, sep)


def _prompts() -> list[str]:
    pairs = [(a, b) for a in range(100) for b in range(100)]
    random.Random(SEED - 1).shuffle(pairs)  # a fixed sample of the 10,000 operand pairs
    prompts = [f"tool: add {a} and {b}" for a, b in pairs[:N_ADD]]
    subs = [(a, b) for a, b in pairs[N_ADD:] if a >= b][:N_SUB]  # never a negative result
    prompts += [f"tool: subtract {b} from {a}" for a, b in subs]
    prompts += [f"tool: reverse {w}" for w in WORDS]
    prompts += [f"tool: capital of {c}" for c in CAPITALS if len(c) <= MAX_COUNTRY]
    prompts += [f"tool: symbol of {e.name}" for e in ELEMENTS]
    prompts += [f"tool: number of {e.symbol}" for e in ELEMENTS]
    return prompts


@register_task("tool", track="tiny")
class Tool(ManyAnswerTask):
    """Answer a request with a keyword-argument function call; any order, quote style or spacing is correct.

    Splits: `train`, `eval` (reference = the canonical call) and noisy `pretrain`, disjoint.
    """

    version = 2
    SEED, NOISE_SEED = SEED, NOISE_SEED
    prompts = staticmethod(_prompts)
    answers = staticmethod(correct_answers)
    wrong_answer = staticmethod(_wrong_answer)
    check_prompt = staticmethod(check)
    reference = staticmethod(reference_call)
