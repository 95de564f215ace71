"""Where SciQ's +0.10 after the sft pilot comes from (docs/SMOL-PRIORS.md 3.6), from part 2's per-item records.

    python -m experiments.smol.sciq_gain --data-dir DATA

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
import json
from pathlib import Path

RECORD = Path(__file__).parent / "viability" / "records" / "resized" / "sciq.json"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="experiments.smol.sciq_gain", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    print(table(args.data_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
