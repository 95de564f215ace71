"""The consoles every command prints to: tables and results on stdout, one-line errors on stderr."""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_error(message: str) -> None:
    """One line on stderr, printed as is (no markup, no highlighting, never wrapped)."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
