"""The GRPO step bench's razorbench runner: `rl` (GRPO + HFSampler) in a Lightning Trainer built as
`razorbench run` builds it (`bench/grpo_step.py` says what is timed)."""

from __future__ import annotations

import tempfile
import time

# bench/ is on sys.path when a script there runs: its modules import each other by name.
from _grpo_setup import CLIP, LR, TEMPERATURE, Setup, StepTimes, bench_task, load_policy

from razorbench.api.task import Example


def run_razorbench(setup: Setup, total_steps: int, examples: list[Example], seed: int) -> StepTimes:
    import lightning as L
    from lightning.pytorch.callbacks import Callback
    from lightning.pytorch.loggers import CSVLogger

    from razorbench.api.method import TrainSettings
    from razorbench.api.task import Task
    from razorbench.methods.rl import GRPO, GRPOConfig
    from razorbench.runner.callbacks import FiniteGuard, RNGState
    from razorbench.runner.phases import quiet_lightning
    from razorbench.sampling.hf import HFSampler

    class Prompts(Task):
        """The science task limited to the bench's prompts (the same ones TRL and the bare loop draw)."""

        def __init__(self, task: Task) -> None:
            super().__init__()
            self.task = task
            self.registry_name = task.registry_name

        def examples(self, split: str) -> list[Example]:
            return list(examples)

        def check(self, response: str, example: Example) -> bool:
            return self.task.check(response, example)

    times = StepTimes([], [], [])
    generation = [0.0]

    class Timer(Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
            if batch_idx == 0:
                self.last, self.last_cpu = time.perf_counter(), time.process_time()
            generation[0] = 0.0

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            now, cpu = time.perf_counter(), time.process_time()
            times.step.append(now - self.last)
            times.cpu.append(cpu - self.last_cpu)
            times.generation.append(generation[0])
            self.last, self.last_cpu = now, cpu

    quiet_lightning()
    L.seed_everything(seed, verbose=False)
    policy = load_policy(setup)
    sampler = HFSampler(policy)
    generate = sampler.generate

    def timed_generate(*args, **kwargs):
        began = time.perf_counter()
        samples = generate(*args, **kwargs)
        generation[0] += time.perf_counter() - began
        times.lengths.update(len(r) for r in samples.response_ids)
        return samples

    sampler.generate = timed_generate
    module = GRPO(
        policy,
        Prompts(bench_task(setup)),
        sampler,
        None,
        config=GRPOConfig(group_size=setup.group),
        settings=TrainSettings(
            lr=LR, batch_size=setup.prompts, max_new_tokens=setup.tokens, temperature=TEMPERATURE, data_seed=seed
        ),
    )
    with tempfile.TemporaryDirectory() as logs:
        trainer = L.Trainer(
            max_steps=total_steps,
            max_epochs=-1,
            accelerator="cpu",
            devices=1,
            precision="32-true",
            gradient_clip_val=CLIP,
            log_every_n_steps=1,
            logger=CSVLogger(logs, name="logs"),
            use_distributed_sampler=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=[FiniteGuard(), RNGState(), Timer()],
            default_root_dir=logs,
        )
        policy.model.train()
        trainer.fit(module)
    return times
