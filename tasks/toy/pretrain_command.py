"""`razorbench pretrain toy`: rebuild the toy track's base MLP from seed (`policy.pretrain_toy`); apart from the
model code so that `razorbench pretrain toy --help` imports no torch."""

from __future__ import annotations

import argparse


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="razorbench pretrain toy", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="local IDX copies (DIR/mnist, DIR/fashion_mnist); default: the hub")
    parser.add_argument("--out", default="toy-mlp", help="output directory (default: ./toy-mlp)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from rich.console import Console

    from razorbench.tasks.toy.policy import pretrain_toy

    console = Console()
    out = pretrain_toy(args.out, data_dir=args.data_dir, epochs=args.epochs, seed=args.seed, log=console.print)
    console.print(f"wrote {out} (sha256 {(out / 'SHA256').read_text().strip()})")
    return 0
