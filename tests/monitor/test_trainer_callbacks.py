"""The monitor as a transformers TrainerCallback, inside transformers' Trainer and TRL's SFTTrainer on the tiny model:
checks at 0, every N and the last step, 0 at step 0, the last one equal to `divergences` from a frozen π0 on the same
samples, and training unchanged by it (the same weights with and without the callback)."""

from __future__ import annotations

import pytest
import torch

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task, get_track
from razorbench.metrics.divergences import divergences
from razorbench.monitor.forecast import shipped_law
from razorbench.monitor.reference import MonitorSettings
from razorbench.monitor.transformers import ForwardKLTrainerCallback

STEPS = 3


def conversations():
    task = get_task("science", "tiny")(get_task("science", "tiny").Config())
    rows = [{"messages": [{"role": "user", "content": e.prompt}, {"role": "assistant", "content": e.answer}]}
            for e in task.examples("train")[:32]]  # fmt: skip
    return rows, [e.prompt for e in task.examples("eval")[:6]]


def sft_trainer(tmp_path, callbacks):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    path = get_track("tiny").model
    rows, _ = conversations()
    config = SFTConfig(output_dir=str(tmp_path), max_steps=STEPS, learning_rate=1e-3, per_device_train_batch_size=8,
                       save_strategy="no", report_to="none", use_cpu=True, seed=0, logging_steps=1)  # fmt: skip
    model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    data = Dataset.from_list(rows)
    return SFTTrainer(model=model, args=config, callbacks=callbacks, train_dataset=data, processing_class=tokenizer)


@pytest.mark.slow  # ~35 s: TRL's import, and two trainings to compare
def test_the_callback_runs_inside_trls_sft_trainer_without_changing_training(tmp_path):
    pytest.importorskip("trl")
    from transformers import AutoTokenizer

    _, prompts = conversations()
    tokenizer = AutoTokenizer.from_pretrained(get_track("tiny").model)
    monitor = ForwardKLTrainerCallback(prompts, tokenizer, every=2, law=shipped_law("tiny", "science"))
    trainer = sft_trainer(tmp_path / "a", [monitor])
    monitor.attach(trainer)
    trainer.train()
    checks = monitor.monitor.checks
    assert [c["step"] for c in checks] == [0, 2, STEPS]
    assert abs(checks[0]["forward_kl"]) < 1e-5 and checks[-1]["forward_kl"] > 0
    assert checks[-1]["forgetting_low"] <= checks[-1]["forgetting"] <= checks[-1]["forgetting_high"]
    logged = [h for h in trainer.state.log_history if "monitor/forward_kl" in h]
    assert [h["step"] for h in logged] == [0, 2, STEPS]
    reference = Policy.load(get_track("tiny").model)
    trained = Policy(trainer.model, tokenizer)
    exact = divergences(reference, trained, monitor.monitor.reference.samples, MonitorSettings())
    assert checks[-1]["forward_kl"] == pytest.approx(exact["forward_kl"], rel=1e-5)
    # The same training without the monitor ends at the same weights.
    plain = sft_trainer(tmp_path / "b", [])
    plain.train()
    for (name, a), b in zip(trainer.model.state_dict().items(), plain.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_the_callback_runs_inside_a_transformers_trainer_and_stops_at_a_budget(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

    path = get_track("tiny").model
    tokenizer = AutoTokenizer.from_pretrained(path)
    _, prompts = conversations()
    ids = [tokenizer(p + " answer")["input_ids"] for p in prompts * 4]
    data = [{"input_ids": i, "labels": i} for i in ids]
    monitor = ForwardKLTrainerCallback(prompts, tokenizer, every=1, kl_budget=0.0, action="stop")
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=5, learning_rate=1e-3, per_device_train_batch_size=1,
                             report_to="none", use_cpu=True, save_strategy="steps", save_steps=100)  # fmt: skip
    model = AutoModelForCausalLM.from_pretrained(path)
    trainer = Trainer(model=model, args=args, train_dataset=data, callbacks=[monitor])
    trainer.train()
    # Step 0 measures 0 (not past a budget of 0); the first update moves the policy past it: stop there, saved.
    assert [c["step"] for c in monitor.monitor.checks] == [0, 1]
    assert monitor.monitor.crossing["step"] == 1 and trainer.state.global_step == 1
    assert (tmp_path / "checkpoint-1").is_dir()
