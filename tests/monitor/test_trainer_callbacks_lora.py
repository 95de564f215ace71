"""The transformers callback inside TRL's SFTTrainer and GRPOTrainer given a peft LoRA config (the trainers wrap the
model in a PeftModel, whose `base_model` is the LoRA wrapper, not the decoder): training runs, and the last check is
the exact forward KL of the merged model W + (α/r)·B·A on the same samples. SFT holds π0 as a log-probability table,
GRPO as a frozen copy of the PeftModel, and GRPO's monitor prompts are its dataset's conversations (TRL's format)."""

from __future__ import annotations

import pytest

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task, get_track
from razorbench.metrics.divergences import divergences
from razorbench.monitor.reference import MonitorSettings
from razorbench.monitor.transformers import ForwardKLTrainerCallback

STEPS = 3
# Same order of float rounding as the monitor's own test: the adapters' path x·A·B and the merged weight W + B·A
# round differently (~1e-7 relative on the logits); a KL of ~0.1 nats/sequence keeps it far below this.
TOLERANCE = 1e-4


def lora_config():
    from peft import LoraConfig

    return LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", lora_dropout=0.0, task_type="CAUSAL_LM")


def science():
    return get_task("science", "tiny")(get_task("science", "tiny").Config())


def sft_trainer(tmp_path, monitor):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    path = get_track("tiny").model
    rows = [{"messages": [{"role": "user", "content": e.prompt}, {"role": "assistant", "content": e.answer}]}
            for e in science().examples("train")[:32]]  # fmt: skip
    config = SFTConfig(output_dir=str(tmp_path), max_steps=STEPS, learning_rate=1e-2, per_device_train_batch_size=8,
                       save_strategy="no", report_to="none", use_cpu=True, seed=0)  # fmt: skip
    model, tokenizer, data = (
        AutoModelForCausalLM.from_pretrained(path),
        AutoTokenizer.from_pretrained(path),
        Dataset.from_list(rows),
    )
    return SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer,
                      peft_config=lora_config(), callbacks=[monitor])  # fmt: skip


def grpo_rows():
    return [{"prompt": [{"role": "user", "content": e.prompt}]} for e in science().examples("train")[:32]]


def grpo_trainer(tmp_path, monitor):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    def reward(completions, **kwargs):  # the length: any reward that differs within a group gives GRPO a gradient
        return [float(len(c[-1]["content"])) for c in completions]

    path = get_track("tiny").model
    config = GRPOConfig(output_dir=str(tmp_path), max_steps=STEPS, learning_rate=1e-2, per_device_train_batch_size=8,
                        num_generations=4, max_completion_length=16, save_strategy="no", report_to="none",
                        use_cpu=True, seed=0)  # fmt: skip
    model, data = AutoModelForCausalLM.from_pretrained(path), Dataset.from_list(grpo_rows())
    return GRPOTrainer(model=model, args=config, reward_funcs=reward, train_dataset=data,
                       processing_class=AutoTokenizer.from_pretrained(path), peft_config=lora_config(),
                       callbacks=[monitor])  # fmt: skip


def train_and_check_against_the_merged_model(trainer, monitor: ForwardKLTrainerCallback, cache: str) -> None:
    from peft import PeftModel

    assert isinstance(trainer.model, PeftModel)
    trainer.train()
    checks = monitor.monitor.checks
    assert monitor.monitor.reference.mode == cache
    assert [c["step"] for c in checks] == [0, 2, STEPS]
    assert abs(checks[0]["forward_kl"]) < 1e-5 and checks[-1]["forward_kl"] > 1e-2
    merged = Policy(trainer.model.merge_and_unload(), monitor.tokenizer)
    base = Policy.load(get_track("tiny").model)
    exact = divergences(base, merged, monitor.monitor.reference.samples, MonitorSettings())
    assert checks[-1]["forward_kl"] == pytest.approx(exact["forward_kl"], rel=TOLERANCE)
    assert checks[-1]["forward_kl_per_token"] == pytest.approx(exact["forward_kl_per_token"], rel=TOLERANCE)


@pytest.mark.slow  # ~30 s: TRL's import, a few LoRA steps
def test_sft_with_lora_trains_and_the_last_check_is_the_merged_models_exact_kl(tmp_path):
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(get_track("tiny").model)
    prompts = [e.prompt for e in science().examples("eval")[:6]]
    monitor = ForwardKLTrainerCallback(prompts, tokenizer, every=2, cache="logprobs")
    train_and_check_against_the_merged_model(sft_trainer(tmp_path, monitor), monitor, "logprobs")


@pytest.mark.slow  # ~40 s: TRL's import, sampling, a few LoRA steps
def test_grpo_with_lora_and_conversational_prompts_trains_and_the_last_check_is_the_merged_models_exact_kl(tmp_path):
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(get_track("tiny").model)
    prompts = [row["prompt"] for row in grpo_rows()[:6]]  # the dataset's own column: lists of messages
    monitor = ForwardKLTrainerCallback(prompts, tokenizer, every=2, cache="frozen_copy")
    train_and_check_against_the_merged_model(grpo_trainer(tmp_path, monitor), monitor, "frozen_copy")
