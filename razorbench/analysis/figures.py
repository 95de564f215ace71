"""Where analysis figures go: every plot is written as PNG (for reading) and SVG (for papers), then closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """Write `fig` to `stem`.png and `stem`.svg, close it, and return the two paths."""
    import matplotlib.pyplot as plt

    written = []
    for ext in ("png", "svg"):
        path = stem.with_name(f"{stem.name}.{ext}")
        fig.savefig(path)
        written.append(path)
    plt.close(fig)
    return written
