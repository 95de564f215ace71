"""Time and peak memory of the forward-KL metric against its floor, two plain forward passes.

    python bench/forward_kl.py [--repeats 3] [--sizes 8x64,16x128,64x128] [--vocabs tiny,150k] [--threads 1]
                               [--chunk-size N] [--profile]

The metric is what a run calls (`razorbench.metrics.divergences` -> `sequence_divergences`, with the default
`eval.kl_chunk_size`): the forward KL, reverse KL and total variation, exact over the vocabulary, summed over the
response positions of each sequence. Its floor is one forward pass of π0 and one of π over the same tokens, under
`no_grad`, keeping both logits and computing no KL: `model(input_ids, attention_mask).logits`, as
`Policy.logits` does. The metric can beat its floor (its LM head only sees response positions), and it cannot
go far below it (it needs both bodies).

Two vocabularies, the same transformer body (the tiny model's: Llama, 4 layers, hidden 128):
- `tiny`: the embedded tiny model (`tasks/tiny/assets/tiny-lm`, char vocabulary of 100) as π0, and as π a copy
  with Gaussian noise of 2% of each weight tensor's std added (a constant tensor stays as it is);
- `150k`: the same config with `vocab_size=151936` (Qwen2.5's), randomly initialised, and a perturbed copy: real
  logits, from a real LM head, of the paper track's vocabulary size.

Batches are random tokens, right-padded, with a response mask: each sequence has a length in [3T/4, T] (the first
is T), a prompt of [T/4, T/2] tokens and the rest is response, so about half the tokens are scored. `--sizes` lists
batch x length cells; growth is the cell's token count over the first's (x1, x4, x16 by default).

Each (vocabulary, size) cell runs in three fresh subprocesses, each of which builds the models and the batch. One
times: an untimed warm-up round, then `--repeats` rounds of one floor call and one metric call, alternating so that
both see the same load on a shared machine; a time is the median wall (and CPU) seconds of a call, the ratio the
median of the rounds' metric / floor ratios. The other two measure the peak memory of the floor and of the metric:
they free what they can (`gc`, `malloc_trim`), reset the peak-RSS mark (`/proc/self/clear_refs`), make two calls,
and report the peak RSS (VmHWM) above the RSS after the reset, and the peak RSS itself. `--profile` adds a
torch.profiler table of one metric call in the largest cell of each vocabulary.

Memory: the floor of the largest default cell at 150k holds two (64, 128, 151936) float32 logits, ~9.5 GiB.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from _machine import cpu_name  # bench/ is on sys.path when a script here runs

from razorbench.api.policy import Policy, SequenceBatch
from razorbench.metrics.kl import chunk_positions, sequence_divergences
from razorbench.runner.config import EvalConfig
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR

VOCABS = {"tiny": None, "150k": 151_936}  # None: the tiny model's own vocabulary
PERTURBATION = 0.02  # of each weight tensor's std


def build_pair(vocab: str, seed: int = 0) -> tuple[Policy, Policy]:
    """(π0, π): the tiny model or its 150k-vocabulary twin, and a perturbed copy. No tokenizer is needed."""
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    if VOCABS[vocab] is None:
        model = AutoModelForCausalLM.from_pretrained(TINY_MODEL_DIR, dtype=torch.float32)
    else:
        config = AutoConfig.from_pretrained(TINY_MODEL_DIR, vocab_size=VOCABS[vocab])
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    reference = Policy(model.eval(), tokenizer=None, name=vocab).frozen_copy()
    policy = reference.frozen_copy()
    with torch.no_grad():
        for p in policy.model.parameters():
            p.add_(PERTURBATION * p.std() * torch.randn_like(p))
    return reference, policy


def make_batch(batch: int, length: int, vocab_size: int, seed: int = 0) -> SequenceBatch:
    """Random tokens, right-padded: lengths in [3T/4, T] (the first is T), prompts of [T/4, T/2] tokens."""
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(2, vocab_size, (batch, length), generator=g)
    lengths = torch.randint(3 * length // 4, length + 1, (batch,), generator=g)
    lengths[0] = length
    prompts = torch.randint(length // 4, length // 2 + 1, (batch,), generator=g)
    positions = torch.arange(length)
    attention_mask = (positions < lengths[:, None]).long()
    response_mask = ((positions >= prompts[:, None]) & (positions < lengths[:, None])).long()
    return SequenceBatch(input_ids.masked_fill(attention_mask == 0, 0), attention_mask, response_mask)


@torch.no_grad()
def floor(reference: Policy, policy: Policy, batch: SequenceBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """One forward pass of π0 and one of π over the batch, both logits kept: what any KL needs at least."""
    kwargs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask, "use_cache": False}
    return reference.model(**kwargs).logits, policy.model(**kwargs).logits


def _status_kib(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))


def _reset_peak() -> int:
    """Frees what can be freed and resets the peak-RSS mark; returns the RSS (KiB) the peak is measured from."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return _status_kib("VmRSS")
    except OSError:
        return _status_kib("VmHWM")  # no reset: the peak so far is the baseline, which can hide a smaller one


def run_cell(vocab: str, batch: int, length: int, mode: str, repeats: int, chunk_size: int) -> dict:
    """One cell, in this process. `mode` "time": one untimed warm-up round, then `repeats` rounds of one floor call
    and one metric call, alternating, so that both see the same load. "floor" or "metric": the peak RSS of two
    calls of that one, above the RSS after the models and batch are built."""
    reference, policy = build_pair(vocab)
    tokens = make_batch(batch, length, reference.model.config.vocab_size)
    calls = {
        "floor": lambda: floor(reference, policy, tokens),
        "metric": lambda: sequence_divergences(reference, policy, tokens, chunk_size),
    }
    if mode != "time":
        baseline = _reset_peak()
        for _ in range(2):
            calls[mode]()
        peak = _status_kib("VmHWM")
        return {"peak_mib": (peak - baseline) / 1024, "total_mib": peak / 1024}
    wall: dict[str, list[float]] = {"floor": [], "metric": []}
    cpu: dict[str, list[float]] = {"floor": [], "metric": []}
    for _ in range(repeats + 1):
        for name, call in calls.items():
            began, began_cpu = time.perf_counter(), time.process_time()
            call()
            wall[name].append(time.perf_counter() - began)
            cpu[name].append(time.process_time() - began_cpu)
    ratios = [m / f for m, f in zip(wall["metric"][1:], wall["floor"][1:], strict=True)]
    return {
        **{f"{name}_wall": statistics.median(v[1:]) for name, v in wall.items()},
        **{f"{name}_cpu": statistics.median(v[1:]) for name, v in cpu.items()},
        "ratio": statistics.median(ratios),
        "cpu_ratio": statistics.median(m / f for m, f in zip(cpu["metric"][1:], cpu["floor"][1:], strict=True)),
        "scored": int(tokens.response_mask[:, 1:].sum()),
        "vocab_size": reference.model.config.vocab_size,
    }


def profile_metric(vocab: str, batch: int, length: int, chunk_size: int) -> str:
    from torch.profiler import ProfilerActivity, profile

    reference, policy = build_pair(vocab)
    tokens = make_batch(batch, length, reference.model.config.vocab_size)
    sequence_divergences(reference, policy, tokens, chunk_size)  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        sequence_divergences(reference, policy, tokens, chunk_size)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12, max_name_column_width=40)


def _in_subprocess(args: argparse.Namespace, vocab: str, batch: int, length: int, mode: str) -> dict:
    command = [sys.executable, __file__, "--threads", str(args.threads), "--repeats", str(args.repeats)]
    command += ["--chunk-size", str(args.chunk_size), "--cell", vocab, str(batch), str(length), mode]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cell {vocab} {batch}x{length} {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="8x64,16x128,64x128", help="batch x length cells; the first is x1")
    parser.add_argument("--vocabs", default="tiny,150k")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (intra-op)")
    parser.add_argument("--chunk-size", type=int, default=EvalConfig().kl_chunk_size, help="eval.kl_chunk_size")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cell", nargs=4, metavar=("VOCAB", "B", "T", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.cell:
        vocab, batch, length, mode = args.cell
        print(json.dumps(run_cell(vocab, int(batch), int(length), mode, args.repeats, args.chunk_size)))
        return

    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    vocabs = args.vocabs.split(",")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {args.threads} torch thread(s), "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"chunk_size {args.chunk_size}; times: median of {args.repeats} alternating floor/metric rounds after one "
        "warm-up round; peaks: 2 calls, a subprocess each\n"
    )
    print(
        "| vocab | B x T | growth | scored positions | floor s | metric s | metric / floor | floor CPU s "
        "| metric CPU s | floor peak MiB | metric peak MiB | metric peak RSS MiB |"
    )
    print("|--|--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    results = {}
    for vocab in vocabs:
        for batch, length in sizes:
            cell = _in_subprocess(args, vocab, batch, length, "time")
            for mode in ("floor", "metric"):
                cell[mode] = _in_subprocess(args, vocab, batch, length, mode)
            results[vocab, batch, length] = cell
            growth = batch * length / (sizes[0][0] * sizes[0][1])
            print(
                f"| {vocab} | {batch} x {length} | x{growth:g} | {cell['scored']:,} | {cell['floor_wall']:.3f} "
                f"| {cell['metric_wall']:.3f} | {cell['ratio']:.2f} | {cell['floor_cpu']:.3f} "
                f"| {cell['metric_cpu']:.3f} | {cell['floor']['peak_mib']:,.1f} | {cell['metric']['peak_mib']:,.1f} "
                f"| {cell['metric']['total_mib']:,.0f} |",
                flush=True,
            )

    def growth(first: float, last: float) -> str:
        return f"{first:,.1f} -> {last:,.1f} ({(last / first - 1) * 100:+.0f}%)"

    print(
        "\n| vocab | metric / floor, worst (CPU) | metric peak MiB, first -> last | metric peak RSS MiB, first -> last "
        "| floor peak MiB, first -> last |"
    )
    print("|--|--:|--:|--:|--:|")
    for vocab in vocabs:
        cells = [results[vocab, b, t] for b, t in sizes]
        first, last = cells[0], cells[-1]
        print(
            f"| {vocab} | {max(c['ratio'] for c in cells):.2f} ({max(c['cpu_ratio'] for c in cells):.2f}) "
            f"| {growth(first['metric']['peak_mib'], last['metric']['peak_mib'])} "
            f"| {growth(first['metric']['total_mib'], last['metric']['total_mib'])} "
            f"| {growth(first['floor']['peak_mib'], last['floor']['peak_mib'])} |"
        )
    if len(vocabs) > 1:
        print(
            f"\nmetric peak, {' / '.join(vocabs[1:])} minus {vocabs[0]} at the same size, "
            "vs one chunk's logits (both policies):"
        )
        for batch, length in sizes:
            base = results[vocabs[0], batch, length]["metric"]["peak_mib"]
            for v in vocabs[1:]:
                cell = results[v, batch, length]
                chunk = 2 * chunk_positions(args.chunk_size, cell["vocab_size"]) * cell["vocab_size"] * 4 / 2**20
                print(
                    f"- {batch} x {length}, {v}: {cell['metric']['peak_mib'] - base:+,.1f} MiB; one chunk's logits "
                    f"{chunk:,.1f} MiB ({chunk_positions(args.chunk_size, cell['vocab_size'])} positions)"
                )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    if args.profile:
        batch, length = sizes[-1]
        for vocab in vocabs:
            print(f"\nprofile of one metric call, {vocab}, {batch} x {length} (self CPU time):\n")
            print(profile_metric(vocab, batch, length, args.chunk_size))


if __name__ == "__main__":
    main()
