"""Where SciQ's +0.10 after the sft pilot comes from (docs/SMOL-PRIORS.md 3.6), from part 2's per-item records.

    python -m experiments.smol.sciq_gain --data-dir DATA
    python -m experiments.smol.sciq_gain --data-dir DATA --checkpoint RUN/model --docs 100   # acc against acc_norm

Reads the base and the sft pilot checkpoint's per-document `acc_norm` on the same 350 SciQ documents
(experiments/smol/viability/records/resized/sciq.json, part 1g) and the documents themselves (`DATA/sciq/
validation.jsonl`, the first 350, the order lm-eval scores them in). lm-eval's SciQ offers the four choices as
continuations of "...Answer:" and `acc_norm` picks the choice with the highest log-likelihood per byte. Splits the
documents by whether the correct answer is the shortest choice (in bytes of " <choice>", the length `acc_norm` divides
by; ties count as shortest) and counts, in each group, the documents that went from wrong to right (up) and right to
wrong (down). A gain that SFT on bare numbers gives through a preference for short continuations shows as ups
concentrated where the correct answer is the shortest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

RECORD = Path(__file__).parent / "viability" / "records" / "resized" / "sciq.json"
METRICS_RECORD = Path(__file__).parent / "sciq_gain" / "records" / "acc-vs-acc_norm.json"


def shortest_is_correct(doc: dict[str, str]) -> bool:
    choices = [doc["distractor1"], doc["distractor2"], doc["distractor3"], doc["correct_answer"]]
    lengths = [len((" " + c).encode()) for c in choices]
    return lengths[3] == min(lengths)


def table(data_dir: Path) -> str:
    record = json.loads(RECORD.read_text())
    base, final = record["base_per_item"], record["final_per_item"]
    with open(data_dir / "sciq" / "validation.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line) for line, _ in zip(f, range(len(base)), strict=False)]
    rows = []
    for label, wanted in (("correct answer is the shortest choice", True), ("it is not", False)):
        ids = [i for i in base if shortest_is_correct(docs[int(i)]) == wanted]
        up = sum(base[i] == 0 and final[i] == 1 for i in ids)
        down = sum(base[i] == 1 and final[i] == 0 for i in ids)
        b = sum(base[i] for i in ids) / len(ids)
        a = sum(final[i] for i in ids) / len(ids)
        rows.append(f"| {label} | {len(ids)} | {b:.3f} | {a:.3f} | {a - b:+.3f} | {up} | {down} |")
    return "\n".join(
        [
            f"SciQ acc_norm, base against {record['checkpoint']}, the first {len(base)} documents:",
            "",
            "| documents | n | base | after | change | up (0 → 1) | down (1 → 0) |",
            "|---|--:|--:|--:|--:|--:|--:|",
            *rows,
        ]
    )


def score_both(data_dir: Path, checkpoint: Path, docs: int) -> dict:
    """SciQ's `acc` and `acc_norm` per document, base and `checkpoint`, on the first `docs` documents: through the
    runner's scoring (`razorbench.runner.evaluate.prior_scores`), once per metric."""
    import torch

    from razorbench.api.registry import get_task, get_track
    from razorbench.runner.evaluate import EvalSettings, prior_scores
    from razorbench.runner.run import resolve
    from razorbench.sampling import build_sampler

    torch.manual_seed(0)
    cfg = resolve("sft", "arith1-number", "smol", None, [f"task.data_dir={data_dir}"])[2]
    settings = dataclasses.replace(EvalSettings.from_config(cfg), prior_limit=docs, prior_limits={})
    out: dict = {"checkpoint": str(checkpoint), "docs": docs}
    for side, path in (("base", None), ("tuned", str(checkpoint))):
        policy = get_track("smol").load_policy(path or "smollm2")
        policy.model.eval()
        sampler = build_sampler("hf", policy)
        for metric in ("acc", "acc_norm"):
            task = get_task("sciq", "smol")(cfg.task)
            task.metric = metric  # the same documents and log-likelihoods, read by the other metric
            out[f"{side}_{metric}"] = prior_scores(policy, sampler, [task], settings)["sciq"]["per_example"]
    return out


def metrics_table(record: dict, data_dir: Path) -> str:
    with open(data_dir / "sciq" / "validation.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line) for line, _ in zip(f, range(record["docs"]), strict=False)]
    lines = [
        f"SciQ, base against {record['checkpoint']}, the first {record['docs']} documents:",
        "",
        "| metric | documents | n | base | after | change | up | down |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for metric in ("acc", "acc_norm"):
        base, tuned = record[f"base_{metric}"], record[f"tuned_{metric}"]
        for label, wanted in (("all", None), ("shortest is correct", True), ("not", False)):
            ids = [i for i in base if wanted is None or shortest_is_correct(docs[int(i)]) == wanted]
            b, a = sum(base[i] for i in ids) / len(ids), sum(tuned[i] for i in ids) / len(ids)
            up = sum(base[i] == 0 and tuned[i] == 1 for i in ids)
            down = sum(base[i] == 1 and tuned[i] == 0 for i in ids)
            lines.append(f"| {metric} | {label} | {len(ids)} | {b:.3f} | {a:.3f} | {a - b:+.3f} | {up} | {down} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="experiments.smol.sciq_gain", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, default=None, help="a tuned model folder: measure acc vs acc_norm")
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args(argv)
    print(table(args.data_dir))
    if args.checkpoint is not None:
        if not args.checkpoint.is_dir():
            parser.error(f"--checkpoint {args.checkpoint} is not a model folder")
        METRICS_RECORD.write_text(json.dumps(score_both(args.data_dir, args.checkpoint, args.docs)) + "\n")
    if METRICS_RECORD.exists():
        print()
        print(metrics_table(json.loads(METRICS_RECORD.read_text()), args.data_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
