"""The smol claims sweep's power estimate (docs/REPRODUCTION-smol-plan.md, "Power"), from the pilot's per-item spreads.

    python -m experiments.smol.claims_power

For 0/1 items the per-item difference (base − fine-tuned) of prior p has variance ≤ c_p, the share of its items that
changed under the sft pilot (part 2's precision records); at the track's size n_p one run's forgetting on p has
SE ≤ √(c_p / n_p); the mean of k priors SE ≤ √(Σ c_p / n_p) / k; the gap of two methods SE ≤ √2 × that; the smallest
gap found with 80% power at 5% two-sided is (1.96 + 0.84) × the gap's SE.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from omegaconf import OmegaConf

PRECISION = Path(__file__).parent / "viability" / "records" / "precision"
TRACK_YAML = Path(__file__).resolve().parents[2] / "tasks" / "smol" / "track.yaml"
GENERATIVE = ("capitals", "elements")
LOG_LIKELIHOOD = ("hellaswag", "piqa", "sciq", "copa")
Z = 1.96 + 0.84


def changed_shares() -> dict[str, float]:
    return {p.stem: json.loads(p.read_text())["changed_share"] for p in sorted(PRECISION.glob("*.json"))}


def sizes() -> dict[str, int]:
    return dict(OmegaConf.load(TRACK_YAML).eval.prior_limits)


def mean_se(priors: tuple[str, ...], shares: dict[str, float], n: dict[str, int]) -> float:
    """Upper bound on the SE of one run's mean forgetting over `priors`."""
    return math.sqrt(sum(shares[p] / n[p] for p in priors)) / len(priors)


def table() -> str:
    shares, n = changed_shares(), sizes()
    lines = [
        "| reading | priors (items) | SE of one run's forgetting ≤ | SE of a gap ≤ | minimum detectable gap |",
        "|---|---|--:|--:|--:|",
    ]
    for name, priors in (
        ("all", GENERATIVE + LOG_LIKELIHOOD),
        ("generative", GENERATIVE),
        ("log-likelihood", LOG_LIKELIHOOD),
    ):
        se = mean_se(priors, shares, n)
        listed = ", ".join(f"{p} ({n[p]})" for p in priors)
        lines.append(f"| {name} | {listed} | {se:.4f} | {math.sqrt(2) * se:.4f} | {Z * math.sqrt(2) * se:.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
