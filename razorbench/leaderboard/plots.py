"""The leaderboard's plots per (track, task): Pareto frontiers with seed intervals, and forgetting against forward
KL with the fitted law, as SVG with no date or random ids (so a rebuild is byte-stable on one machine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_group(group: dict[str, Any], plots_dir: Path) -> list[Path]:
    """The frontiers and forgetting-vs-KL plots of one (track, task), as SVG with no date or random ids."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    stem = f"{group['track']}-{group['task']}"
    paths = [plots_dir / f"{stem}-frontier.svg", plots_dir / f"{stem}-kl.svg"]
    plots_dir.mkdir(parents=True, exist_ok=True)
    rows = group["entries"]  # sorted by name: colours by name, whatever the ranking
    with matplotlib.rc_context({"svg.hashsalt": "razorbench-leaderboard", "svg.fonttype": "path"}):
        fig, ax = plt.subplots(figsize=(6, 4.2))
        for i, e in enumerate(rows):
            colour = f"C{i % 10}"
            ax.scatter(
                [p["accuracy"] for p in e["points"]], [p["prior"] for p in e["points"]], color=colour, alpha=0.35
            )
            front = e["frontier"]
            ax.errorbar(
                [p["accuracy"] for p in front],
                [p["prior"] for p in front],
                xerr=_errors(front, "accuracy"),
                yerr=_errors(front, "prior"),
                fmt="o-",
                color=colour,
                capsize=2,
                label=e["name"],
            )
        ax.scatter(
            [group["base_accuracy"]], [group["base_prior"]], marker="*", s=160, color="black", label="base model"
        )
        for k, t in enumerate(group["protocol"].targets):
            ax.axvline(t, color="grey", linestyle="--", linewidth=1, label="target accuracies" if k == 0 else None)
        ax.set(
            xlabel="new-task accuracy",
            ylabel="mean prior score (retention)",
            title=f"{group['track']}/{group['task']}: Pareto frontiers",
        )
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(paths[0], format="svg", metadata={"Date": None})
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(6, 4.2))
        for i, e in enumerate(rows):
            ax.scatter(
                [r["metrics"]["forward_kl"] for r in e["records"]],
                [r["metrics"]["forgetting"] for r in e["records"]],
                color=f"C{i % 10}",
                label=e["name"],
            )
        law = group["law"]
        title = "forgetting vs forward KL"
        if law and law["r2"] is not None:
            a, b = law["coefs"]
            xs = np.linspace(0, max(r["metrics"]["forward_kl"] for e in rows for r in e["records"]) or 1.0, 50)
            ax.plot(xs, a * xs + b * xs * xs, color="black", linewidth=1, label="a·KL + b·KL²")
            interval = f" [{law['r2_low']:.2f}, {law['r2_high']:.2f}]" if law.get("r2_low") is not None else ""
            title += f" (R² = {law['r2']:.2f}{interval})"
        ax.set(xlabel="forward KL on the new task (nats/sequence)", ylabel="forgetting", title=title)
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(paths[1], format="svg", metadata={"Date": None})
        plt.close(fig)
    return paths


def _errors(points: list[dict[str, Any]], key: str) -> list[list[float]] | None:
    """Error-bar lengths below and above each point: its 95% seed interval (None without one)."""
    if any(p[f"{key}_low"] is None for p in points):
        return None
    return [[p[key] - p[f"{key}_low"] for p in points], [p[f"{key}_high"] - p[key] for p in points]]
