"""`decoder` and `output_head` reach the body and head of the tiny causal LM however it is wrapped (plain, PEFT,
torch.compile), so the exact KL and the drift metric run on a PeftModel as on the model it wraps."""

from __future__ import annotations

import pytest
import torch

from razorbench.api.model_parts import decoder, output_head, unwrap_model
from razorbench.api.registry import get_track


@pytest.fixture
def model():
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(get_track("tiny").model).eval()


def test_a_plain_model_is_its_own_unwrapped_model_and_its_decoder_is_its_base_model(model):
    assert unwrap_model(model) is model
    assert decoder(model) is model.model and output_head(model) is model.lm_head


def test_under_peft_the_decoder_runs_the_adapters_and_matches_the_merged_model(model):
    pytest.importorskip("peft")
    from peft import LoraConfig, get_peft_model

    wrapped = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False))
    # The LoRA wrapper is peft's own base_model: its output is the causal LM's (logits), not the body's.
    assert not hasattr(wrapped.base_model(input_ids=torch.tensor([[2, 3, 4]])), "last_hidden_state")
    ids = torch.tensor([[2, 3, 4, 5]])
    with torch.no_grad():
        hidden = decoder(wrapped)(input_ids=ids).last_hidden_state
        logits = output_head(wrapped)(hidden)
        merged = wrapped.merge_and_unload()
        torch.testing.assert_close(logits, merged(input_ids=ids).logits)
    assert not torch.allclose(hidden, torch.zeros_like(hidden))


def test_a_compiled_model_is_unwrapped_without_compiling(model):
    compiled = torch.compile(model)  # lazy: nothing compiles until it is called
    assert decoder(compiled) is model.model and output_head(compiled) is model.lm_head


def test_a_model_without_a_separate_body_is_refused_in_one_line():
    with pytest.raises(TypeError, match="no separate decoder body") as error:
        decoder(torch.nn.Linear(2, 2))
    assert "\n" not in str(error.value)
