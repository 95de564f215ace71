"""`razorbench pretrain tiny`: rebuild the tiny track's base model from seed (`pretrain.pretrain_tiny`). Kept apart
from the pretraining code so that `razorbench pretrain tiny --help` imports no torch."""

from __future__ import annotations

import argparse


def main(argv: list[str]) -> int:
    """`razorbench pretrain tiny [--out DIR] [--steps N] [--seed N]`."""
    parser = argparse.ArgumentParser(
        prog="razorbench pretrain tiny", description="Rebuild the tiny track's base model from seed."
    )
    parser.add_argument("--out", default="tiny-lm", help="output directory (default: ./tiny-lm)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from rich.console import Console

    from razorbench.tasks.tiny.pretrain import pretrain_tiny  # torch: only once the arguments are good

    console = Console()
    out = pretrain_tiny(args.out, steps=args.steps, seed=args.seed, log=console.print)
    console.print(f"wrote {out} (sha256 {(out / 'SHA256').read_text().strip()})")
    return 0
