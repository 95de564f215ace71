"""GRPO step time: razorbench's `rl`, TRL's `GRPOTrainer` and bare PyTorch loops, on one configuration.

    python bench/grpo_step.py [--config tiny|large|both] [--steps 4] [--warmup 2] [--rounds 3] [--threads 1]

TRL is a bench-only extra (`pip install -e ".[bench]"`); without it the TRL rows are skipped with a message.

One GRPO configuration, run by each framework on the same files: the same model (the embedded tiny model, or for
`large` a random-init Llama of hidden size 256 and 4 layers with the same tokenizer, saved to a temporary folder),
the same training prompts (the `science` task's train split), P prompts x G completions per step, every
completion exactly L tokens long (min_new_tokens = max_new_tokens = L: the EOS logit is masked until L, so all
do the same work; the bench checks every length), temperature 1, beta = 0 (no reference model), Dr. GRPO loss,
one AdamW step per batch (lr 3e-4, no decay), gradient-norm clipping at 1, float32, the same torch thread count
(`--threads`, default 1; a real run uses torch's default), the task's verifier as the reward.

- razorbench: `GRPO` + `HFSampler` driven by a Lightning `Trainer` built as `razorbench run` builds it
  (CSVLogger, log every step, FiniteGuard, RNGState, no progress bar as with `--no-progress`; the checkpoint
  written every 10 steps is left out). A step is the time between two `on_train_batch_end` calls;
  generation is the time inside `sampler.generate` (prompts in, decoded texts out).
- TRL: `GRPOTrainer` with num_iterations = 1, gradient_accumulation_steps = steps_per_generation = 1,
  per_device_train_batch_size = P*G, num_generations = G, loss_type "dr_grpo", scale_rewards "none", constant lr,
  logging every step, no saving, no reporting. A step is the time between two `on_step_end` calls;
  generation is the time inside `GRPOTrainer._generate` (chat template, tokenise, `generate`, decode), wrapped
  on the trainer instance (TRL's own timers only report to wandb/mlflow/trackio).
- bare: no framework: a hand-written KV-cached sampling loop over the HF model (`DynamicCache`), decode and
  rewards, one forward for the log-probabilities, the loss, backward, clipping, one AdamW step; each prompt's
  forward runs once and its keys and values are repeated for its G responses, in sampling and in training, as
  razorbench does (`Policy.prompt_cache`). razorbench / bare is what razorbench and Lightning add to that.
- bare-full: the same loop with every one of the P*G rows running its own prompt, the arithmetic of TRL (and of
  razorbench before it shared prompts). TRL / bare-full is what TRL adds to it.

Each round runs every framework in turn (the order rotates per round), each from a fresh load of the model, for
warm-up + `--steps` steps; the warm-up steps are dropped, and each cell is the median over all rounds' kept
steps. "fwd/bwd+opt" is step minus generation: rewards, the training forward/backward, the optimizer step and the
framework's own per-step overhead. "CPU s" is this process's CPU time per step: with one thread it is the work
done, and other jobs on the machine barely move it, where they stretch the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from _machine import cpu_name  # bench/ is on sys.path when a script here runs

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task
from razorbench.api.task import Example
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR

LR = 3e-4
TEMPERATURE = 1.0
CLIP = 1.0
EPSILON = 0.2


@dataclass
class Setup:
    name: str
    model_dir: str
    prompts: int  # P
    group: int  # G
    tokens: int  # L


@dataclass
class StepTimes:
    step: list[float]
    generation: list[float]
    cpu: list[float]
    lengths: set[int] = field(default_factory=set)  # response lengths seen (all should be L)


def make_large_model(folder: Path) -> str:
    """A random-init Llama of hidden 256, 4 layers (~3.2M parameters) with the tiny model's tokenizer, saved."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Writing model shards"
    tokenizer = AutoTokenizer.from_pretrained(TINY_MODEL_DIR)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=768,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=4,
        head_dim=32,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
        rms_norm_eps=1e-6,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def train_examples(count: int) -> list[Example]:
    return get_task("science", "tiny")().examples("train")[:count]


def load_policy(setup: Setup) -> Policy:
    policy = Policy.load(setup.model_dir)
    # Every response runs to exactly L tokens: generate masks EOS until min_new_tokens (all three do the same).
    policy.model.generation_config.min_new_tokens = setup.tokens
    return policy


# --- razorbench -----------------------------------------------------------------------------------------------


def run_razorbench(setup: Setup, total_steps: int, examples: list[Example], seed: int) -> StepTimes:
    import lightning as L
    from lightning.pytorch.callbacks import Callback
    from lightning.pytorch.loggers import CSVLogger

    from razorbench.api.method import TrainSettings
    from razorbench.api.task import Task
    from razorbench.methods.rl import GRPO, GRPOConfig
    from razorbench.runner.lifecycle import FiniteGuard, RNGState
    from razorbench.runner.run import _quiet_lightning
    from razorbench.sampling.hf import HFSampler

    class Prompts(Task):
        """The science task limited to the bench's prompts (the same ones TRL and the bare loop draw)."""

        def __init__(self, task: Task) -> None:
            super().__init__()
            self.task = task
            self.registry_name = task.registry_name

        def examples(self, split: str) -> list[Example]:
            return list(examples)

        def verify(self, response: str, example: Example) -> bool:
            return self.task.verify(response, example)

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

    _quiet_lightning()
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
        Prompts(get_task("science", "tiny")()),
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


# --- TRL ------------------------------------------------------------------------------------------------------


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
    task = get_task("science", "tiny")()
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


# --- bare PyTorch ---------------------------------------------------------------------------------------------


def run_bare(setup: Setup, total_steps: int, examples: list[Example], seed: int, shared: bool = True) -> StepTimes:
    """A hand-written GRPO step on the HF model. `shared`: each prompt's forward runs once and its keys and values
    are repeated for its G responses, in sampling and in training (razorbench's arithmetic); else every one of the
    P*G rows runs its own prompt (TRL's)."""
    from transformers import DynamicCache

    torch.manual_seed(seed)
    task = get_task("science", "tiny")()
    policy = load_policy(setup)
    model, tokenizer = policy.model, policy.tokenizer
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    pad, eos, P, G, T = policy.pad_token_id, policy.eos_token_id, setup.prompts, setup.group, setup.tokens
    prompt_ids = [policy.prompt_ids(e.prompt) for e in examples]  # tokenised once, as razorbench caches them
    order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(seed)).tolist()
    times = StepTimes([], [], [])

    def prompt_forward(ids: torch.Tensor, mask: torch.Tensor):
        """(last-column logits, cache) of left-padded prompts, once per prompt when shared."""
        if shared:
            ids, mask = ids[::G], mask[::G]
        cache = DynamicCache(config=model.config)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache).logits
        logits = logits[:, -1]
        if shared:
            cache.batch_repeat_interleave(G)
            logits = logits.repeat_interleave(G, dim=0)
        return logits, cache

    for step in range(total_steps):
        began, began_cpu = time.perf_counter(), time.process_time()
        batch = [order[(step * P + k) % len(order)] for k in range(P)]
        rows = [prompt_ids[i] for i in batch for _ in range(G)]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, width - len(r) :] = torch.tensor(r)
            mask[i, width - len(r) :] = 1
        lengths = mask.sum(-1, keepdim=True)
        # KV-cached sampling, EOS masked so every response is T tokens.
        model.eval()
        with torch.no_grad():
            logits, cache = prompt_forward(ids, mask)
            tokens, seen = [], mask
            for t in range(T):
                logits[:, eos] = float("-inf")
                token = torch.multinomial(torch.softmax(logits / TEMPERATURE, dim=-1), 1)
                tokens.append(token)
                if t == T - 1:
                    break
                seen = torch.cat([seen, torch.ones_like(token)], dim=1)
                logits = model(
                    input_ids=token, attention_mask=seen, position_ids=lengths + t, past_key_values=cache
                ).logits[:, -1]
        model.train()
        response = torch.cat(tokens, dim=1)
        times.lengths.add(response.shape[1])
        texts = tokenizer.batch_decode(response.tolist(), skip_special_tokens=True)
        generated = time.perf_counter() - began
        rewards = torch.tensor([task.reward(text, examples[batch[i // G]]) for i, text in enumerate(texts)])
        grouped = rewards.view(P, G)
        advantages = (grouped - grouped.mean(dim=1, keepdim=True)).view(-1, 1)
        # One forward for the log-probabilities of the response tokens: the prompt (from which the first response
        # token is predicted), then the responses on its cache.
        first, cache = prompt_forward(ids, mask)
        rest = model(
            input_ids=response[:, :-1],
            attention_mask=torch.cat([mask, torch.ones_like(response[:, :-1])], dim=1),
            position_ids=lengths + torch.arange(T - 1),
            past_key_values=cache,
        ).logits
        logits = torch.cat([first.unsqueeze(1), rest], dim=1)
        logp = torch.gather(logits, -1, response.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        ratio = torch.exp(logp - logp.detach())
        surrogate = torch.min(ratio * advantages, torch.clamp(ratio, 1 - EPSILON, 1 + EPSILON) * advantages)
        loss = -surrogate.sum() / (len(rows) * T)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.step.append(time.perf_counter() - began)
        times.cpu.append(time.process_time() - began_cpu)
        times.generation.append(generated)
    return times


def run_bare_full(setup: Setup, total_steps: int, examples: list[Example], seed: int) -> StepTimes:
    return run_bare(setup, total_steps, examples, seed, shared=False)


# --- driver ---------------------------------------------------------------------------------------------------

RUNNERS = {"razorbench": run_razorbench, "TRL": run_trl, "bare": run_bare, "bare-full": run_bare_full}


@contextlib.contextmanager
def _quiet():
    """Silence the frameworks' per-run chatter (warnings, Lightning's tips) so the table stays readable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def bench(setup: Setup, frameworks: list[str], args: argparse.Namespace) -> dict[str, StepTimes]:
    examples = train_examples(max(64, setup.prompts * (args.warmup + args.steps)))
    kept = {name: StepTimes([], [], []) for name in frameworks}  # lengths are checked per run
    for round_ in range(args.rounds):
        shift = round_ % len(frameworks)
        for name in frameworks[shift:] + frameworks[:shift]:
            with _quiet():
                times = RUNNERS[name](setup, args.warmup + args.steps, examples, seed=round_)
            if len(times.step) != args.warmup + args.steps:
                raise RuntimeError(f"{name} ran {len(times.step)} steps, not {args.warmup + args.steps}")
            if times.lengths != {setup.tokens}:
                raise RuntimeError(f"{name} sampled responses of {sorted(times.lengths)} tokens, not {setup.tokens}")
            for part in ("step", "generation", "cpu"):
                getattr(kept[name], part).extend(getattr(times, part)[args.warmup :])
            print(
                f"  {setup.name} round {round_ + 1}/{args.rounds} {name}: "
                + " ".join(f"{s:.3f}" for s in times.step[args.warmup :])
                + " s",
                flush=True,
            )
    return kept


def profile_razorbench(setup: Setup, args: argparse.Namespace, top: int = 15) -> None:
    """One razorbench run of warm-up + timed steps under cProfile: the functions with the most time of their own,
    and the share of all time spent inside torch's compiled code (kernels, autograd) rather than Python."""
    import cProfile
    import pstats

    examples = train_examples(max(64, setup.prompts * (args.warmup + args.steps)))
    profiler = cProfile.Profile()
    with _quiet():
        profiler.runcall(run_razorbench, setup, args.warmup + args.steps, examples, 0)
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # own time of every function
    native = sum(row[2] for (file, _, name), row in stats.stats.items() if file == "~" and "torch" in name.lower())
    print(f"\n{setup.name}: cProfile of one razorbench run ({args.warmup + args.steps} steps), {total:.2f} s own time;")
    print(f"torch's built-in functions (kernels, autograd) {100 * native / total:.0f}% of it. Top {top} by own time:")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", choices=["tiny", "large", "both"], default="both")
    parser.add_argument("--steps", type=int, default=4, help="timed steps per framework per round")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps at the start of each run (>= 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for all frameworks")
    parser.add_argument("--frameworks", default=",".join(RUNNERS), help="comma-separated subset")
    parser.add_argument("--profile", action="store_true", help="then profile one razorbench run per config")
    args = parser.parse_args()
    if args.warmup < 1:
        parser.error("--warmup must be >= 1: the first step pays one-time costs")
    torch.set_num_threads(args.threads)
    frameworks = [f for f in args.frameworks.split(",") if f]
    if unknown := set(frameworks) - set(RUNNERS):
        parser.error(f"unknown frameworks {sorted(unknown)}; valid: {', '.join(RUNNERS)}")
    if "TRL" in frameworks and (why := trl_available()):
        print(f"skipping TRL: {why}")
        frameworks.remove("TRL")

    began = time.perf_counter()
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs, torch {torch.__version__}, threads {args.threads}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(f"{args.rounds} rounds x {args.steps} timed steps (after {args.warmup} warm-up) per framework\n")
    results: dict[tuple[str, str], StepTimes] = {}
    with tempfile.TemporaryDirectory() as folder:
        setups = []
        if args.config in ("tiny", "both"):
            setups.append(Setup("tiny", str(TINY_MODEL_DIR), prompts=8, group=8, tokens=24))
        if args.config in ("large", "both"):
            setups.append(Setup("large", make_large_model(Path(folder) / "large"), prompts=8, group=8, tokens=64))
        sizes = {}
        for setup in setups:
            sizes[setup.name] = sum(p.numel() for p in Policy.load(setup.model_dir).model.parameters())
            for name, times in bench(setup, frameworks, args).items():
                results[setup.name, name] = times
        if args.profile:
            for setup in setups:
                profile_razorbench(setup, args)

    print(
        "\n| config | framework | step s | generation s | fwd/bwd+opt s | CPU s | step vs razorbench |"
    )  # vs the first without razorbench
    print("|--|--|--:|--:|--:|--:|--:|")
    for setup in setups:
        label = (
            f"{setup.name} ({sizes[setup.name] / 1e6:.2f}M, {setup.prompts}x{setup.group} completions "
            f"of {setup.tokens} tokens)"
        )
        ref = "razorbench" if "razorbench" in frameworks else frameworks[0]
        base = statistics.median(results[setup.name, ref].step)
        for name in frameworks:
            t = results[setup.name, name]
            step, gen = statistics.median(t.step), statistics.median(t.generation)
            rest = statistics.median([s - g for s, g in zip(t.step, t.generation, strict=True)])
            print(
                f"| {label} | {name} | {step:.3f} | {gen:.3f} | {rest:.3f} | {statistics.median(t.cpu):.3f} | "
                f"{step / base:.2f}x |"
            )
    print()
    pairs = [("TRL", "razorbench"), ("razorbench", "bare"), ("TRL", "bare-full")]
    for setup in setups:
        wall = {name: statistics.median(results[setup.name, name].step) for name in frameworks}
        cpu = {name: statistics.median(results[setup.name, name].cpu) for name in frameworks}
        ratios = [
            f"{a} / {b} = {wall[a] / wall[b]:.2f} (CPU {cpu[a] / cpu[b]:.2f})"
            for a, b in pairs
            if a in wall and b in wall
        ]
        print(f"{setup.name}: " + ", ".join(ratios))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}; bench took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
