"""What the forward-KL monitor saw in each run (the record's `monitor`): its KL trajectory, and how early its
forecast held the run's final forgetting.

The lead of a run is last step − s, where s is the earliest check from which every check's 95% prediction interval
(`razorbench.monitor.forecast`) contains the final forgetting measured on the priors; None when the last check's
interval misses it (the law failed on that run), or the run has no forecast.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from razorbench.analysis.figures import save_figure


def forecast_lead(record: dict[str, Any]) -> dict[str, Any] | None:
    """{"run_id", "last_step", "final_forgetting", "covered_from", "lead_steps"} of a monitored run with a forecast."""
    checks = (record.get("monitor") or {}).get("checks") or []
    if not checks or "forgetting_low" not in checks[-1]:
        return None
    final = record["metrics"]["forgetting"]
    covered_from = None
    for check in reversed(checks):
        if not check["forgetting_low"] <= final <= check["forgetting_high"]:
            break
        covered_from = check["step"]
    last = checks[-1]["step"]
    return {
        "run_id": record["run_id"],
        "last_step": last,
        "final_forgetting": final,
        "final_forecast": checks[-1]["forgetting"],
        "covered_from": covered_from,
        "lead_steps": None if covered_from is None else last - covered_from,
    }


def monitor_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per method: each monitored run's KL trajectory [(step, forward KL)] and its forecast lead."""
    out: dict[str, Any] = defaultdict(list)
    for r in records:
        checks = (r.get("monitor") or {}).get("checks")
        if checks:
            out[r["method"]].append(
                {
                    "run_id": r["run_id"],
                    "kl": [[c["step"], c["forward_kl"]] for c in checks],
                    "crossed": r["monitor"].get("crossed"),
                    "forecast": forecast_lead(r),
                }
            )
    return dict(sorted(out.items()))


def plot_monitor(key: str, summary: dict[str, Any], out_dir: Path) -> list[Path]:
    """Forward KL against step per method (one line per run), as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (method, runs) in enumerate(summary.items()):
        for j, run in enumerate(runs):
            steps, kls = zip(*run["kl"], strict=True)
            ax.plot(steps, kls, color=f"C{i}", alpha=0.7, label=method if j == 0 else None)
    ax.set(xlabel="optimizer step", ylabel="forward KL (nats/sequence)", title=f"{key}: monitored forward KL")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, out_dir / f"{key.replace('/', '-')}-monitor")
