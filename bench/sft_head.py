"""An SFT step of the smol track's base with the LM head over every position, then over the answers alone
(`trainer.head_on_targets_only`, `Policy.target_logits`).

    python bench/sft_head.py [--steps 5] [--warmup 1] [--batch 16] [--threads 2] [--bf16] [--device cpu]

The model is SmolLM2-135M, the smol track's base (`get_track("smol").load_policy("smollm2")`: converted once into
~/.cache/razorbench/models), in training mode. The batch is the first `--batch` training prompts of `arith1-number`
with the chat template, packed with their reference answers as `sft` packs them: prompts of ~40 tokens, answers of a
few. A step is what `sft` does with kl_coef = 0 between two optimizer steps: `logprobs_and_kl`, `sft_loss`, backward
(no optimizer step, so every step sees the same weights). The two settings alternate, one step each per round, so
that both see the same load on a shared machine; the first `--warmup` rounds are dropped, and each time is the median
wall time of a step. "off / on" is how many times faster the step is with the head on the answers alone. The losses
of the two settings are printed too: they agree up to float rounding.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from _machine import cpu_name, gemm_gflops  # bench/ is on sys.path when a script here runs

from razorbench.api.policy import Policy, SequenceBatch
from razorbench.api.registry import get_task, get_track
from razorbench.methods.sft import sft_loss
from razorbench.metrics.penalties import logprobs_and_kl
from razorbench.tasks.paper.config import PaperTaskConfig


def arith_batch(policy: Policy, size: int) -> SequenceBatch:
    """The first `size` training prompts of arith1-number with their reference answers, packed as `sft` packs them."""
    examples = get_task("arith1-number", "smol")(PaperTaskConfig()).examples("train")[:size]
    return policy.pack(
        [policy.prompt_ids(e.prompt) for e in examples], [policy.response_ids(e.answer) for e in examples]
    )


def useful_flops(policy: Policy, tokens: int, answers: int) -> float:
    """Multiplies of a forward and backward with the head on the answers: 6 x non-embedding parameters x tokens +
    6 x head (tied: the embedding) x answer positions; padding and attention are left out."""
    model = policy.model
    embedding = model.get_input_embeddings().weight.numel()
    body = sum(p.numel() for p in model.parameters()) - embedding
    return 6.0 * body * tokens + 6.0 * embedding * answers


def sft_step(policy: Policy, batch: SequenceBatch, bf16: bool) -> tuple[float, float]:
    """(wall seconds, loss) of one forward and backward of the SFT loss."""
    policy.zero_grad(set_to_none=True)
    start = time.perf_counter()
    with torch.autocast(batch.input_ids.device.type, dtype=torch.bfloat16, enabled=bf16):
        logp, mask, _ = logprobs_and_kl(policy, None, batch, estimator="exact")
        loss = sft_loss(logp, mask)
    loss.backward()
    if batch.input_ids.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start, loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="timed rounds (one step of each setting per round)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--batch", type=int, default=16, help="prompts per step (the smol track's sft batch)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast, as the track's precision auto where native")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    policy = get_track("smol").load_policy("smollm2").to(args.device)
    policy.model.train()
    batch = arith_batch(policy, args.batch).to(args.device)
    rows, width = batch.input_ids.shape
    scored = int(batch.target_mask.sum())
    print(f"{cpu_name() if args.device == 'cpu' else torch.cuda.get_device_name()}, {args.threads} threads, ", end="")
    print(f"{'bf16 autocast' if args.bf16 else 'float32'}: batch {rows} x {width} tokens, {scored} answer positions")

    times: dict[bool, list[float]] = {False: [], True: []}
    losses: dict[bool, float] = {}
    for round_ in range(args.warmup + args.steps):
        for on in (False, True) if round_ % 2 == 0 else (True, False):
            policy.head_on_targets_only = on
            seconds, losses[on] = sft_step(policy, batch, args.bf16)
            if round_ >= args.warmup:
                times[on].append(seconds)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"head over every position: {1000 * off:.0f} ms a step (loss {losses[False]:.6f})")
    print(f"head over the answers:    {1000 * on:.0f} ms a step (loss {losses[True]:.6f})")
    print(f"off / on: {off / on:.2f}x (median of {args.steps} steps each)")
    # Against a 2048^3 matrix multiply in the same dtype here: the rate this CPU attains at all.
    tokens = int(batch.attention_mask.sum())
    dtype = torch.bfloat16 if args.bf16 else torch.float32
    rate, peak = useful_flops(policy, tokens, scored) / on / 1e9, gemm_gflops(dtype)
    print(f"useful rate, head on the answers: {rate:.1f} GFLOP/s = {100 * rate / peak:.0f}% of a {dtype} 2048^3 matrix")
    model = policy.model
    body = sum(p.numel() for p in model.parameters()) - model.get_input_embeddings().weight.numel()
    print(f"multiply here ({peak:.1f} GFLOP/s); {tokens} real tokens, {body / 1e6:.1f}M body parameters")


if __name__ == "__main__":
    main()
