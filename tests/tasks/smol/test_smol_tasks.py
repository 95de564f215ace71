"""The smol track's own tasks: item sets, checkers, and the track's config layers."""

from __future__ import annotations

import pytest

from razorbench.api.registry import get_task
from razorbench.tasks.smol.arith import last_integer, problems
from razorbench.tasks.smol.capitals import echoes
from razorbench.tasks.smol.elements import last_symbol
from razorbench.util.hardware import resolve_precision


def test_arithmetic_items_are_distinct_seeded_and_correct():
    items = problems(2, 2400, seed=2026)
    assert len(set(items)) == 2400 and items == problems(2, 2400, seed=2026)
    assert all(10 <= a <= 99 and 10 <= b <= 99 and (op == "+" or a >= b) for a, op, b in items)
    task = get_task("arith2", "smol")()
    train, held_out = task.examples("train"), task.examples("eval")
    assert (len(train), len(held_out)) == (2000, 400)
    assert not {e.prompt for e in train} & {e.prompt for e in held_out}
    for e in held_out[:50]:
        a, op, b = e.prompt.removeprefix("What is ").removesuffix("?").split()
        assert e.meta["result"] == (int(a) + int(b) if op == "+" else int(a) - int(b))
        assert task.check(e.answer, e)  # the SFT target passes the check


@pytest.mark.parametrize(
    ("response", "expected"),
    [("47 + 38 = 85.", 85), ("The answer is 1,085", 1085), ("It is -3.", -3), ("no number", None), ("5, then 7", 7)],
)
def test_last_integer(response, expected):
    assert last_integer(response) == expected


def test_arithmetic_checker_reads_the_last_integer_only():
    task = get_task("arith2", "smol")()
    example = task.examples("eval")[0]
    result = example.meta["result"]
    assert task.check(f"The sum is {result}.", example)
    assert not task.check(f"{result} or maybe {result + 1}", example)
    assert not task.check("I don't know.", example)


def test_capitals_leave_out_the_states_whose_capital_echoes_their_name():
    assert echoes("Singapore", "Singapore") and echoes("Mexico", "Mexico City") and echoes("Tunisia", "Tunis")
    assert not echoes("France", "Paris")
    task = get_task("capitals", "smol")()
    items = task.examples("eval")
    countries = {e.prompt.removeprefix("What is the capital of ").removesuffix("?") for e in items}
    assert "Mexico" not in countries and "Tunisia" not in countries and "France" in countries
    assert len(items) == 180  # 193 UN member states less the 13 whose capital echoes the country


def test_capitals_checker_matches_whole_names_accents_aside():
    task = get_task("capitals", "smol")()
    by_country = {e.prompt: e for e in task.examples("eval")}
    kenya = by_country["What is the capital of Kenya?"]
    assert task.check("The capital of Kenya is Nairobi.", kenya)
    assert not task.check("The capital of Kenya is Mombasa.", kenya)
    colombia = by_country["What is the capital of Colombia?"]
    assert task.check("Bogota", colombia) and task.check("BOGOTÁ!", colombia)
    jamaica = by_country["What is the capital of Jamaica?"]
    assert not task.check("Kingstown", jamaica)  # Saint Vincent's capital, not Jamaica's Kingston


def test_elements_cover_the_periodic_table_and_read_the_last_symbol():
    task = get_task("elements", "smol")()
    items = task.examples("eval")
    assert len(items) == 118 and len({e.answer for e in items}) == 118
    sodium = next(e for e in items if e.answer == "Na")
    assert task.check("The chemical symbol of sodium is Na.", sodium)
    assert not task.check("The chemical symbol of sodium is N.", sodium)
    assert last_symbol("Gold is Au, from the Latin aurum.") == "Au"
    assert last_symbol("no symbol here") is None


def test_the_track_sizes_its_runs_and_keeps_other_tracks_as_they_are():
    from razorbench.runner.run import resolve

    _, _, smol = resolve("sft", "arith2", "smol", None, [])
    assert smol.trainer.precision == resolve_precision("auto", "auto") and smol.eval.samples_per_prompt == 2
    assert smol.task.prior_chat_template is False and smol.sampling.max_new_tokens == 32
    _, _, tiny = resolve("sft", "science", "tiny", None, [])
    assert tiny.trainer.precision == "32-true" and tiny.eval.samples_per_prompt == 4
    # An override still wins over the track's layer.
    _, _, overridden = resolve("sft", "arith2", "smol", None, ["trainer.precision=32-true"])
    assert overridden.trainer.precision == "32-true"


def test_auto_precision_is_bf16_only_where_the_hardware_has_it(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx2": True, "avx512_bf16": False})
    assert resolve_precision("auto", "cpu") == "32-true"
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True})
    assert resolve_precision("auto", "cpu") == "bf16-mixed"
    assert resolve_precision("16-mixed", "cpu") == "16-mixed"  # anything else is kept as given


def test_the_tracks_method_yamls_replace_the_methods_own_on_that_track_only():
    from razorbench.runner.run import resolve

    smol_sft = resolve("sft", "arith1-number", "smol", None, [])[2]
    tiny_sft = resolve("sft", "science", "tiny", None, [])[2]
    assert (smol_sft.optim.lr, smol_sft.trainer.max_steps) == (1e-4, 20)  # docs/SMOL-PRIORS.md, 3.7
    assert (tiny_sft.optim.lr, tiny_sft.trainer.max_steps) == (3e-4, 100)  # methods/sft.yaml, the tiny track's
    smol_rl = resolve("rl", "arith1-number", "smol", None, ["optim.lr=1e-5"])[2]
    assert (smol_rl.method.group_size, smol_rl.optim.lr) == (4, 1e-5)  # an override still wins
    # A method the track has no file for keeps its own YAML.
    assert (
        resolve("dpo", "arith1-number", "smol", None, [])[2].optim.lr
        == resolve("dpo", "science", "tiny", None, [])[2].optim.lr
    )


def test_one_digit_items_are_the_whole_set():
    task = get_task("arith1-number", "smol")()
    items = task.examples("eval") + task.examples("train")
    assert len(items) == 155 and len({e.prompt for e in items}) == 155
    assert all(e.prompt.endswith("Answer with the number only.") and e.answer == str(e.meta["result"]) for e in items)
