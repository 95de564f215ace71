"""The paper track's new tasks on the real data copies: counts, fields, splits, and their checkers."""

from __future__ import annotations

import pytest

from razorbench.api.registry import TASKS, get_task
from razorbench.runner.run import resolve
from razorbench.tasks.paper import math as paper_math
from razorbench.tasks.paper import science as paper_science
from razorbench.tasks.paper import tool as paper_tool
from razorbench.tasks.paper.config import PaperTaskConfig

PRIORS = ["hellaswag", "truthfulqa_mc2", "mmlu", "ifeval", "winogrande", "humaneval"]
# (train, eval) sizes on ../shared/data; math also has math500.
SIZES = {"science": (1681, 419), "math": (1607, 174), "tool": (120, 59)}


def task(name, shared_data):
    return get_task(name, "paper")(PaperTaskConfig(data_dir=str(shared_data)))


def test_paper_track_registry_and_yaml_priors():
    paper = {e.info["task_name"]: e.obj for e in TASKS.entries() if e.info["track"] == "paper"}
    assert {n for n, c in paper.items() if c.kind == "new"} == {"science", "math", "tool"}
    assert {n for n, c in paper.items() if c.kind == "prior"} == set(PRIORS)
    for name in ("science", "math", "tool"):
        assert paper[name].default_priors() == PRIORS
        _, _, cfg = resolve("sft", name, "paper", None, ["task.data_dir=/data", "task.prior_max_gen_toks=64"])
        assert cfg.task.data_dir == "/data" and cfg.task.prior_max_gen_toks == 64 and cfg.sampling.max_new_tokens > 24
    assert get_task("science", "tiny") is not get_task("science", "paper")


@pytest.mark.parametrize("name", SIZES)
def test_splits_sizes_fields_and_determinism(name, shared_data):
    t = task(name, shared_data)
    train, eval_ = t.examples("train"), t.examples("eval")
    assert (len(train), len(eval_)) == SIZES[name]
    ids = [e.id for e in train + eval_]
    assert len(ids) == len(set(ids))
    assert not {e.prompt for e in train} & {e.prompt for e in eval_}
    assert [e.id for e in task(name, shared_data).examples("eval")] == [e.id for e in eval_]
    for e in train + eval_:
        assert e.prompt.strip() and e.answer.strip()
    with pytest.raises(ValueError, match="unknown split"):
        t.examples("test")


@pytest.mark.parametrize("name", SIZES)
def test_reference_answers_pass_the_check(name, shared_data):
    if name == "math":
        pytest.importorskip("math_verify")
    t = task(name, shared_data)
    for e in t.examples("train")[:150] + t.examples("eval")[:150]:  # (math-verify: ~4 ms an answer)
        assert t.check(e.answer, e), e  # the reference answer (the SFT target) is correct


def test_science_fields_and_the_filling_file_left_out(shared_data):
    examples = task("science", shared_data).examples("train") + task("science", shared_data).examples("eval")
    assert {e.meta["subtask"] for e in examples} == {
        "molar_weight_calculation",
        "molecular_property_prediction",
        "molecule_structure_prediction",
        "reaction_prediction",
        "retrosynthesis",
    }
    assert all(set(e.meta["choices"]) == set("ABCD") and e.meta["answer_key"] in "ABCD" for e in examples)
    assert "balanc" not in " ".join(e.prompt for e in examples[:500]).lower()
    e = examples[0]
    assert all(f"{k}. {v}" in e.prompt for k, v in e.meta["choices"].items())


@pytest.mark.parametrize(
    "response, right",
    [
        ("Summing the atomic masses ... The answer is {key}.", True),
        ("Let me think. B and C are unlikely.\nAnswer: {key}", True),
        ("\\boxed{{{key}}}", True),
        ("{key}. that one", True),
        ("Answer: {wrong}", False),
        ("The answer is {key}... no wait, the answer is {wrong}.", False),
        ("I am not sure.", False),
        ("", False),
    ],
)
def test_science_checker(response, right, shared_data):
    e = task("science", shared_data).examples("eval")[0]
    key = e.meta["answer_key"]
    wrong = next(letter for letter in "ABCD" if letter != key)
    assert task("science", shared_data).check(response.format(key=key, wrong=wrong), e) is right


def test_math_fields_and_math500(shared_data):
    t = task("math", shared_data)
    problems = t.examples("math500")
    assert len(problems) == 500 and problems[0].meta["final_answer"] == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert "\\boxed{}" in problems[0].prompt


@pytest.mark.parametrize(
    "response, answer, right",
    [
        ("Digit sums give 17 first at $m = \\boxed{476}$.", "476", True),
        ("Digit sums give 17 first at m = 476.", "476", False),  # no boxed final answer: see test_math_adversarial
        ("So $\\boxed{0.5}$.", "\\frac{1}{2}", True),
        ("Thus $(r,\\theta) = \\boxed{(3, \\pi/2)}$.", "\\left( 3, \\frac{\\pi}{2} \\right)", True),
        ("Therefore $\\boxed{n = 4}$.", "n = 4", True),
        ("Therefore $\\boxed{4}$.", "n = 4", True),
        ("Hence n is \\boxed{5}.", "n = 4", False),
        ("The answer is 477.", "476", False),
        ("I give up.", "476", False),
    ],
)
def test_math_verifier_uses_math_verify(response, answer, right):
    pytest.importorskip("math_verify")
    assert paper_math.check(response, answer) is right


def test_math_checker_on_real_references(shared_data):
    pytest.importorskip("math_verify")
    t = task("math", shared_data)
    for e in t.examples("eval")[:20]:
        assert t.check(f"Working it out carefully, the result is $\\boxed{{{e.meta['final_answer']}}}$", e)
        assert not t.check("The result is $\\boxed{123456789}$", e)


def test_tool_fields_and_checker(shared_data):
    t = task("tool", shared_data)
    examples = t.examples("train") + t.examples("eval")
    assert {e.meta["api"] for e in examples} >= {"Nager.Date", "Axolotl"}
    assert all("Action:" in e.answer and "Request: " in e.prompt and "Its functions:" in e.prompt for e in examples)
    multi = next(e for e in examples if len(e.meta["calls"]) > 1 and len(set(map(repr, e.meta["calls"]))) > 1)
    calls = multi.answer.split("\nAction: ")
    swapped = "Thought: in another order.\nAction: " + "\nAction: ".join(
        reversed([c.removeprefix("Action: ") for c in calls])
    )
    assert t.check(swapped, multi)  # call order does not matter
    assert not t.check(calls[0], multi)  # one call short
    assert not t.check(multi.answer + "\n" + calls[0], multi)  # one call too many


@pytest.mark.parametrize(
    "response, right",
    [
        ('Action: PublicHolidayPublicHolidaysV3\nAction Input: {"year": 2023, "countryCode": "CA"}', True),
        ('Action: PublicHolidayPublicHolidaysV3\nAction Input: {"countryCode":"CA","year":"2023"}\nDone.', True),
        ("Action: PublicHolidayPublicHolidaysV3\nAction Input: {'countryCode': ' CA ', 'year': 2023, 'x': ''}", True),
        ('Action: PublicHolidayPublicHolidaysV3\nAction Input: {"year": 2024, "countryCode": "CA"}', False),
        ('Action: PublicHolidayNextPublicHolidays\nAction Input: {"year": 2023, "countryCode": "CA"}', False),
        ('Action: PublicHolidayPublicHolidaysV3\nAction Input: {"year": 2023, "countryCode": "CA", "extra": 1}', False),
        ("Action: PublicHolidayPublicHolidaysV3\nAction Input: year=2023, countryCode=CA", False),
        ("The holidays of Canada in 2023 are ...", False),
    ],
)
def test_tool_checker_known_answers(response, right):
    reference = paper_tool.parse_calls(
        'Action: PublicHolidayPublicHolidaysV3\nAction Input: {"year": 2023, "countryCode": "CA"}'
    )
    assert paper_tool.check(response, reference) is right


def test_tool_reads_toolalpaca_training_format():
    """train_data.json is not in the offline copy; its documented format (ToolAlpaca README) is read so."""
    api = {
        "Name": "Jokes",
        "Description": "Random jokes",
        "NLDocumentation": "getJoke: a joke\nParameters: {}",
        "Instances": [
            {"input": "Tell me a joke.\nHint: use getJoke", "intermediate_steps": [[["getJoke", "{}", "..."], "ha"]]},
            {"input": "Ask me.", "intermediate_steps": [[["getDetails", '{"q": "?"}', "..."], "x"]]},
            {"input": "Nothing.", "intermediate_steps": []},
        ],
    }
    (example,) = paper_tool.examples_of(api)
    assert "Request: Tell me a joke." in example.prompt and "Hint" not in example.prompt
    assert paper_tool.check("Action: getJoke\nAction Input: {}", example.meta["calls"])


def test_hub_route_needs_no_data_dir_but_is_not_run_offline():
    # Without data_dir the tasks load from the hub; nothing is fetched until examples are asked for.
    for name in ("science", "math", "tool"):
        t = get_task(name, "paper")()
        assert t.config.data_dir is None and t.kind == "new"
    assert paper_science.HUB_DATASET == "hicai-zju/SciKnowEval" and paper_math.HUB_REPO.startswith("Open-Reasoner")
