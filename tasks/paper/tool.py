"""New task `tool` (paper track): ToolAlpaca, call the right API functions with the right arguments.

Source: ToolAlpaca (Tang et al., 2023, arXiv 2306.05301), the tool-use task of RL's Razor (arXiv
2509.04259): a user request, the natural-language documentation of one API's functions, and the function
calls that fulfil the request. Example (API Nager.Date):

    Can you check if today is a public holiday in China?
    -> Action: PublicHolidayIsTodayPublicHoliday
       Action Input: {"countryCode": "CN"}

A response may hold any text (thoughts, explanations) around its calls; `parse_calls` reads every
"Action: <name>" / "Action Input: <JSON>" pair, ToolAlpaca's own format. The response is correct iff its
calls equal the reference calls as a multiset: call order, argument order and whitespace do not matter,
nor do arguments left empty ("" or null) on either side, and a number may be written as a number or a
numeric string (of ASCII digits). So many responses are correct, worded and ordered freely; one that offers
alternatives (an extra call, a second set of arguments after the first) or holds hidden characters
(`grading.py`) is wrong.

Only instances whose reference calls all have literal JSON arguments and plain function names are kept:
some of ToolAlpaca's multi-step answers feed one call's output into the next (`{"animeId": ${animeId from
searchAnime}}`), a few are malformed JSON or name `[Optional]updateUserProfile`; no response can match those
(35 of the 214 evaluation instances).
Training instances (train_data.json) that ask the user for details (`getDetails`) are left out likewise.

Data: with `task.data_dir`, `data_dir/toolalpaca/{eval_simulated,eval_real}.json` and, if present,
`train_data.json`; without, the same files from the ToolAlpaca repository at a pinned commit (ToolAlpaca is
not on the Hugging Face hub), downloaded and cached by `datasets`' download manager. Splits: 30% `eval`,
70% `train` by a hash of (API, request), each in source order. Where train_data.json is absent (the local
copy lacks it) both splits come from the evaluation files.

Changelog: v1, first version. v2: numbers in other scripts' digits are strings; hidden characters make
a response wrong; linear-time parsing (long responses no longer take minutes).
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path
from typing import Any

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task
from razorbench.tasks.paper.config import PaperTaskConfig

from .grading import hidden_characters
from .sources import content_id, data_dir_of, hub, read_json, split_of

EVAL_PERCENT = 30
LOCAL_FOLDER = "toolalpaca"
FILES = ("eval_simulated.json", "eval_real.json", "train_data.json")  # the last one optional
SOURCE = "https://raw.githubusercontent.com/tangqiaoyu/ToolAlpaca/189069998d64a7baf1b4a1c3c4b2e75eb9d05532/data/"
PROMPT = (
    'You can use the API "{name}": {description}\n'
    "Its functions:\n{functions}\n\n"
    "Request: {request}\n\n"
    "Reply with the function call or calls that fulfil the request, each written as two lines:\n"
    "Action: <function name>\nAction Input: <the arguments as a JSON object>"
)

_CALL = re.compile(r"Action:\s*`?([\w.\-]+)`?[ \t]*\n\s*Action Input:")
# Where a call's arguments end: the next step (a line starting Thought, Action, ...), or the end. (A single
# lookahead regex for both, as before, took quadratic time on long runs of blanks: 9 s for 16,000.)
_NEXT_STEP = re.compile(r"\n[^\S\n]*(?:Thought|Action|Observation|Final Answer)\b")
_NAME = re.compile(r"[\w.\-]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)  # ASCII: float() would also read other scripts' digits


def _canonical(value: Any) -> Any:
    """A hashable form in which equal arguments are equal (see the module docstring)."""
    if isinstance(value, dict):
        kept = ((str(k).strip(), _canonical(v)) for k, v in value.items() if v is not None and v != "")
        return ("object", tuple(sorted(kept)))
    if isinstance(value, list | tuple):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    text = " ".join(str(value).split())
    return ("number", float(text)) if _NUMBER.fullmatch(text) else ("string", text)


MAX_ARGUMENTS = 10_000  # characters of one call's arguments: the references' longest is a few hundred


def _leading_bracketed(text: str) -> str:
    """The `{...}` or `[...]` at the start of `text`, brackets inside quoted strings skipped (within its first
    `MAX_ARGUMENTS` characters: an unclosed one is returned whole, and fails to parse)."""
    depth, quote, escaped = 0, "", False
    for i, char in enumerate(text[:MAX_ARGUMENTS]):
        if quote:
            escaped, quote = (not escaped and char == "\\"), ("" if char == quote and not escaped else quote)
        elif char in "'\"":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return text[: i + 1]
    return text


def parse_arguments(text: str) -> Any:
    """The arguments a call was written with: a JSON object (a Python literal passes too: models write
    single quotes), read up to its closing bracket so that prose after it does not matter; None if unreadable,
    or if a second set of arguments follows (`{"year": 2023} or {"year": 2024}` offers alternatives).

    >>> parse_arguments('{"countryCode": "CN"}') == parse_arguments("{'countryCode':   'CN'} to ask for China")
    True
    >>> parse_arguments('{"animeId": ${animeId from searchAnime}}') is None
    True
    >>> parse_arguments('{"year": 2023} or {"year": 2024}') is None
    True
    """
    text = text.strip().removeprefix("```json").removeprefix("```").strip()
    if not text.startswith(("{", "[")):
        return {} if text.split("\n")[0].strip().lower() in ("", "none", "null") else None
    literal = _leading_bracketed(text)
    if "{" in text[len(literal) :] or "[" in text[len(literal) :]:
        return None
    try:
        return json.loads(literal)
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        value = ast.literal_eval(literal)
    except Exception:  # ValueError, SyntaxError, TypeError ({[1]: 2}), MemoryError, RecursionError
        return None
    return value if isinstance(value, dict | list) else None


def parse_calls(response: str) -> list[tuple[str, Any]] | None:
    """Every call in a response as (name, canonical arguments); None if one has unreadable arguments.

    >>> parse_calls('Thought: two.\\nAction: next\\nAction Input: {"c": "JP"}\\nAction: next\\nAction Input: {}')
    [('next', ('object', (('c', ('string', 'JP')),))), ('next', ('object', ()))]
    """
    calls = []
    for call in _CALL.finditer(response):
        end = _NEXT_STEP.search(response, call.end())
        parsed = parse_arguments(response[call.end() : end.start() if end else len(response)])
        if parsed is None:
            return None
        try:
            calls.append((call.group(1), _canonical(parsed)))
        except RecursionError:  # nested deeper than any call's arguments are
            return None
    return calls


def check(response: str, reference: list[tuple[str, Any]]) -> bool:
    """True iff the response's calls are the reference calls, as a multiset (order-insensitive).

    >>> reference = parse_calls('Action: hols\\nAction Input: {"year": 2023, "country": "CA"}')
    >>> check('Sure!\\nAction: hols\\nAction Input: {"country":"CA",\\n  "year": "2023"}', reference)
    True
    >>> check('Action: hols\\nAction Input: {"country": "MX", "year": 2023}', reference)
    False
    >>> check('Action: hols\\nAction Input: {"country": "CA", "year": 2023}\\nAction: x\\nAction Input: {}', reference)
    False
    """
    if hidden_characters(response):
        return False
    calls = parse_calls(response)
    return calls is not None and bool(calls) and sorted(calls, key=repr) == sorted(reference, key=repr)


def _call_text(name: str, arguments: str) -> str:
    return f"Action: {name}\nAction Input: {arguments.strip()}"


def _instances(api: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(request, [(function, arguments text)]) of an API record, from either ToolAlpaca file format."""
    if "Golden_Answers" in api:  # eval_*.json: parallel lists of requests and reference call lists
        return [
            (request, [(step["Action"], step["Action_Input"]) for step in steps])
            for request, steps in zip(api["Instructions"], api["Golden_Answers"], strict=True)
        ]
    instances = []  # train_data.json: simulated interactions; intermediate_steps = [[[action, input, text], obs]]
    for instance in api.get("Instances", []):
        steps = instance.get("intermediate_steps") or []
        if steps and len(steps) <= 5 and all(step[0][0] != "getDetails" for step in steps):
            request = instance["input"].rsplit("\nHint: ", 1)[0]
            instances.append((request, [(step[0][0], step[0][1]) for step in steps]))
    return instances


def examples_of(api: dict[str, Any]) -> list[Example]:
    """The gradable examples of one API record (instances with literal-JSON reference calls)."""
    examples = []
    for request, steps in _instances(api):
        arguments = [parse_arguments(text) for _, text in steps]
        if (
            not steps
            or any(not isinstance(a, dict) for a in arguments)
            or not all(_NAME.fullmatch(n) for n, _ in steps)
        ):
            continue  # depends on an earlier call's output, or malformed: see the module docstring
        prompt = PROMPT.format(
            name=api["Name"],
            description=api["Description"],
            functions=api["NLDocumentation"].strip(),
            request=request.strip(),
        )
        reference = [(name.strip(), _canonical(a)) for (name, _), a in zip(steps, arguments, strict=True)]
        examples.append(
            Example(
                content_id(api["Name"], request),
                prompt,
                "\n".join(_call_text(name, text) for name, text in steps),
                {"api": api["Name"], "calls": reference},
            )
        )
    return examples


def _apis(data_dir: Path | None) -> list[dict[str, Any]]:
    if data_dir is None:
        manager = hub("tool").DownloadManager()
        paths = {name: manager.download(SOURCE + name) for name in FILES}
    else:
        paths = {name: data_dir / LOCAL_FOLDER / name for name in FILES if (data_dir / LOCAL_FOLDER / name).is_file()}
        missing = [name for name in FILES[:2] if name not in paths]
        if missing:
            raise FileNotFoundError(f"task 'tool': {', '.join(missing)} not found under {data_dir / LOCAL_FOLDER}")
    return [api for name in FILES if name in paths for api in read_json(Path(paths[name]))]


@functools.cache
def _splits(data_dir: Path | None) -> dict[str, tuple[Example, ...]]:
    splits: dict[str, list[Example]] = {"train": [], "eval": []}
    seen = set()
    for api in _apis(data_dir):
        for example in examples_of(api):
            if example.id not in seen:
                seen.add(example.id)
                splits[split_of(example.id, EVAL_PERCENT)].append(example)
    return {name: tuple(examples) for name, examples in splits.items()}


@register_task("tool", track="paper")
class Tool(Task):
    """ToolAlpaca: given an API's documentation and a request, emit the right calls; matched as a multiset.

    Splits: `train` (70%) and `eval` (30%), disjoint, by a hash of (API, request).
    """

    kind = "new"
    version = 2
    Config = PaperTaskConfig
    SPLITS = ("train", "eval")

    def _examples(self, split: str) -> tuple[Example, ...]:
        return _splits(data_dir_of(self.config))[split]

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.meta["calls"])
