"""LoRA through peft on the tiny track: `rl` and `sft` train adapters only, the record states them, the saved adapter
folder evaluates (`razorbench eval`, the base read once) to the run's own metrics, and bad settings are one line."""

import json

import pytest

pytest.importorskip("peft")

from razorbench.runner.checkpoint_eval import evaluate_checkpoints  # noqa: E402
from razorbench.runner.run import train_and_evaluate  # noqa: E402
from razorbench.util.errors import ConfigError  # noqa: E402

EVAL = ["eval.new_task_prompts=8", "eval.samples_per_prompt=2", "eval.kl_prompts=8", "eval.prior_limit=8"]
LORA = ["peft.lora.r=4", "peft.lora.alpha=8", "optim.lr=3e-3"]


@pytest.fixture
def places(tmp_path):
    return [f"output_dir={tmp_path / 'runs'}", f"cache_dir={tmp_path / 'cache'}"]


@pytest.mark.parametrize("method", ["rl", "sft"])
def test_a_lora_run_trains_adapters_and_states_them(method, places):
    overrides = [*EVAL, *places, *LORA, "trainer.max_steps=2", "data.batch_size=4", "save_model=true", "run_id=lora"]
    record, path = train_and_evaluate(method, "science", overrides=overrides, progress=False)
    lora = record["peft"]["lora"]
    assert (
        lora["r"] == 4 and lora["alpha"] == 8 and lora["target_modules"] == ["q_proj", "v_proj"]
    )  # peft's Llama default
    assert 0 < lora["trainable_parameters"] < lora["total_parameters"] / 10
    m = record["metrics"]
    assert m["weight_l2"] > 0  # the merged weights moved
    assert m["update_effective_rank"] <= 4  # ΔW = (α/r)·B·A has rank ≤ r (other matrices: ΔW = 0, rank 0)
    model = path.parent / "model"
    assert (model / "adapter_config.json").is_file() and not (model / "model.safetensors").exists()
    base = json.loads((model / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert base == record["base_model"]["path"]


def test_eval_of_an_adapter_folder_gives_the_runs_own_metrics_back(places):
    overrides = [*EVAL, *places, *LORA, "trainer.max_steps=2", "data.batch_size=4", "save_model=true", "run_id=lora"]
    run_record, path = train_and_evaluate("sft", "science", overrides=overrides, progress=False)
    [(record, _)], _ = evaluate_checkpoints([str(path.parent / "model")], "science", overrides=[*EVAL, *places])
    assert record["model"]["kind"] == "peft-adapter"
    assert record["model"]["sha256"] == run_record["saved_model"]["sha256"]
    assert record["base_model"] == run_record["base_model"]  # its base read from adapter_config.json
    ours, theirs = record["metrics"], run_record["metrics"]
    for key in ("new_task_accuracy", "prior_scores", "forgetting"):
        assert ours[key] == theirs[key], key
    for key, value in theirs.items():
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key


@pytest.mark.parametrize(
    "override, needle",
    [
        ("peft.lora.target_modules=[nope_proj]", "peft.lora.target_modules=['nope_proj']: Target modules"),
        ("peft.lora.r=-1", "peft.lora: r must be >= 0"),
    ],
)
def test_bad_lora_settings_are_one_line(override, needle, places):
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[").replace("]", r"\]")) as error:
        train_and_evaluate(
            "sft",
            "science",
            overrides=[*places, *EVAL, "trainer.max_steps=1", "peft.lora.r=4", override],
            progress=False,
        )
    assert "\n" not in str(error.value)


def test_a_saved_adapters_target_modules_are_sorted_whatever_order_peft_wrote(tmp_path):
    import json

    from razorbench.runner.export import sort_adapter_targets

    config = tmp_path / "adapter_config.json"
    config.write_text(json.dumps({"r": 4, "target_modules": ["v_proj", "q_proj", "k_proj"]}))
    sort_adapter_targets(config)
    assert json.loads(config.read_text()) == {"r": 4, "target_modules": ["k_proj", "q_proj", "v_proj"]}
    first = config.read_bytes()
    config.write_text(json.dumps({"target_modules": ["q_proj", "k_proj", "v_proj"], "r": 4}))
    sort_adapter_targets(config)
    assert config.read_bytes() == first  # the same adapter, the same bytes
