"""Sampling throughput, HF `generate` vs the colocated vLLM engine, and the cost of a weight push.

    python bench/sampling.py [--model DIR] [--repeats 3] [--prompts 8,64] [--samples 1,8] [--tokens 16,64]

Needs vLLM (the venv of .ci/run's vLLM stage). Both samplers run through their public `generate` on the
same prompts, with every response forced to its full length: the policy's EOS is swapped for `<|unk|>`,
which a pretrained model does not emit, so neither stops early and both do the same work (the script
prints the fraction that did run to full length). Each cell is the median of `--repeats` timed calls, wall
and CPU seconds, after one untimed warm-up call. The weight push is timed through
`VLLMSampler.sync_weights` (vLLM's RL weight-transfer API) and, for comparison, through the worker's
`reload_weights`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

import torch
from _machine import cpu_name  # bench/ is on sys.path when a script here runs

from razorbench.api.policy import Policy
from razorbench.sampling.hf import HFSampler
from razorbench.sampling.vllm import VLLMSampler
from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR


class _NoEOS(Policy):
    """The policy with `<|unk|>` as its EOS: a pretrained model never emits it, so responses run to full length."""

    @property
    def eos_token_id(self) -> int:
        return self.tokenizer.unk_token_id


def generate_seconds(sampler, prompts: int, n: int, tokens: int, repeats: int) -> tuple[float, float, float]:
    """Medians of one `generate` call's wall and CPU seconds after an untimed warm-up call, and the fraction of
    responses that ran to full length. CPU time (this process, all threads) barely moves when other jobs load
    the machine; wall time does."""
    wall, cpu, full = [], [], []
    for _ in range(repeats + 1):
        began, began_cpu = time.perf_counter(), time.process_time()
        out = sampler.generate(_prompts(prompts), n=n, max_new_tokens=tokens, seed=0)
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        full += [len(r) == tokens for r in out.response_ids]
    return statistics.median(wall[1:]), statistics.median(cpu[1:]), sum(full) / len(full)


def _prompts(count: int) -> list[str]:
    # Distinct prompts of similar length (~50 tokens with the chat template), as a task's would be.
    return [f"What is the chemical symbol of element number {i}?" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(TINY_MODEL_DIR))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prompts", default="8,64")
    parser.add_argument("--samples", default="1,8")
    parser.add_argument("--tokens", default="16,64")
    args = parser.parse_args()
    grid = [[int(v) for v in s.split(",")] for s in (args.prompts, args.samples, args.tokens)]

    loaded = Policy.load(args.model)
    policy = _NoEOS(loaded.model.eval(), loaded.tokenizer, loaded.name, loaded.sha256)
    began = time.perf_counter()
    vllm_sampler = VLLMSampler(policy)
    start_seconds = time.perf_counter() - began
    samplers = {"hf": HFSampler(policy), "vllm": vllm_sampler}

    print(f"model: {args.model} ({sum(p.numel() for p in policy.model.parameters()) / 1e6:.2f}M parameters, float32)")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} at start"
    )
    print(f"vLLM engine start (incl. first weight push): {start_seconds:.1f} s; median of {args.repeats} repeats\n")
    print("| prompts | samples | tokens | HF s | vLLM s | HF tok/s | vLLM tok/s | speed-up | HF CPU s | vLLM CPU s |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    full_length = []
    for prompts, n, tokens in itertools.product(*grid):
        wall, cpu = {}, {}
        for name, sampler in samplers.items():
            wall[name], cpu[name], full = generate_seconds(sampler, prompts, n, tokens, args.repeats)
            full_length.append(full)
        generated = prompts * n * tokens
        print(
            f"| {prompts} | {n} | {tokens} | {wall['hf']:.2f} | {wall['vllm']:.2f} | "
            f"{generated / wall['hf']:,.0f} | {generated / wall['vllm']:,.0f} | {wall['hf'] / wall['vllm']:.1f}x | "
            f"{cpu['hf']:.2f} | {cpu['vllm']:.2f} |"
        )

    print(f"\nresponses that ran to full length: {min(full_length):.1%} in the worst cell")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")

    def push_seconds(push) -> float:
        """Median time of `push()`, each after an in-place change of every parameter (not timed)."""
        times = []
        for _ in range(max(5, args.repeats)):
            with torch.no_grad():
                for p in policy.model.parameters():
                    p.mul_(1.0001)
            began = time.perf_counter()
            push()
            times.append(time.perf_counter() - began)
        return statistics.median(times)

    def reload_weights() -> None:
        weights = [(name, p.detach()) for name, p in policy.model.named_parameters()]
        vllm_sampler.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights})
        vllm_sampler.llm.reset_prefix_cache()

    print(f"\nweight push, median of {max(5, args.repeats)}, prefix-cache reset included:")
    print(
        f"- `sync_weights` (vLLM RL weight-transfer API, in-process backend): "
        f"{push_seconds(lambda: vllm_sampler.sync_weights(policy.model)):.3f} s"
    )
    print(f"- `collective_rpc('reload_weights', ...)`: {push_seconds(reload_weights):.3f} s")
    vllm_sampler.close()


if __name__ == "__main__":
    main()
