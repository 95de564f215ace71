"""The tiny track's checkers against responses a policy could learn to game them with.

For every tiny task (priors and new tasks): hedged answers listing several candidates, the right answer inside a
longer wrong one, 1 MB responses (rejected, in bounded time), look-alike letters and control characters, and the
prompt echoed back. The property behind all of them: a response is accepted only if, up to the whitespace the
task's docstring allows, it is one of the task's correct answers (`correct_set`), never because it contains one.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from razorbench.api.registry import get_task

TASKS = ["arithmetic", "reverse", "capitals", "elements", "science", "math", "tool"]
SPACE = re.compile(r"\s+")  # what the tasks' docstrings allow around an answer (Python's whitespace)
BOUND = 1.0  # Task.check_timeout: the time a run allows one response (measured here in CPU seconds)


def task_and_examples(name: str, count: int = 12):
    task = get_task(name, "tiny")()
    return task, task.examples("eval")[:count]


def correct_set(task, example) -> set[str]:
    """Every correct response of `example`, whitespace removed (the tasks with many answers list them)."""
    listed = getattr(task, "correct_answers", None)
    return {SPACE.sub("", a) for a in (listed(example) if listed else [example.answer])}


def accepted_only_if_correct(task, example, response: str) -> None:
    if task.check(response, example):
        assert SPACE.sub("", response) in correct_set(task, example), (example.prompt, response)


def wrong_answer(task, example, examples) -> str:
    """Another example's reference answer that is wrong here (same format, so the hedge is plausible)."""
    right = correct_set(task, example)
    return next(e.answer for e in examples if SPACE.sub("", e.answer) not in right)


@pytest.mark.parametrize("name", TASKS)
def test_hedged_answers_listing_several_candidates_are_wrong(name):
    task, examples = task_and_examples(name)
    for example in examples:
        right, wrong = example.answer, wrong_answer(task, example, task.examples("eval"))
        assert task.check(right, example)
        hedges = [f"{right} or {wrong}", f"{wrong} or {right}", f"{right}, {wrong}", f"{wrong}, {right}",
                  f"{right}/{wrong}", f"{right}\n{wrong}", f"{wrong}\n{right}", f"{right} {wrong}",
                  f"{right} (or {wrong})", f"either {right} or {wrong}", f"{right}|{wrong}"]  # fmt: skip
        for hedge in hedges:
            assert not task.check(hedge, example), (example.prompt, hedge)


@pytest.mark.parametrize("name", TASKS)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_right_answer_inside_a_longer_wrong_one_is_wrong(name, data):
    task, examples = task_and_examples(name)
    example = data.draw(st.sampled_from(examples))
    prefix, suffix = data.draw(st.text(max_size=8)), data.draw(st.text(max_size=8))
    accepted_only_if_correct(task, example, prefix + example.answer + suffix)
    # Also built from the answer's own characters, the likeliest way to land on another valid-looking answer.
    pieces = st.text(alphabet=example.answer + "+*()=,'\" 0123456789", max_size=6)
    accepted_only_if_correct(task, example, data.draw(pieces) + example.answer + data.draw(pieces))


@pytest.mark.parametrize("name", TASKS)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_arbitrary_text_is_accepted_only_when_correct(name, data):
    task, examples = task_and_examples(name)
    example = data.draw(st.sampled_from(examples))
    accepted_only_if_correct(task, example, data.draw(st.text(max_size=30)))


MEGABYTE = 1 << 20


def long_responses(right: str) -> dict[str, str]:
    return {
        "junk then the answer": "x" * MEGABYTE + right,
        "the answer then junk": right + "y" * MEGABYTE,
        "the answer repeated": (right + " ") * (MEGABYTE // (len(right) + 1)),
        "digits": "1" * MEGABYTE,
        "a sum of ones": "1+" * (MEGABYTE // 2) + "1",
        "a product": "2*" * (MEGABYTE // 2) + "2",
        "nested parentheses": "(" * (MEGABYTE // 2) + right + ")" * (MEGABYTE // 2),
        "a call with a huge number": "add(a=" + "7" * 4000 + ", b=4)",
        "a call with many arguments": "add(" + "a=3, " * (MEGABYTE // 5) + "b=4)",
        "an unclosed call": "add(a=3, b=4" + ", b=4" * (MEGABYTE // 5),
        "a huge string argument": 'reverse(text="' + "a" * MEGABYTE + '")',
        "blank lines": "\n" * MEGABYTE + "z",
    }


@pytest.mark.parametrize("name", TASKS)
def test_a_megabyte_response_is_wrong_and_checked_in_bounded_time(name):
    task, examples = task_and_examples(name, 3)
    for example in examples:
        for shape, response in long_responses(example.answer).items():
            began = time.process_time()
            accepted = task.check(response, example)
            elapsed = time.process_time() - began
            assert not accepted, (name, shape)
            assert elapsed < BOUND, (name, shape, elapsed)
        padded = example.answer + " " * MEGABYTE  # the right answer with (allowed) trailing whitespace
        began = time.process_time()
        assert task.check(padded, example)
        assert time.process_time() - began < BOUND


LOOK_ALIKES = {
    "A": "\u0391\u0410\uff21", "B": "\u0392\u0412", "C": "\u0421\u216d", "E": "\u0395\u0415", "H": "\u0397\u041d",
    "K": "\u039a\u041a", "M": "\u039c\u041c", "N": "\u039d", "O": "\u039f\u041e", "P": "\u03a1\u0420",
    "T": "\u03a4\u0422", "X": "\u03a7\u0425", "a": "\u0430\u03b1", "c": "\u0441\u217d", "e": "\u0435",
    "i": "\u0456\u0131", "l": "\u04cf\u217c", "o": "\u043e\u03bf", "p": "\u0440\u03c1", "s": "\u0455",
    "x": "\u0445\u00d7", "y": "\u0443", "0": "\u041e\uff10\u0660", "1": "\u0661\uff11\U0001d7cf\u00b9",
    "2": "\uff12\u0662\u00b2", "3": "\uff13\u0663\u0417", "4": "\uff14\u0664", "5": "\uff15\u0665",
    "6": "\uff16\u0666\u0431", "7": "\uff17\u0667", "8": "\uff18\u0668", "9": "\uff19\u0669",
    "+": "\uff0b\u2795\u16ed", "*": "\u2217\u00d7\uff0a", "(": "\uff08", ")": "\uff09", "=": "\uff1d",
    '"': "\u201c\u201d",
}  # fmt: skip


@pytest.mark.parametrize("name", TASKS)
def test_look_alike_letters_and_digits_are_wrong(name):
    task, examples = task_and_examples(name)
    for example in examples:
        right = example.answer
        for i, char in enumerate(right):
            for look_alike in LOOK_ALIKES.get(char, ""):
                response = right[:i] + look_alike + right[i + 1 :]
                assert not task.check(response, example), (example.prompt, response)


HIDDEN = ["\x00", "\x07", "\x08", "\x1b[0m", "\x7f", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\ue000"]


@pytest.mark.parametrize("name", TASKS)
def test_control_and_format_characters_inside_the_answer_are_wrong(name):
    task, examples = task_and_examples(name)
    for example in examples:
        right = example.answer
        for hidden in HIDDEN:
            for i in range(len(right) + 1):
                response = right[:i] + hidden + right[i:]
                assert not task.check(response, example), (example.prompt, response)


# Python's str.strip() (and str.split()) treat these control characters as whitespace: the ASCII information
# separators, NEL, and the line and paragraph separators. A response that carries them around the answer (or,
# on `math`, around a term) shows the answer with an invisible character beside it.
STRIPPED_CONTROLS = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("name", TASKS)
def test_control_separators_around_the_answer_are_wrong(name):
    task, examples = task_and_examples(name, 3)
    for example in examples:
        for control in STRIPPED_CONTROLS:
            assert not task.check(example.answer + control, example), (example.prompt, repr(control))
            assert not task.check(control + example.answer, example), (example.prompt, repr(control))


def test_a_call_with_a_very_long_number_is_wrong_not_an_error():
    task = get_task("tool", "tiny")()
    example = next(e for e in task.examples("eval") if e.prompt.startswith("tool: add"))
    assert not task.check("add(a=" + "7" * 5000 + ", b=4)", example)


@pytest.mark.parametrize("name", TASKS)
def test_the_prompt_echoed_back_is_wrong(name):
    task, examples = task_and_examples(name)
    for example in examples:
        prompt = example.prompt
        for response in (prompt, f"{prompt}\n{example.answer}", f"{example.answer}\n{prompt}", f"{prompt} {prompt}"):
            assert not task.check(response, example), (prompt, response)
        # Every token of the prompt on its own (a number, a word, an element symbol it names) is accepted only
        # when it happens to be a correct answer.
        for token in set(re.findall(r"\w+", prompt)):
            accepted_only_if_correct(task, example, token)
