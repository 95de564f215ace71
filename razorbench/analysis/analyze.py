"""`razorbench analyze RUN_DIR...`: Pareto frontiers, the forgetting law, and methods at matched accuracy.

Per (track, task):
0. runs that differ only in their seed are one configuration: its point is the mean over seeds, with a
   95% Student-t interval (`razorbench.metrics.stats.mean_t_interval`) on each coordinate;
1. each method's Pareto frontier of new-task accuracy against mean prior score (both higher is better);
2. forgetting fitted against each candidate predictor in the forms of `razorbench.analysis.fit` (linear, and
   the paper's quadratic through the origin), with R² and bootstrap intervals; R² is None when forgetting
   does not vary, shown as "n/a";
3. methods compared at matched new-task accuracy: each frontier is interpolated linearly at common
   accuracy levels inside every compared frontier's range;
4. the sampled-token KL estimates (k1, k2, k3 of both KLs) against the exact KL: their bias
   (`razorbench.analysis.kl_estimates`), and their R² as forgetting predictors among the fits of 2;
5. for monitored runs (schema 2), the forward KL against step per method, and how many steps before the end the
   monitor's forecast already held the final forgetting in its interval (`razorbench.analysis.monitor_lead`).
Writes `analysis.json` and PNG + SVG plots to the output folder.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from razorbench.analysis.figures import save_figure
from razorbench.analysis.fit import fit_with_interval
from razorbench.analysis.kl_estimates import estimator_bias, estimator_table
from razorbench.analysis.monitor_lead import monitor_summary, plot_monitor
from razorbench.analysis.sequence import in_sequence, is_sequence
from razorbench.metrics.fit_forms import FORMS
from razorbench.metrics.kl_estimators import ESTIMATORS
from razorbench.metrics.stats import mean_t_interval
from razorbench.runner.record_schema import load_record

PREDICTORS = (
    "forward_kl",
    "forward_kl_per_token",
    "reverse_kl",
    "total_variation_per_token",
    "weight_l2",
    "weight_relative_l2",
    "update_effective_rank",
    "representation_drift",  # 1 − linear CKA
    *ESTIMATORS,  # the sampled-token estimates trainers log, per sequence
)

# Keys that do not change what a run trains: runs differing only in these are seeds of one configuration.
_NOT_CONFIG = ("seed", "run_id", "output_dir", "cache_dir", "save_model", "logger")
# The monitor measures without changing training; only a budget that stops it does.
_MONITOR_TRAINS = ("kl_budget", "forgetting_budget")


def configurations(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs grouped by their config without seed/run id/paths: one aggregated point per configuration."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        config = {k: v for k, v in r["config"].items() if k not in (*_NOT_CONFIG, "monitor")}
        monitor = r["config"].get("monitor") or {}
        if monitor.get("action") == "stop" and any(monitor.get(k) is not None for k in _MONITOR_TRAINS):
            config["monitor"] = {k: monitor[k] for k in _MONITOR_TRAINS}
        if "model" in r:  # `razorbench eval` records: one configuration per checkpoint evaluated
            config["checkpoint"] = r["model"]["sha256"]
        groups[json.dumps(config, sort_keys=True)].append(r)
    points = []
    for rs in groups.values():
        points.append(
            {
                "run_ids": [r["run_id"] for r in rs],
                "accuracy": mean_t_interval([r["metrics"]["new_task_accuracy"] for r in rs]).to_dict(),
                "prior": mean_t_interval([mean_prior(r) for r in rs]).to_dict(),
                "forgetting": mean_t_interval([r["metrics"]["forgetting"] for r in rs]).to_dict(),
                "forward_kl": mean_t_interval([r["metrics"]["forward_kl"] for r in rs]).to_dict(),
            }
        )
    return sorted(points, key=lambda p: p["run_ids"][0])


def frontier_points(runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One point per configuration (seeds averaged, with intervals), and the Pareto-frontier subset of them."""
    points = [
        {
            "run_ids": c["run_ids"],
            "seeds": c["prior"]["n"],
            "accuracy": c["accuracy"]["value"],
            "accuracy_low": c["accuracy"]["ci_low"],
            "accuracy_high": c["accuracy"]["ci_high"],
            "prior": c["prior"]["value"],
            "prior_low": c["prior"]["ci_low"],
            "prior_high": c["prior"]["ci_high"],
            "forgetting": c["forgetting"]["value"],
            "forgetting_low": c["forgetting"]["ci_low"],
            "forgetting_high": c["forgetting"]["ci_high"],
            "forward_kl": c["forward_kl"]["value"],
            "forward_kl_low": c["forward_kl"]["ci_low"],
            "forward_kl_high": c["forward_kl"]["ci_high"],
        }
        for c in configurations(runs)
    ]
    return points, [points[i] for i in pareto_frontier([(p["accuracy"], p["prior"]) for p in points])]


def find_records(paths: list[str | Path]) -> list[dict[str, Any]]:
    """Every run's record at or under the given paths: run folders' record.json files and kept records (`*.json.gz`,
    as experiments keep them in git); a path may also name one record file. Sequences are left out, their stages
    and their kept records alike: each stage measures against the stage before it (`find_sequences`)."""
    from razorbench.util.compact_record import SUFFIX, read_kept

    records: list[dict[str, Any]] = []
    for p in map(Path, paths):
        if p.is_file():
            records.append(read_kept(p) if p.name.endswith(SUFFIX) else load_record(p))
        elif p.is_dir():
            records += [load_record(f) for f in sorted(p.rglob("record.json")) if not in_sequence(f)]
            records += [read_kept(f) for f in sorted(p.rglob(f"*{SUFFIX}"))]
        else:
            raise FileNotFoundError(f"{str(p)!r} is neither a record file nor a folder")
    return [r for r in records if not is_sequence(r)]


def mean_prior(record: dict[str, Any]) -> float:
    scores = record["metrics"]["prior_scores"]
    return sum(s["final"] for s in scores.values()) / len(scores) if scores else 0.0


def predictor_value(record: dict[str, Any], name: str) -> float | None:
    m = record["metrics"]
    if name == "representation_drift":
        return 1.0 - m["representation_cka"] if "representation_cka" in m else None
    return m.get(name)


def predictor_fits(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Forgetting fitted against each predictor that at least 3 of `records` report, in every form of
    `razorbench.analysis.fit` with its intervals: {predictor: {"n", "linear": {...}, "quadratic0": {...}}}."""
    fits = {}
    for name in PREDICTORS:
        pairs = [(predictor_value(r, name), r["metrics"]["forgetting"]) for r in records]
        pairs = [(x, y) for x, y in pairs if x is not None]
        if len(pairs) >= 3:
            x, y = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
            fits[name] = {"n": len(pairs), **{form: fit_with_interval(x, y, form) for form in FORMS}}
    return fits


def pareto_frontier(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the non-dominated points (maximise both coordinates), sorted by the first coordinate.

    >>> pareto_frontier([(0.1, 0.9), (0.5, 0.5), (0.4, 0.4), (0.9, 0.1)])
    [0, 1, 3]
    """
    frontier = []
    for i, (x, y) in enumerate(points):
        dominated = any((x2 >= x and y2 >= y) and (x2 > x or y2 > y) for j, (x2, y2) in enumerate(points) if j != i)
        duplicate = any(points[j] == (x, y) for j in frontier)
        if not dominated and not duplicate:
            frontier.append(i)
    return sorted(frontier, key=lambda i: points[i][0])


def interpolate_frontier(frontier: list[tuple[float, float]], accuracy: float) -> float | None:
    """Prior score on a frontier (sorted by accuracy) at `accuracy`, linearly interpolated; None outside it."""
    xs = [p[0] for p in frontier]
    if not frontier or accuracy < xs[0] or accuracy > xs[-1]:
        return None
    return float(np.interp(accuracy, xs, [p[1] for p in frontier]))


def analyze(records: list[dict[str, Any]], levels: int = 5) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[(r["track"], r["task"])].append(r)
    out: dict[str, Any] = {}
    for (track, task), runs in sorted(groups.items()):
        by_method: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in runs:
            by_method[r["method"]].append(r)
        frontiers = {}
        for method, rs in sorted(by_method.items()):
            points, frontier = frontier_points(rs)
            frontiers[method] = {"points": points, "frontier": frontier}
        out[f"{track}/{task}"] = {
            "track": track,
            "task": task,
            "runs": len(runs),
            "methods": frontiers,
            "fits": predictor_fits(runs),
            "matched": matched_accuracy(frontiers, levels),
            "kl_estimates": estimator_bias(runs),
            "monitor": monitor_summary(runs),
        }
    return out


def matched_accuracy(frontiers: dict[str, Any], levels: int) -> dict[str, Any]:
    """Each method's frontier prior score at accuracy levels inside every frontier's range (whether two differ
    there is `razorbench.analysis.pairs.compare_pair`'s to say, on the range the two share)."""

    curves = {m: [(p["accuracy"], p["prior"]) for p in f["frontier"]] for m, f in frontiers.items()}
    if len(curves) < 2:
        return {"levels": [], "prior": {}}
    low = max(c[0][0] for c in curves.values())
    high = min(c[-1][0] for c in curves.values())
    if low > high:
        return {"levels": [], "prior": {}, "note": "the frontiers' accuracy ranges do not overlap"}
    grid = np.linspace(low, high, levels).tolist() if high > low else [low]
    prior = {m: [interpolate_frontier(c, a) for a in grid] for m, c in curves.items()}
    return {"levels": grid, "prior": prior}


def plot(result: dict[str, Any], records: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Frontier and forgetting-vs-KL plots per (track, task), as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for key, group in result.items():
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        for method, f in group["methods"].items():
            pts = f["points"]
            line = ax1.scatter([p["accuracy"] for p in pts], [p["prior"] for p in pts], alpha=0.4, label=method)
            seeded = [p for p in pts if p["prior_low"] is not None]
            if seeded:  # 95% intervals over seeds
                ax1.errorbar(
                    [p["accuracy"] for p in seeded],
                    [p["prior"] for p in seeded],
                    yerr=[
                        [p["prior"] - p["prior_low"] for p in seeded],
                        [p["prior_high"] - p["prior"] for p in seeded],
                    ],
                    xerr=[
                        [p["accuracy"] - p["accuracy_low"] for p in seeded],
                        [p["accuracy_high"] - p["accuracy"] for p in seeded],
                    ],
                    fmt="none",
                    ecolor=line.get_facecolor()[0],
                    alpha=0.5,
                )
            fr = f["frontier"]
            ax1.plot([p["accuracy"] for p in fr], [p["prior"] for p in fr], color=line.get_facecolor()[0])
            rs = [r for r in records if f"{r['track']}/{r['task']}" == key and r["method"] == method]
            ax2.scatter(
                [r["metrics"]["forward_kl"] for r in rs], [r["metrics"]["forgetting"] for r in rs], label=method
            )
        ax1.set(xlabel="new-task accuracy", ylabel="mean prior score", title=f"{key}: Pareto frontiers")
        law = group["fits"].get("forward_kl")
        title = "forgetting vs forward KL"
        if law and law["quadratic0"]["r2"] is not None:
            title += f" (quadratic R² = {law['quadratic0']['r2']:.2f})"
            xs = np.linspace(0, max(r["metrics"]["forward_kl"] for r in records) or 1, 50)
            a, b = law["quadratic0"]["coefs"]
            ax2.plot(xs, a * xs + b * xs * xs, color="black", linewidth=1)
        ax2.set(xlabel="forward KL (nats/sequence)", ylabel="forgetting", title=title)
        for ax in (ax1, ax2):
            ax.legend()
            ax.grid(alpha=0.3)
        fig.tight_layout()
        written += save_figure(fig, out_dir / key.replace("/", "-"))
        if group.get("monitor"):
            written += plot_monitor(key, group["monitor"], out_dir)
    return written


def write(result: dict[str, Any], out_dir: Path) -> Path:
    """`out_dir/analysis.json`, strict JSON: a number with no value (an interval of one seed: NaN) is null."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "analysis.json"
    path.write_text(json.dumps(_finite(result), indent=2, default=lambda v: None, allow_nan=False) + "\n")
    return path


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float (nested in dicts, lists and tuples) replaced by None.

    >>> _finite({"a": [1.0, float("nan")], "b": (float("inf"), 2)})
    {'a': [1.0, None], 'b': [None, 2]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def summary_tables(result: dict[str, Any]) -> list[Any]:
    """What `razorbench analyze` prints, per (track, task) group: the forgetting-law fits (rich tables), the
    mean prior score at matched new-task accuracy, and one-line notes."""
    from rich.table import Table

    out: list[Any] = []
    for key, group in result.items():
        if group["fits"]:
            out.append(_fits_table(key, group))
        else:
            out.append(f"{key}: {group['runs']} run(s); a forgetting-law fit needs at least 3")
        if group.get("kl_estimates"):
            out.append(estimator_table(key, group))
        matched = group["matched"]
        if matched["levels"]:
            table = Table(title=f"{key}: mean prior score at matched new-task accuracy (on each Pareto frontier)")
            table.add_column("method")
            for level in matched["levels"]:
                table.add_column(f"acc {level:.3f}", justify="right")
            for method, values in matched["prior"].items():
                table.add_row(method, *(f"{v:.3f}" for v in values))
            out.append(table)
        elif len(group["methods"]) > 1:
            out.append(f"{key}: {matched.get('note', 'no common accuracy range')}")
        if group.get("pairs"):
            out.append(_pairs_table(key, group["pairs"]))
    return out


def _pairs_table(key: str, pairs: list[dict[str, Any]]) -> Any:
    """Each pair's verdict by the one rule (`razorbench.analysis.pairs`), on the accuracy range the pair shares."""
    from rich.table import Table

    table = Table(title=f"{key}: pairs at matched accuracy (paired 95% intervals over seeds and items)")
    for column in ("claim", "shared accuracy", "mean gap", "levels", "verdict"):
        table.add_column(column, justify="right" if column in ("mean gap", "levels") else "left")
    for p in pairs:
        if "levels" in p:
            shared, gap = f"{p['levels'][0]:.3f}–{p['levels'][-1]:.3f}", f"{p['mean_gap']:+.3f}"
            table.add_row(p["claim"], shared, gap, p["how"].replace(" levels significant", ""), p["verdict"])
        else:
            table.add_row(p["claim"], p["note"], "", "", p["verdict"])
    return table


def _fits_table(key: str, group: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title=f"{key}: forgetting law ({group['runs']} runs)")
    for column in ("predictor", "n", "R² linear [95% CI]", "R² quadratic through 0 [95% CI]"):
        table.add_column(column)

    def cell(f: dict) -> str:
        if f["r2"] is None:
            return "n/a (forgetting constant)"
        return f"{f['r2']:.3f} [{f['r2_low']:.2f}, {f['r2_high']:.2f}]"

    for name, f in sorted(group["fits"].items(), key=lambda kv: -(kv[1]["quadratic0"]["r2"] or -1)):
        table.add_row(name, str(f["n"]), cell(f["linear"]), cell(f["quadratic0"]))
    return table
