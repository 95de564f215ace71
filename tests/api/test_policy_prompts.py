"""Prompts as strings or as conversations ({"role", "content"} messages, TRL's conversational format) through the
tokenizer's chat template; anything else refused in one line that says what to pass."""

from __future__ import annotations

import pytest

from razorbench.api.policy import Policy
from razorbench.api.registry import get_track
from razorbench.monitor.transformers import ForwardKLTrainerCallback


@pytest.fixture(scope="module")
def policy():
    return Policy.load(get_track("tiny").model)


def test_a_one_turn_conversation_is_the_string_prompt(policy):
    prompt = "What is the boiling point of water?"
    assert policy.prompt_ids([{"role": "user", "content": prompt}]) == policy.prompt_ids(prompt)


def test_a_conversation_renders_every_turn_and_is_kept_apart_from_a_string_prompt(policy):
    turns = [
        {"role": "user", "content": "Name a metal."},
        {"role": "assistant", "content": "Iron."},
        {"role": "user", "content": "Another?"},
    ]
    ids = policy.prompt_ids(turns)
    text = policy.tokenizer.decode(ids)
    assert all(t["content"] in text for t in turns)
    assert ids != policy.prompt_ids("Another?")


@pytest.mark.parametrize(
    "prompt",
    [("user", "hi"), [("user", "hi")], {"role": "user", "content": "hi"}, [], [{"content": "hi"}], 7],
)
def test_anything_else_is_refused_in_one_line_naming_what_to_pass(policy, prompt):
    with pytest.raises(TypeError, match='a string .* or a list of {"role", "content"} messages') as error:
        policy.prompt_ids(prompt)
    assert "\n" not in str(error.value)


def test_the_trainer_callback_refuses_bad_prompts_before_training(policy):
    with pytest.raises(TypeError, match="pass a list of prompts"):
        ForwardKLTrainerCallback("one prompt", policy.tokenizer)
    with pytest.raises(TypeError, match='{"role", "content"} messages') as error:
        ForwardKLTrainerCallback(["fine", [("user", "hi")]], policy.tokenizer)
    assert "\n" not in str(error.value)
    conversations = [[{"role": "user", "content": "hi"}]]
    assert ForwardKLTrainerCallback(iter(conversations), policy.tokenizer).prompts == conversations
