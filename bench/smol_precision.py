"""float32 against bf16 autocast on the smol track's base (SmolLM2-135M), phase by phase, the training step's useful
FLOP/s against this CPU's measured matrix-multiply rate, and how far bf16 would move the numbers razorbench computes
in float32 (the exact forward KL, a log-likelihood prior's choices).

    python bench/smol_precision.py --data-dir ../shared/data [--tuned DIR] [--batch 4] [--rounds 2] [--docs 20]

Phases, each in both precisions, alternating which goes first per round; the first round is an untimed warm-up, each
cell the median wall time of the other `--rounds`:
- train step: `sft`'s forward and backward (no optimizer step) on `--batch` arith1-number prompts packed with their
  answers, the LM head on the answer positions only (`trainer.head_on_targets_only`, the track's setting);
- forward: the same batch's log-probabilities without gradients;
- generate: `--batch` arith1-number prompts, 16 new tokens each, sampled by the HF sampler (KV cache), every response
  run to its full length.

Useful FLOPs of the train step: 6 x the non-embedding parameters x the tokens, plus 6 x the head (vocabulary x
hidden) x the answer positions (attention over ~50 tokens is left out: < 1%). The rate is set against a float32
1024 x 1024 matrix multiply timed here with the same threads (the attainable peak) and the bf16 one.

bf16 against float32 on the same inputs: the exact forward KL between the base and `--tuned` (default: a copy of the
base with layer 0's MLP output weights scaled by 1.5, a policy that differs everywhere) on `--batch` responses the
base sampled, and HellaSwag's per-document acc_norm and log-likelihoods on its first `--docs` documents through
lm-eval (razorbench's scorer), each computed once in float32 and once under bf16 autocast.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _machine import cpu_name, gemm_gflops, timed  # bench/ is on sys.path when a script here runs
from sft_head import arith_batch, sft_step, useful_flops

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task, get_track
from razorbench.tasks.paper.config import PaperTaskConfig
from razorbench.util.hardware import native_bf16

NEW_TOKENS = 16


def autocast(bf16: bool) -> torch.autocast:
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)


def phase_times(policy: Policy, rounds: int, batch_size: int) -> dict[str, dict[bool, float]]:
    """Median seconds of each phase in float32 (False) and bf16 autocast (True)."""
    from razorbench.sampling import build_sampler

    batch = arith_batch(policy, batch_size)
    prompts = [e.prompt for e in get_task("arith1-number", "smol")(PaperTaskConfig()).examples("eval")[:batch_size]]
    sampler = build_sampler("hf", policy)
    policy.model.generation_config.min_new_tokens = NEW_TOKENS  # every response does the same work

    def forward(bf16: bool) -> None:
        with torch.no_grad(), autocast(bf16):
            policy.token_logprobs(batch)

    def generate(bf16: bool) -> None:
        with autocast(bf16):
            sampler.generate(prompts, n=1, max_new_tokens=NEW_TOKENS, temperature=1.0, seed=0)

    phases = {
        "train step": lambda bf16: sft_step(policy, batch, bf16),
        "forward": forward,
        "generate": generate,
    }
    seconds: dict[str, dict[bool, list[float]]] = {name: {False: [], True: []} for name in phases}
    for round_ in range(rounds + 1):
        for bf16 in (False, True) if round_ % 2 == 0 else (True, False):
            for name, work in phases.items():
                policy.model.train(name == "train step")
                took = timed(lambda work=work, bf16=bf16: work(bf16))
                print(f"  round {round_} {'bf16' if bf16 else 'f32 '} {name}: {took:.2f} s", flush=True)
                if round_ > 0:
                    seconds[name][bf16].append(took)
    policy.model.generation_config.min_new_tokens = None
    policy.model.eval()
    return {name: {k: statistics.median(v) for k, v in by.items()} for name, by in seconds.items()}


def kl_difference(base: Policy, tuned: Policy, batch_size: int) -> tuple[float, float, float]:
    """(mean float32 forward KL per sequence, mean bf16, largest relative difference of a sequence) on responses the
    base samples for arith1-number's first eval prompts."""
    from razorbench.metrics.kl import sequence_forward_kl
    from razorbench.sampling import build_sampler

    examples = get_task("arith1-number", "smol")(PaperTaskConfig()).examples("eval")[:batch_size]
    out = build_sampler("hf", base).generate(
        [e.prompt for e in examples], n=1, max_new_tokens=32, temperature=1.0, seed=1
    )
    batch = base.pack(out.prompt_ids, out.response_ids)
    kls = {}
    for bf16 in (False, True):
        with autocast(bf16):
            kls[bf16] = sequence_forward_kl(base, tuned, batch).double()
    relative = ((kls[True] - kls[False]).abs() / kls[False].abs().clamp_min(1e-12)).max()
    return float(kls[False].mean()), float(kls[True].mean()), float(relative)


def prior_difference(policy: Policy, data_dir: Path, docs: int) -> tuple[float, float, int, float]:
    """HellaSwag on the first `docs` documents in float32 and under bf16 autocast: (acc_norm f32, acc_norm bf16,
    documents whose acc_norm changed, largest change of a choice's log-likelihood)."""
    from omegaconf import OmegaConf

    from razorbench.sampling import build_sampler

    config = OmegaConf.create({"data_dir": str(data_dir), "prior_chat_template": False})
    prior = get_task("hellaswag", "smol")(config)
    sampler = build_sampler("hf", policy)
    scores, loglik = {}, {}
    for bf16 in (False, True):
        captured: list[float] = []
        original = prior.to_prior_score

        def keep(name, results, fit, captured=captured, original=original):
            for samples in results["samples"].values():
                for sample in samples:
                    captured.extend(float(r[0]) for r in sample["filtered_resps"])
            return original(name, results, fit)

        prior.to_prior_score = keep
        with autocast(bf16):
            scores[bf16] = prior.score(policy, sampler, limit=docs, batch_size=16)
        prior.to_prior_score = original
        loglik[bf16] = captured
    flips = sum(scores[False].per_example[d] != scores[True].per_example[d] for d in scores[False].per_example)
    largest = max(abs(a - b) for a, b in zip(loglik[False], loglik[True], strict=True))
    return scores[False].score, scores[True].score, flips, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="local copy of the benchmark data (HellaSwag)")
    parser.add_argument("--tuned", default=None, help="a fine-tuned model folder for the KL (default: a damaged copy)")
    parser.add_argument("--batch", type=int, default=4, help="sequences per phase (bf16 is emulated on AVX2: slow)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds after one warm-up round")
    parser.add_argument("--docs", type=int, default=20, help="HellaSwag documents for the prior comparison")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs, {args.threads} threads, torch {torch.__version__}, "
        f"native bf16: {'yes' if native_bf16('cpu') else 'no (emulated)'}, load {os.getloadavg()[0]:.1f} at start"
    )
    track = get_track("smol")
    policy = track.load_policy("smollm2")
    batch = arith_batch(policy, args.batch)
    tokens, answers = int(batch.attention_mask.sum()), int(batch.target_mask.sum())
    flops = useful_flops(policy, tokens, answers)
    # 1024: an emulated bf16 multiply of 2048 runs minutes on an AVX2 CPU
    gemm = {dtype: gemm_gflops(dtype, size=1024) for dtype in (torch.float32, torch.bfloat16)}
    times = phase_times(policy, args.rounds, args.batch)

    print(
        f"\nSmolLM2-135M, batch of {args.batch} arith1-number sequences ({tokens} tokens, {answers} answer positions)"
    )
    print(f"median of {args.rounds} rounds after a warm-up\n")
    print("| phase | float32 s | bf16 autocast s | bf16 / float32 |")
    print("|---|--:|--:|--:|")
    for name, by in times.items():
        print(f"| {name} | {by[False]:.2f} | {by[True]:.2f} | {by[True] / by[False]:.1f}x |")
    step = times["train step"]
    print(
        f"\nuseful work of a train step: {flops / 1e9:.1f} GFLOP; float32 {flops / step[False] / 1e9:.1f} GFLOP/s, "
        f"bf16 {flops / step[True] / 1e9:.1f} GFLOP/s"
    )
    print(
        f"1024 x 1024 matrix multiply here: float32 {gemm[torch.float32]:.1f} GFLOP/s, "
        f"bf16 {gemm[torch.bfloat16]:.1f} GFLOP/s; the float32 step reaches "
        f"{100 * flops / step[False] / 1e9 / gemm[torch.float32]:.0f}% of the float32 rate"
    )

    with tempfile.TemporaryDirectory() as folder:
        if args.tuned:
            tuned, label = track.load_policy(args.tuned), args.tuned
        else:
            damaged = track.load_policy("smollm2")
            with torch.no_grad():
                damaged.model.model.layers[0].mlp.down_proj.weight.mul_(1.5)
            damaged.save(Path(folder) / "damaged")
            tuned, label = track.load_policy(str(Path(folder) / "damaged")), "a damaged copy (layer 0 down_proj x1.5)"
        f32, bf16, relative = kl_difference(policy, tuned, args.batch)
    print(f"\nexact forward KL, base vs {label}, {args.batch} base samples of arith1-number:")
    print(f"float32 {f32:.4f}, bf16 autocast {bf16:.4f} per sequence; largest relative difference {relative:.1%}")
    acc32, acc16, flips, largest = prior_difference(policy, args.data_dir, args.docs)
    print(f"HellaSwag acc_norm on {args.docs} documents: float32 {acc32:.3f}, bf16 autocast {acc16:.3f};")
    print(f"documents whose verdict changed: {flips}; largest change of a choice's log-likelihood: {largest:.3f} nats")
    print(f"\nbench took {time.perf_counter() - began:.0f} s; load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
