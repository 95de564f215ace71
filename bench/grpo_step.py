"""GRPO step time: razorbench's `rl`, TRL's `GRPOTrainer` and bare PyTorch loops, on one configuration.

    python bench/grpo_step.py [--config tiny|large|both] [--steps 4] [--warmup 2] [--rounds 3] [--threads 1]

TRL is a bench-only extra (`pip install -e ".[bench]"`); without it the TRL rows are skipped with a message.

One GRPO configuration, run by each framework on the same files: the same model (the embedded tiny model, or for
`large` a random-init Llama of hidden size 256 and 4 layers with the same tokenizer, saved to a temporary folder),
the same training prompts (the `science` task's train split), P prompts x G completions per step, every
completion exactly L tokens long (min_new_tokens = max_new_tokens = L: the EOS logit is masked until L, so all
do the same work; the bench checks every length), temperature 1, beta = 0 (no reference model), Dr. GRPO loss,
one AdamW step per batch (lr 3e-4, no decay), gradient-norm clipping at 1, float32, the same torch thread count
(`--threads`, default 1; a real run uses torch's default), the task's checker as the reward.

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
from pathlib import Path

import torch
from _grpo_bare import run_bare, run_bare_full  # bench/ is on sys.path when a script here runs
from _grpo_razorbench import run_razorbench
from _grpo_setup import Setup, StepTimes, make_large_model, smol_model_dir, train_examples
from _grpo_trl import run_trl, trl_available
from _machine import cpu_name

from razorbench.api.policy import Policy
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR

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
    examples = train_examples(setup, max(64, setup.prompts * (args.warmup + args.steps)))
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

    examples = train_examples(setup, max(64, setup.prompts * (args.warmup + args.steps)))
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
    parser.add_argument("--config", choices=["tiny", "large", "smol", "both"], default="both", help="both: tiny, large")
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
        if args.config == "smol":  # the smol track's rl: 8 prompts x 4 samples of up to 32 tokens, arith1-number
            setups.append(Setup("smol", smol_model_dir(), 8, 4, 32, task="arith1-number", track="smol"))
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
