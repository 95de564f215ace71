"""A log-likelihood prior scored through lm-eval's own HFLM path against razorbench's shared-context path
(`razorbench.tasks.paper.shared_context`: each context once, the LM head on continuation positions only), on the
smol track's base (SmolLM2-135M): seconds of each, their ratio, and how far the numbers move.

    python bench/prior_scoring.py --data-dir ../shared/data [--priors hellaswag piqa sciq] [--docs 40]

Each prior's first `--docs` documents, both paths on the same model in float32 with the track's evaluation batch
(32), one after the other after a two-document warm-up of each; then per document whether the metric (acc_norm or
acc) agrees, and the largest difference of a choice's log-likelihood.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _grpo_setup import smol_model_dir  # bench/ is on sys.path when a script here runs
from _machine import cpu_name
from omegaconf import OmegaConf

from razorbench.api.policy import Policy
from razorbench.api.registry import get_task
from razorbench.tasks.paper.window import windowed_lm

BATCH = 32  # the smol track's eval.batch_size


def score(prior, policy: Policy, docs: int, share: bool) -> tuple[float, dict[str, float], list[float]]:
    """(seconds, metric per document, every choice's log-likelihood in lm-eval's sample order)."""
    captured: list[float] = []
    original = prior.to_prior_score

    def keep(name, results, fit):
        for samples in results["samples"].values():
            for sample in samples:
                captured.extend(float(r[0]) for r in sample["filtered_resps"])
        return original(name, results, fit)

    prior.to_prior_score = keep
    lm = windowed_lm(policy.model, policy.tokenizer, BATCH, prior._document_key, share_contexts=share)
    start = time.perf_counter()
    with torch.inference_mode():
        result = prior.evaluate(lm, docs)
    seconds = time.perf_counter() - start
    prior.to_prior_score = original
    return seconds, result.per_example, captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--priors", nargs="+", default=["hellaswag", "piqa", "sciq"])
    parser.add_argument("--docs", type=int, default=40)
    args = parser.parse_args()
    policy = Policy.load(smol_model_dir())
    policy.model.eval()
    config = OmegaConf.create({"data_dir": str(args.data_dir), "prior_chat_template": False})
    print(f"{cpu_name()}, {torch.get_num_threads()} threads, float32, SmolLM2-135M, batch {BATCH}\n")
    print("| prior | documents | lm-eval HFLM s | shared context s | speed-up | metric differs | max diff log-lik |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name in args.priors:
        prior = get_task(name, "smol")(config)
        for share in (False, True):  # warm-up: lm-eval's task set-up, the first forward passes
            score(prior, policy, 2, share)
        theirs = score(prior, policy, args.docs, share=False)
        ours = score(prior, policy, args.docs, share=True)
        differs = sum(theirs[1][d] != ours[1][d] for d in theirs[1])
        largest = max(abs(a - b) for a, b in zip(theirs[2], ours[2], strict=True))
        print(
            f"| {name} | {len(theirs[1])} | {theirs[0]:.1f} | {ours[0]:.1f} | {theirs[0] / ours[0]:.2f}x | "
            f"{differs} | {largest:.1e} |"
        )


if __name__ == "__main__":
    main()
