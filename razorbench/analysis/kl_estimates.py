"""How far the sampled-token KL estimates that trainers log (k1, k2, k3; `razorbench.metrics.kl_estimators`) are
from the exact KL every record also holds, over a group of runs: per estimator the bias (estimate − exact, per run,
mean with a 95% Student-t interval over runs) and the relative bias (Σ estimate / Σ exact − 1). Their R² as
forgetting predictors sits with the others in `razorbench.analysis.analyze`'s fits.
"""

from __future__ import annotations

from typing import Any

from razorbench.metrics.kl_estimators import ESTIMATORS, EXACT
from razorbench.metrics.stats import mean_t_interval


def estimator_bias(records: list[dict[str, Any]]) -> dict[str, Any]:
    """{estimator: {"exact", "n", "bias": {value, se, ci_low, ci_high, ...}, "relative_bias"}} over the records that
    carry both the estimate and its exact counterpart (records made before the estimates existed have none)."""
    out = {}
    for name in ESTIMATORS:
        pairs = [(r["metrics"].get(name), r["metrics"].get(EXACT[name])) for r in records]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        if not pairs:
            continue
        total_exact = sum(y for _, y in pairs)
        out[name] = {
            "exact": EXACT[name],
            "n": len(pairs),
            "bias": mean_t_interval([x - y for x, y in pairs]).to_dict(),
            "relative_bias": sum(x for x, _ in pairs) / total_exact - 1 if total_exact > 0 else None,
        }
    return out


def estimator_table(key: str, group: dict[str, Any]) -> Any:
    """The estimators beside their exact KL: bias, relative bias, and R² (quadratic through 0) as predictors."""
    from rich.table import Table

    table = Table(title=f"{key}: sampled-token KL estimates vs the exact KL ({group['runs']} runs)")
    for column in ("estimate", "exact", "mean bias [95% CI]", "relative bias", "R² quadratic0", "exact's R²"):
        table.add_column(column)

    def r2(name: str) -> str:
        fit = group["fits"].get(name)
        value = fit["quadratic0"]["r2"] if fit else None
        return "n/a" if value is None else f"{value:.3f}"

    for name, b in group["kl_estimates"].items():
        bias = b["bias"]
        interval = f" [{bias['ci_low']:+.4f}, {bias['ci_high']:+.4f}]" if bias["ci_low"] is not None else ""
        relative = "n/a" if b["relative_bias"] is None else f"{b['relative_bias']:+.1%}"
        table.add_row(name, b["exact"], f"{bias['value']:+.4f}{interval}", relative, r2(name), r2(b["exact"]))
    return table
