"""The run record: one versioned JSON per run, written atomically.

`record.json` fields (schema_version 1): run_id, track, task, method, base_model {name, sha256},
config (resolved), metrics {new_task_accuracy, base_new_task_accuracy, prior_scores {task: {base,
final}}, forgetting, forward_kl, forward_kl_per_token, ...}, metric_info (direction and aggregation
of each metric) and provenance (versions, git sha, device, world size, start/end, wall seconds, timings).

Schema versions: 2 adds `monitor` (a run with `monitor.every` > 0, the default): {every, cache, n_prompts, law,
budget {kl, forgetting, action}, checks [{step, forward_kl, forward_kl_per_token, and with a law forgetting,
forgetting_low, forgetting_high; seconds}], crossed ({step, reason, action} or null), seconds}. Version 1 records,
without it, stay valid.
"""

from __future__ import annotations

import json
import math
import platform
import socket
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
SCHEMA_VERSIONS = (1, 2)  # the versions validate_record accepts

# Direction and aggregation of each headline metric (lm-eval's register_metric keeps these together too).
METRIC_INFO = {
    "new_task_accuracy": {"higher_is_better": True, "aggregation": "mean over sampled responses"},
    "base_new_task_accuracy": {"higher_is_better": True, "aggregation": "mean over sampled responses"},
    "forgetting": {"higher_is_better": False, "aggregation": "mean over priors of (base - final)"},
    "forward_kl": {"higher_is_better": False, "aggregation": "mean over prompts of the sequence KL (nats)"},
    "forward_kl_per_token": {"higher_is_better": False, "aggregation": "KL sum / response tokens (nats)"},
    "reverse_kl": {"higher_is_better": False, "aggregation": "as forward_kl, KL(π ‖ π0) at base-sampled prefixes"},
    "reverse_kl_per_token": {"higher_is_better": False, "aggregation": "as forward_kl_per_token"},
    "total_variation_per_token": {"higher_is_better": False, "aggregation": "mean TV per response token"},
    **{
        name: {
            "higher_is_better": False,
            "aggregation": f"sampled-token {name[-2:]} estimate of {name[:-3]}, summed per sequence, mean over "
            "prompts; _per_token: sum / response tokens (razorbench.metrics.kl_estimators)",
        }
        for name in (
            "forward_kl_k1",
            "forward_kl_k2",
            "forward_kl_k3",
            "reverse_kl_k1",
            "reverse_kl_k2",
            "reverse_kl_k3",
        )
    },
    "weight_l2": {"higher_is_better": False, "aggregation": "‖θ − θ0‖₂ over all parameters"},
    "weight_relative_l2": {"higher_is_better": False, "aggregation": "‖θ − θ0‖₂ / ‖θ0‖₂"},
    "update_effective_rank": {"higher_is_better": False, "aggregation": "mean over 2-D weights of erank(ΔW)"},
    "representation_cka": {"higher_is_better": True, "aggregation": "linear CKA, prior prompts, base vs final"},
}


def check_finite(data: Any, where: str = "record") -> None:
    """Refuse NaN and inf anywhere in a record (json would write them as invalid tokens)."""
    if isinstance(data, float) and not math.isfinite(data):
        raise ValueError(f"{where} is not finite: {data}")
    if isinstance(data, dict):
        for k, v in data.items():
            check_finite(v, f"{where}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            check_finite(v, f"{where}[{i}]")


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def git_sha() -> str | None:
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(device: str, world_size: int, start: float, end: float, timings: dict[str, float]) -> dict[str, Any]:
    return {
        "razorbench_version": _package_version("razorbench"),
        "versions": {p: _package_version(p) for p in ("torch", "lightning", "transformers", "torchmetrics")},
        "python": platform.python_version(),
        "git_sha": git_sha(),
        "host": socket.gethostname(),
        "device": device,
        "world_size": world_size,
        "start": start,
        "end": end,
        "wall_seconds": round(end - start, 3),
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }


REQUIRED_METRICS = (
    "new_task_accuracy",
    "base_new_task_accuracy",
    "prior_scores",
    "forgetting",
    "forward_kl",
    "forward_kl_per_token",
)


def validate_record(record: dict[str, Any]) -> None:
    """Raise ValueError naming the first missing or out-of-range field."""
    for key in ("schema_version", "run_id", "track", "task", "method", "base_model", "config", "metrics", "provenance"):
        if key not in record:
            raise ValueError(f"record lacks {key!r}")
    if record["schema_version"] not in SCHEMA_VERSIONS:
        raise ValueError(f"record schema_version {record['schema_version']!r}; valid: {SCHEMA_VERSIONS}")
    metrics = record["metrics"]
    for key in REQUIRED_METRICS:
        if key not in metrics:
            raise ValueError(f"record metrics lack {key!r}")
    for key in ("new_task_accuracy", "base_new_task_accuracy"):
        if not 0.0 <= metrics[key] <= 1.0:
            raise ValueError(f"metrics.{key} = {metrics[key]} is outside [0, 1]")
    for name, s in metrics["prior_scores"].items():
        for side in ("base", "final"):
            if not 0.0 <= s[side] <= 1.0:
                raise ValueError(f"metrics.prior_scores.{name}.{side} = {s[side]} is outside [0, 1]")
    if metrics["forward_kl"] < -1e-6 or metrics["forward_kl_per_token"] < -1e-6:
        raise ValueError("forward KL is negative")
    check_finite(record)


def load_record(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / "record.json"
    return json.loads(path.read_text())


def summary_table(record: dict[str, Any]) -> Any:
    """A record's headline numbers as a rich table: base and final new-task accuracy and prior scores, the
    forgetting and the forward KL (what `razorbench run` prints)."""
    from rich.table import Table

    m = record["metrics"]
    table = Table(title=f"{record['method']} on {record['track']}/{record['task']}  ({record['run_id']})")
    for column, justify in (("metric", "left"), ("base", "right"), ("final", "right"), ("change", "right")):
        table.add_column(column, justify=justify)
    base, final = m["base_new_task_accuracy"], m["new_task_accuracy"]
    table.add_row("new-task accuracy", f"{base:.3f}", f"{final:.3f}", f"{final - base:+.3f}")
    for name, s in m["prior_scores"].items():
        table.add_row(f"prior: {name}", f"{s['base']:.3f}", f"{s['final']:.3f}", f"{s['final'] - s['base']:+.3f}")
    table.add_row("forgetting (mean prior drop)", "", f"{m['forgetting']:.4f}", "")
    table.add_row("forward KL (nats/sequence)", "", f"{m['forward_kl']:.4f}", "")
    table.add_row("forward KL (nats/token)", "", f"{m['forward_kl_per_token']:.4f}", "")
    return table


def prior_seconds_line(record: dict[str, Any]) -> str:
    """Each prior's scoring time in the final evaluation, as `run` and `eval` print it under the wall line; "" for a
    record without them."""
    timed = record.get("prior_seconds") or {}
    return ("priors " + ", ".join(f"{name} {s:.1f}s" for name, s in timed.items())) if timed else ""


def checker_counts(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per task, the counts of the answer checks a run made (`method_stats.checker`: responses, timeouts, failures,
    the bound, seconds); a record written before the rename of answer checking keeps them as
    `method_stats.verifier`, read the same."""
    stats = record.get("method_stats") or {}
    return stats.get("checker", stats.get("verifier", {}))
