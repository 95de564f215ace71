"""The consoles every command prints to: tables and results on stdout, one-line errors on stderr."""

from __future__ import annotations

import os

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_error(message: str) -> None:
    """One line on stderr, printed as is (no markup, no highlighting, never wrapped)."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def disable_progress_bars() -> None:
    """`--no-progress`: no progress bar from the libraries a command loads models and data with (transformers,
    datasets, huggingface_hub draw theirs with tqdm). tqdm reads TQDM_DISABLE when it is imported: call this first."""
    os.environ["TQDM_DISABLE"] = "1"
