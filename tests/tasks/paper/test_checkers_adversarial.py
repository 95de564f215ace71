"""The paper track's checkers (science, tool, math) against responses a policy could learn to game them with:
hedged answers listing several candidates, the right answer inside a longer wrong one, 1 MB responses (in bounded
time), control characters and look-alike letters, and the prompt echoed back. A checker never accepts what a
careful grader would reject; a response it accepts it would also accept without the noise.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from razorbench.api.task import Example
from razorbench.tasks.paper import math as paper_math
from razorbench.tasks.paper import science, tool

MEGABYTE = 1 << 20
LETTERS = "ABCD"
HIDDEN = ["\x00", "\x08", "\x1b[2K", "\x7f", "\x85", "\u200b", "\u202e", "\ufeff", "\ue000"]


def quick(check, *args, bound: float = 1.0):
    """`check(*args)`, asserting it took less than `bound` seconds of this process's CPU time (a run's time bound
    for one response; CPU time, so that a loaded machine does not fail a linear check)."""
    began = time.process_time()
    result = check(*args)
    assert time.process_time() - began < bound, (check.__module__, str(args[0])[:60])
    return result


# -- science: the letter of the final choice ---------------------------------------------------------------
@pytest.mark.parametrize("key", LETTERS)
def test_science_hedges_are_wrong(key):
    other = next(c for c in LETTERS if c != key)
    assert science.check(f"Answer: {key}", key)
    for hedge in [f"Answer: {key} or {other}", f"Answer: {other} or {key}", f"Answer: {key}/{other}",
                  f"Answer: {key}, {other}", f"Answer: ({key}) and ({other})", f"\\boxed{{{key}}} \\boxed{{{other}}}",
                  f"Answer: {other}\nAnswer: {key}", f"Answer: {key}\nAnswer: {other}", "Answer: A, B, C or D",
                  f"The answer is {other}. No wait, the answer is {key}.", f"{key} or {other}", f"{key}. or {other}.",
                  f"Answer: {key} | {other}", f"**Answer:** {key} or **{other}**"]:  # fmt: skip
        assert not science.check(hedge, key), hedge


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=60), st.text(alphabet=" ABCD().:*/,ornadswe\nA", max_size=40))
def test_science_accepts_at_most_one_letter_for_any_text(noise, shaped):
    for text in (noise, shaped, noise + shaped, shaped + noise):
        assert sum(science.check(text, key) for key in LETTERS) <= 1, text


@pytest.mark.parametrize(
    "response",
    ["Answer: BC", "Answer: B-C", "Answer: Bromine", "Answer: B2", "Answer: not sure", "BA", "B7. hmm"],
)
def test_science_the_letter_inside_a_longer_word_is_no_answer(response):
    assert not any(science.check(response, key) for key in LETTERS), response


def test_science_megabyte_responses_are_checked_in_bounded_time():
    assert not quick(science.check, "Answer: A\nAnswer: B\n" * (MEGABYTE // 20), "B")
    assert not quick(science.check, "answer " * (MEGABYTE // 7), "A")
    assert not quick(science.check, "(" * MEGABYTE, "A")
    assert quick(science.check, "Let me think. " * (MEGABYTE // 14) + "Answer: C", "C")  # long, but one answer


@pytest.mark.parametrize("key, look_alike", [("A", "\u0410"), ("B", "\u0412"), ("C", "\u0421"), ("A", "\uff21"),
                                             ("B", "\u0392"), ("C", "\u216d")])  # fmt: skip
def test_science_look_alike_letters_are_wrong(key, look_alike):
    assert not science.check(f"Answer: {look_alike}", key)
    assert not science.check(f"\\boxed{{{look_alike}}}", key)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_science_hidden_characters_are_wrong(hidden):
    assert not science.check(f"Answer: B{hidden}", "B")
    assert not science.check(f"Answer: A{hidden}Answer: B", "B")
    assert not science.check(f"{hidden}Answer: B", "B")


def test_science_the_prompt_echoed_back_is_no_answer():
    prompt = science.PROMPT.format(question="Which is heaviest?", options="A. H2\nB. O2\nC. N2\nD. He")
    assert not any(science.check(prompt, key) for key in LETTERS)
    assert not any(science.check(prompt + "\n" + prompt, key) for key in LETTERS)


# -- tool: the calls, as a multiset ----------------------------------------------------------------------------
REFERENCE_TEXT = 'Action: PublicHolidays\nAction Input: {"year": 2023, "countryCode": "CA"}'
REFERENCE = tool.parse_calls(REFERENCE_TEXT)
OTHER = 'Action: PublicHolidays\nAction Input: {"year": 2024, "countryCode": "CA"}'


def test_tool_hedges_are_wrong():
    assert tool.check(REFERENCE_TEXT, REFERENCE)
    for hedge in [REFERENCE_TEXT + "\n" + OTHER, OTHER + "\n" + REFERENCE_TEXT,
                  REFERENCE_TEXT + ' or {"year": 2024, "countryCode": "CA"}',
                  'Action: PublicHolidays\nAction Input: {"year": 2023, "countryCode": "CA"}, {"year": 2024}',
                  'Action: PublicHolidays\nAction Input: [{"year": 2023, "countryCode": "CA"}, {"year": 2024}]',
                  REFERENCE_TEXT + "\nAction: NextPublicHolidays\nAction Input: {}"]:  # fmt: skip
        assert not tool.check(hedge, REFERENCE), hedge


@pytest.mark.parametrize(
    "response",
    [
        'Action: PublicHolidaysV3\nAction Input: {"year": 2023, "countryCode": "CA"}',
        'Action: xPublicHolidays\nAction Input: {"year": 2023, "countryCode": "CA"}',
        'Action: PublicHolidays\nAction Input: {"year": 20231, "countryCode": "CA"}',
        'Action: PublicHolidays\nAction Input: {"year": 2023, "countryCode": "CAN"}',
        'Action: PublicHolidays\nAction Input: {"year": 2023, "countryCode": "CA", "countryCode2": "CA"}',
        'Action: PublicHolidays\nAction Input: {"year": "2023 or 2024", "countryCode": "CA"}',
    ],
)
def test_tool_the_right_call_inside_a_longer_wrong_one_is_wrong(response):
    assert not tool.check(response, REFERENCE)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=12), st.text(max_size=12))
def test_tool_noise_around_the_call_is_accepted_only_when_the_calls_are_the_same(prefix, suffix):
    response = prefix + REFERENCE_TEXT + suffix
    if tool.check(response, REFERENCE):
        assert tool.parse_calls(response) == REFERENCE  # the noise added no call and changed no argument


def test_tool_megabyte_responses_are_checked_in_bounded_time():
    header = "Action: PublicHolidays\nAction Input: "
    for response in [header + "{}" + " " * MEGABYTE + "x",  # was quadratic: 9 s for 16,000 blanks
                     header + "{}" + "\n" * MEGABYTE + "x", header + "[" * MEGABYTE + "]" * MEGABYTE,
                     header + '{"a": ' * 5000 + "1" + "}" * 5000, header + "{[1]: 2}",
                     (REFERENCE_TEXT + "\n") * (MEGABYTE // 70), "Action: " * (MEGABYTE // 8),
                     header + '{"year": "' + "9" * MEGABYTE + '"}', header + "{" * MEGABYTE]:  # fmt: skip
        assert not quick(tool.check, response, REFERENCE), response[:80]
    assert quick(tool.check, "Thinking. " * (MEGABYTE // 10) + REFERENCE_TEXT, REFERENCE)


@pytest.mark.parametrize(
    "response",
    [
        'Action: PublicHolidays\nAction Input: {"year": "２０２３", "countryCode": "CA"}',  # fullwidth digits
        'Action: PublicHolidays\nAction Input: {"year": "٢٠٢٣", "countryCode": "CA"}',  # Arabic-Indic digits
        'Action: PublicHolidays\nAction Input: {"year": 2023, "countryCode": "\u0421\u0410"}',  # Cyrillic С, А
        'Action: Publi\u0441Holidays\nAction Input: {"year": 2023, "countryCode": "CA"}',  # Cyrillic с
        'Action: PublicHolidays\nAction Input: {"уear": 2023, "countryCode": "CA"}',  # Cyrillic у
    ],
)
def test_tool_look_alikes_are_wrong(response):
    assert not tool.check(response, REFERENCE)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_tool_hidden_characters_are_wrong(hidden):
    for i in (0, 8, len(REFERENCE_TEXT) - 3, len(REFERENCE_TEXT)):
        assert not tool.check(REFERENCE_TEXT[:i] + hidden + REFERENCE_TEXT[i:], REFERENCE), (i, hidden)


def test_tool_the_prompt_echoed_back_is_no_answer():
    prompt = tool.PROMPT.format(name="Nager.Date", description="holidays",
                                functions="PublicHolidays: the holidays of a year\nParameters: {year, countryCode}",
                                request="Which holidays has Canada in 2023?")  # fmt: skip
    assert not tool.check(prompt, REFERENCE)


# -- math: the one boxed final answer, by math-verify ----------------------------------------------------------
@pytest.fixture(scope="module")
def math_verify():
    return pytest.importorskip("math_verify")


@pytest.mark.parametrize(
    "response",
    ["It is either 3 or 4.", "The answer is 3 or 4, so $4$.", "$\\boxed{3}$ or $\\boxed{4}$",
     "$\\boxed{4}$ or $\\boxed{3}$", "$\\boxed{3 \\lor 4}$", "$\\boxed{3 \\vee 4}$", "$\\boxed{3 \\text{ or } 4}$",
     "$\\boxed{4 \\text{ or } 3}$",
     "$\\boxed{3, 4}$", "$\\boxed{\\{3, 4\\}}$", "$\\boxed{\\pm 4}$", "$\\boxed{x = 3 \\text{ or } x = 4}$",
     "\\boxed{4}\n\\boxed{5}", "$\\boxed{4 ∨ 5}$", "$\\boxed{4 \\mp 1}$", "$\\boxed{[3, 5]}$"],
)  # fmt: skip
def test_math_hedges_are_wrong(math_verify, response):
    assert not paper_math.check(response, "4")


@pytest.mark.parametrize(
    "response, answer",
    [("$\\boxed{476}$", "47"), ("$\\boxed{1476}$", "476"), ("$\\boxed{4760}$", "476"), ("$\\boxed{476.5}$", "476"),
     ("$\\boxed{476x}$", "476"), ("$\\boxed{-476}$", "476"), ("$\\boxed{\\frac{1}{2}x}$", "\\frac{1}{2}"),
     ("$\\boxed{476^2}$", "476"), ("The answer is 476 but I box $\\boxed{477}$", "476")],
)  # fmt: skip
def test_math_the_right_answer_inside_a_longer_wrong_one_is_wrong(math_verify, response, answer):
    assert not paper_math.check(response, answer)


def test_math_megabyte_and_pathological_responses_are_checked_in_bounded_time(math_verify):
    bound = paper_math.Math.check_timeout
    for response in ["\\boxed{" * (MEGABYTE // 7), "$\\boxed{" + "1" * MEGABYTE + "}$", "1" * MEGABYTE,
                     "$\\boxed{" + "(" * 500 + "1" + ")" * 500 + "}$", "$\\boxed{9^{9^{9^{9}}}}$",
                     "$\\boxed{2^{2^{40}}}$", "$\\boxed{100000!}$",
                     "\\boxed{476} " * (MEGABYTE // 12) + "\\boxed{4}"]:  # fmt: skip
        assert not quick(paper_math.check, response, "476", bound=bound), response[:60]
    assert quick(paper_math.check, "Thinking. " * (MEGABYTE // 10) + "$\\boxed{476}$", "476", bound=bound)


@pytest.mark.parametrize(
    "response, answer",
    [("$\\boxed{\u0445}$", "x"), ("$\\boxed{\uff14}$", "4"), ("$\\boxed{\u0664}$", "4"), ("$\\boxed{\U0001d7d2}$", "4"),
     ("$\\boxed{\u0391}$", "A")],
)  # fmt: skip
def test_math_look_alikes_are_wrong(math_verify, response, answer):
    assert not paper_math.check(response, answer)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_math_hidden_characters_are_wrong(math_verify, hidden):
    assert paper_math.check("So $\\boxed{476}$.", "476")
    assert not paper_math.check(f"So $\\boxed{{476}}${hidden}.", "476")
    assert not paper_math.check(f"So $\\boxed{{4{hidden}76}}$.", "476")


def test_math_the_prompt_echoed_back_is_no_answer(math_verify):
    problem = "Let $m$ be the least positive integer divisible by $17$ whose digits sum to $17$. Find $m$."
    prompt = paper_math.PROMPT.format(problem=problem)
    assert not paper_math.check(prompt, "17")
    assert not paper_math.check(prompt + "\n" + prompt, "17")
    assert paper_math.check(prompt + "\nSo $m = \\boxed{476}$.", "476")  # an echo, then one boxed answer


def test_math_a_batch_of_pathological_answers_stays_within_its_bound(math_verify):
    """Through the run's path (`Task.check_all`, worker processes): each response at most the task's bound, and
    the right answers beside the pathological ones are still right."""
    task = paper_math.Math()
    example = Example("e", "Find m.", "The answer is $\\boxed{476}$.", {"final_answer": "476"})
    responses = ["$\\boxed{9^{9^{9^{9}}}}$", "$\\boxed{2^{2^{40}}}$", "$\\boxed{476}$"] * 3
    try:
        began = time.monotonic()
        verdicts = task.check_all(responses, [example] * len(responses))
        elapsed = time.monotonic() - began
        stats = task.checker_stats()
    finally:
        task.close_checker()
    assert verdicts == [False, False, True] * 3
    workers = task.bounded_checker.pool.max_workers
    assert elapsed < -(-len(responses) // workers) * task.check_timeout + 5, elapsed
    assert stats["responses"] == 9 and stats["timeout_seconds"] == task.check_timeout
