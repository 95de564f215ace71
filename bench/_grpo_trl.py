"""The GRPO step bench's TRL runner: `GRPOTrainer` on the same configuration (`bench/grpo_step.py` says how it
is set and timed). TRL is a bench-only extra."""

from __future__ import annotations

import tempfile
import time

# bench/ is on sys.path when a script there runs: its modules import each other by name.
from _grpo_setup import CLIP, EPSILON, LR, TEMPERATURE, Setup, StepTimes, bench_task, load_policy

from razorbench.api.task import Example


def trl_available() -> str | None:
    """None when TRL imports, else why not."""
    try:
        import trl  # noqa: F401
    except ImportError as e:
        return f"TRL is not installed ({e}); `pip install -e '.[bench]'` adds it"
    return None


def run_trl(setup: Setup, total_steps: int, examples: list[Example], seed: int) -> StepTimes:
    from datasets import Dataset
    from transformers import PrinterCallback, TrainerCallback
    from transformers.utils import logging as hf_logging
    from trl import GRPOConfig, GRPOTrainer

    hf_logging.set_verbosity_error()
    task = bench_task(setup)
    policy = load_policy(setup)
    dataset = Dataset.from_list(
        [{"prompt": [{"role": "user", "content": e.prompt}], "example": i} for i, e in enumerate(examples)]
    )

    def science_reward(prompts, completions, example, **kwargs) -> list[float]:
        return [task.reward(c[0]["content"], examples[i]) for c, i in zip(completions, example, strict=True)]

    times = StepTimes([], [], [])
    generation = [0.0]

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == 0:
                self.last, self.last_cpu = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kwargs):
            now, cpu = time.perf_counter(), time.process_time()
            times.step.append(now - self.last)
            times.cpu.append(cpu - self.last_cpu)
            times.generation.append(generation[0])
            generation[0] = 0.0
            self.last, self.last_cpu = now, cpu

    with tempfile.TemporaryDirectory() as out:
        config = GRPOConfig(
            output_dir=out,
            use_cpu=True,
            seed=seed,
            data_seed=seed,
            max_steps=total_steps,
            per_device_train_batch_size=setup.prompts * setup.group,
            gradient_accumulation_steps=1,
            steps_per_generation=1,
            num_iterations=1,
            num_generations=setup.group,
            max_completion_length=setup.tokens,
            generation_kwargs={"min_new_tokens": setup.tokens},
            temperature=TEMPERATURE,
            top_p=1.0,
            top_k=0,
            repetition_penalty=1.0,
            beta=0.0,
            epsilon=EPSILON,
            loss_type="dr_grpo",
            scale_rewards="none",
            learning_rate=LR,
            lr_scheduler_type="constant",
            warmup_steps=0,
            weight_decay=0.0,
            max_grad_norm=CLIP,
            bf16=False,
            fp16=False,
            logging_steps=1,
            report_to="none",
            save_strategy="no",
            disable_tqdm=True,
            dataloader_num_workers=0,
        )
        trainer = GRPOTrainer(
            model=policy.model,
            reward_funcs=science_reward,
            args=config,
            train_dataset=dataset,
            processing_class=policy.tokenizer,
            callbacks=[Timer()],
        )
        trainer.remove_callback(PrinterCallback)  # it prints every step's logs; the logging itself still runs
        generate = trainer._generate

        def timed_generate(*args, **kwargs):
            began = time.perf_counter()
            out = generate(*args, **kwargs)
            generation[0] += time.perf_counter() - began
            times.lengths.update(len(ids) for ids in out[1])  # (prompt_ids, completion_ids, ...)
            return out

        trainer._generate = timed_generate
        trainer.train()
    return times
