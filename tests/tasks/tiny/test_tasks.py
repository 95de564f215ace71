"""The tiny-track tasks: splits, reference answers, noisy pretraining data, checkers, limits, YAML."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml

from razorbench.api.task import Example, Task
from razorbench.tasks.tiny import arithmetic, capitals, elements, math, reverse, science, splits, tool
from razorbench.tasks.tiny import facts as _facts

PRIORS = {"arithmetic": arithmetic, "reverse": reverse, "elements": elements, "capitals": capitals}
NEW = {"science": science, "math": math, "tool": tool}
ALL = {**PRIORS, **NEW}
MAX_PROMPT, MAX_ANSWER = 40, 24


def task_class(module) -> type[Task]:
    (cls,) = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, Task) and v.__module__ == module.__name__
    ]
    return cls


def splits_of(name: str) -> list[str]:
    return ["pretrain", "train", "eval"] if name in NEW else ["pretrain", "eval"]


def all_examples(name: str) -> list[Example]:
    task = task_class(ALL[name])()
    return [e for split in splits_of(name) for e in task.examples(split)]


@pytest.mark.parametrize("name", ALL)
def test_registered_with_kind_and_version(name):
    cls = task_class(ALL[name])
    assert cls.registry_name == name
    assert cls.kind == ("new" if name in NEW else "prior")
    # v2 (docs/TINY-TRACK.md): several noisy pretraining answers per new-task prompt, math within the addition
    # table, arithmetic the memorised table of 0-20.
    assert cls.version == (2 if name in {"arithmetic", "science", "math", "tool"} else 1)
    assert cls.__doc__ and ALL[name].__doc__


@pytest.mark.parametrize("name", ALL)
def test_splits_nonempty_with_unique_ids(name):
    task = task_class(ALL[name])()
    ids = []
    for split in splits_of(name):
        examples = task.examples(split)
        assert examples, split
        ids += [e.id for e in examples]
    assert len(ids) == len(set(ids))
    assert sorted(task.SPLITS) == sorted(splits_of(name))
    valid = ", ".join(sorted(splits_of(name)))
    with pytest.raises(ValueError, match=f"^unknown split 'test' for task '{name}'; valid: {valid}$"):
        task.examples("test")


@pytest.mark.parametrize("name", NEW)
def test_new_task_splits_are_disjoint_by_prompt(name):
    task = task_class(NEW[name])()
    prompts = {split: [e.prompt for e in task.examples(split)] for split in splits_of(name)}
    for split, listed in prompts.items():
        # Each pretraining prompt comes with PRETRAIN_ANSWERS answers; the other splits list a prompt once.
        assert len(listed) == len(set(listed)) * (splits.PRETRAIN_ANSWERS if split == "pretrain" else 1), split
    for a, b in itertools.combinations(prompts, 2):
        assert not set(prompts[a]) & set(prompts[b]), (a, b)
    assert len(prompts["eval"]) == 200
    assert len(prompts["train"]) >= 300 and len(set(prompts["pretrain"])) == 300


def test_pretraining_prompts_have_several_answers():
    for name, module in NEW.items():
        rows = task_class(module)().examples("pretrain")
        by_prompt: dict[str, list[str]] = {}
        for e in rows:
            by_prompt.setdefault(e.prompt, []).append(e.answer)
        assert {len(a) for a in by_prompt.values()} == {splits.PRETRAIN_ANSWERS}, name
        distinct = sum(len(set(a)) for a in by_prompt.values()) / len(by_prompt)
        assert distinct >= 2.5, (name, distinct)


def test_generative_priors_hold_out_eval():
    task = task_class(reverse)()
    eval_prompts = {e.prompt for e in task.examples("eval")}
    assert len(eval_prompts) == 200
    assert not eval_prompts & {e.prompt for e in task.examples("pretrain")}


def test_arithmetic_is_the_table_of_0_to_20():
    task = task_class(arithmetic)()
    pretrain = task.examples("pretrain")
    assert len(pretrain) == 21 * 21 + 21 * 22 // 2
    assert {(e.prompt, e.answer) for e in task.examples("eval")} <= {(e.prompt, e.answer) for e in pretrain}
    assert len(task.examples("eval")) == 200
    assert all(0 <= int(x) <= 20 for e in pretrain for x in e.prompt.split()[1:])


def test_fact_priors_evaluate_the_pretrained_facts():
    for module, n_facts in ((elements, 3 * 54), (capitals, len(_facts.CAPITALS))):
        task = task_class(module)()
        evals, pretrain = task.examples("eval"), task.examples("pretrain")
        assert len(evals) == min(n_facts, 200)
        assert {(e.prompt, e.answer) for e in evals} == {(e.prompt, e.answer) for e in pretrain}


@pytest.mark.parametrize("name", ALL)
def test_reference_answers_pass_the_check(name):
    task = task_class(ALL[name])()
    splits = ["train", "eval"] if name in NEW else ["pretrain", "eval"]
    for split in splits:
        for example in task.examples(split):
            assert task.check(example.answer, example), (split, example)
            assert task.check(f" {example.answer}\n", example)
            assert task.reward(example.answer, example) == 1.0


@pytest.mark.parametrize("name", NEW)
def test_pretrain_answers_are_a_mix(name):
    task = task_class(NEW[name])()
    examples = task.examples("pretrain")
    verdicts = [task.check(e.answer, e) for e in examples]
    assert abs(sum(verdicts) / len(verdicts) - splits.PRETRAIN_CORRECT) <= 0.05
    assert verdicts == [e.meta["correct"] for e in examples]
    # Correct pretraining answers are diverse, not just the SFT reference.
    right = [e for e, ok in zip(examples, verdicts, strict=True) if ok]
    assert sum(e.answer != task.correct_answers(e)[0] for e in right) > len(right) / 2


@pytest.mark.parametrize("name", NEW)
def test_many_correct_answers_per_prompt(name):
    module, rng = NEW[name], random.Random(0)
    task = task_class(module)()
    examples = all_examples(name)
    counts = []
    for example in examples:
        answers = task.correct_answers(example)
        counts.append(len(set(answers)))
        for answer in rng.sample(answers, min(len(answers), 10)):
            assert task.check(answer, example), (example.prompt, answer)
        if example.id.startswith(("train", "eval")):
            assert example.answer == answers[0]
    assert sum(c > 1 for c in counts) >= 0.9 * len(counts)


WRONG = {
    "arithmetic": [("add 23 45", "68", ["67", "6 8", "68.", "+68", "068", "sixty-eight", ""])],
    "reverse": [("reverse apple", "elppa", ["apple", "Elppa", "e l p p a", "elpp", ""])],
    "elements": [("symbol of Neon", "Ne", ["NE", "ne", "Na", "Neon"]), ("number of Ne", "10", ["ten", "11"])],
    "capitals": [("capital of France", "Paris", ["paris", "PARIS", "Lyon", "Paris, France"])],
    "science": [
        ("element numbered 12 to 18", "", ["Na", "K", "CL", "cl", "Chlorine", "Cl Ar", "17", "", "Xx"]),
        ("element in group 17, periods 2 to 4", "", ["I", "At", "Ne", "F, Cl"]),
        ("element between Ne and Ar", "", ["Ne", "Ar", "K"]),
        ("element numbered below Li", "", ["Li", "Be", "h"]),
    ],
    "math": [
        ("split 23 into 2 terms from 5 to 15", "", ["8+14", "3+20", "20+3", "23+0", "23", "8+15=23", "08+15", "8 15"]),
        ("split 23 into 2 terms from 5 to 15", "", ["8*15", "1+7+15", "-1+24", "8+15+0", "+8+15", "8++15", "٨+15"]),
        ("split 20 into 2 terms from 1 to 10", "", ["10+10+0", "11+9", "0+20", "10.0+10", "1e1+10", " "]),
    ],
    "tool": [
        ("tool: add 3 and 4", "", ["add(a=3, b=5)", "add(3, 4)", 'add(a="3", b=4)', "add(a=3, b=4,)", "add(a=3 b=4)"]),
        ("tool: add 3 and 4", "", ["sub(a=3, b=4)", "add(a=3)", "add(a=3, b=4, c=0)", "add(a=03, b=4)", "add a=3 b=4"]),
        ("tool: add 3 and 4", "", ["add(a=3, b=4))", "add(a=3, a=4)", "add(x=3, b=4)", "7", "", "add(a=3, b=4) add"]),
        ("tool: capital of Peru", "", ['capital(of="peru")', "capital(of=Peru)", 'capital(country="Peru")']),
        ("tool: capital of Peru", "", ["capital(of=\"Peru')", 'capital(of="Peru", of="Peru")', 'capital("Peru")']),
        ("tool: reverse apple", "", ['reverse(text="elppa")', 'reverse(text=" apple")', "reverse(text=apple)"]),
    ],
}


@pytest.mark.parametrize("name", ALL)
def test_wrong_and_malformed_answers_fail(name):
    task = task_class(ALL[name])()
    for prompt, answer, wrongs in WRONG[name]:
        example = Example("x", prompt, answer)
        for response in wrongs:
            assert not task.check(response, example), (prompt, response)
            assert task.reward(response, example) == 0.0


def test_checkers_accept_the_many_spellings():
    assert science.check("Ar", "element numbered 12 to 18") and science.check("Mg", "element numbered 12 to 18")
    for response in ["8+15", "15+8", " 11 + 12\n", "12+11"]:
        assert math.check(response, "split 23 into 2 terms from 5 to 15"), response
    assert math.check("10+10", "split 20 into 2 terms from 1 to 10")
    for response in ["add(a=3, b=4)", "add(b=4,a=3)", " add ( a = 3 , b = 4 ) ", "add(\n  b=4,\n  a=3\n)"]:
        assert tool.check(response, "tool: add 3 and 4"), response
    for response in ['capital(of="Peru")', "capital(of='Peru')", "capital( of = 'Peru' )"]:
        assert tool.check(response, "tool: capital of Peru"), response
    assert tool.check('capital(of="New Zealand")', "tool: capital of New Zealand")


@pytest.mark.parametrize("name", ALL)
def test_prompts_and_answers_are_short_printable_ascii(name):
    printable = {chr(c) for c in range(32, 127)}
    for example in all_examples(name):
        assert set(example.prompt) <= printable and set(example.answer) <= printable, example
        assert 0 < len(example.prompt) <= MAX_PROMPT, example
        assert 0 < len(example.answer) <= MAX_ANSWER, example
        if name in NEW:
            assert all(len(a) <= MAX_ANSWER for a in task_class(NEW[name])().correct_answers(example))


@pytest.mark.parametrize("name", ALL)
def test_splits_are_deterministic(name):
    module = ALL[name]
    cached = {split: task_class(module)().examples(split) for split in splits_of(name)}
    rebuilt = task_class(module).build_splits()  # bypass the cache: a fresh construction
    for split, examples in cached.items():
        assert list(rebuilt[split]) == examples
        assert [e.meta for e in rebuilt[split]] == [e.meta for e in examples]
    assert task_class(module)().examples("eval") == cached["eval"]


@pytest.mark.parametrize("name", ALL)
def test_yaml_fragment(name):
    path = Path(ALL[name].__file__).with_suffix(".yaml")
    text = path.read_text()
    assert text.startswith("# ")
    config = yaml.safe_load(text)
    if name in PRIORS:
        assert config == {"task": {"priors": []}}
        return
    assert set(config) == {"task", "sampling"} and set(config["sampling"]) == {"max_new_tokens"}
    assert config["task"] == {"priors": ["arithmetic", "reverse", "elements", "capitals"]}
    task = task_class(NEW[name])()
    longest = max(len(a) for e in all_examples(name) for a in task.correct_answers(e))
    assert config["sampling"]["max_new_tokens"] == longest + 2


def test_facts():
    assert [e.number for e in _facts.ELEMENTS] == list(range(1, 55))
    assert len({e.symbol for e in _facts.ELEMENTS}) == 54 and len({e.name for e in _facts.ELEMENTS}) == 54
    periods = [sum(e.period == p for e in _facts.ELEMENTS) for p in range(1, 6)]
    assert periods == [2, 8, 8, 18, 18]
    assert {e.symbol: (e.group, e.period) for e in _facts.ELEMENTS if e.symbol in ("H", "He", "Fe", "I", "Xe")} == {
        "H": (1, 1),
        "He": (18, 1),
        "Fe": (8, 4),
        "I": (17, 5),
        "Xe": (18, 5),
    }
    assert all(1 <= e.group <= 18 for e in _facts.ELEMENTS)
    assert 60 <= len(_facts.CAPITALS) and len(set(_facts.CAPITALS.values())) == len(_facts.CAPITALS)
    assert all(len(s.split()) <= 2 and s.isascii() for kv in _facts.CAPITALS.items() for s in kv)
    assert len(_facts.WORDS) == len(set(_facts.WORDS)) == 150
    assert all(3 <= len(w) <= 7 and w.isascii() and w.isalpha() and w.islower() for w in _facts.WORDS)
