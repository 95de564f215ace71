"""`razorbench analyze` on sequences (`sequence.json`, `razorbench.runner.sequence`): what predicts forgetting of
earlier capabilities, and whether on-policy methods keep their advantage over a sequence.

Per (track, task order):
1. forgetting rows. An earlier new task j at stage k > j: forgetting = its accuracy right after stage j minus its
   accuracy after stage k; candidate predictors: the forward KL KL(π0 ‖ πk) on task j's prompts
   (`kl_to_base_on_capability`), on the current task k's prompts (`kl_to_base_on_current`: what a single-task run
   measures), and the cumulative stage KL Σ_{i ≤ k} KL(πi−1 ‖ πi) on each stage's own task (`cumulative_stage_kl`:
   what a per-stage KL constraint controls). The priors at every stage k: forgetting = mean over priors of
   (π0 score − πk score); predictors: the mean over the tasks seen of KL(π0 ‖ πk) (`kl_to_base_mean_seen`), the
   current task's, and the cumulative one;
2. each predictor fitted in the forms of `razorbench.analysis.fit` (linear, quadratic through 0) with bootstrap
   intervals on R²;
3. on-policy vs offline at matched final accuracy: over the finished sequences, final forgetting regressed on the
   final mean accuracy and an on-policy indicator (y = a + b·accuracy + c·on_policy, least squares in float64);
   −c is the on-policy advantage at equal final accuracy (> 0: on-policy forgets less), with a percentile
   bootstrap over sequences resampled within each group. Only read where the two groups' final accuracies overlap
   (the common range is reported; no overlap: "not testable");
4. a stage-by-stage plot per method: mean accuracy on each task and mean prior score after each stage (95% t
   intervals over seeds).
Sequences still running are left out (and counted).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from razorbench.analysis.figures import save_figure
from razorbench.analysis.fit import fit_with_interval
from razorbench.metrics.fit_forms import FORMS
from razorbench.metrics.stats import mean_t_interval, percentile_interval

SEQUENCE_FILE = "sequence.json"
TASK_PREDICTORS = ("kl_to_base_on_capability", "kl_to_base_on_current", "cumulative_stage_kl")
PRIOR_PREDICTORS = ("kl_to_base_mean_seen", "kl_to_base_on_current", "cumulative_stage_kl")
OUTCOMES = ("prior_forgetting", "task_forgetting")


def find_sequences(paths: list[str | Path]) -> list[dict[str, Any]]:
    """Every sequence record at or under `paths`: sequence folders (or folders of them, or sequence.json files) and
    kept sequence records (`*.json.gz`, as experiments keep them in git)."""
    from razorbench.util.compact_record import SUFFIX, read_kept

    out: list[dict[str, Any]] = []
    for p in map(Path, paths):
        if p.is_file() and p.name == SEQUENCE_FILE:
            out.append(json.loads(p.read_text()))
        elif p.is_file() and p.name.endswith(SUFFIX):
            out += [r for r in [read_kept(p)] if is_sequence(r)]
        elif p.is_dir():
            out += [json.loads(f.read_text()) for f in sorted(p.rglob(SEQUENCE_FILE))]
            out += [r for r in map(read_kept, sorted(p.rglob(f"*{SUFFIX}"))) if is_sequence(r)]
    return out


def is_sequence(record: dict[str, Any]) -> bool:
    """Whether a record is a whole sequence's (`razorbench.runner.sequence`), not one run's."""
    return record.get("kind") == "sequence"


def in_sequence(record_file: Path) -> bool:
    """Whether a run's record.json is a stage of a sequence (its run folder sits in a sequence folder): single-run
    analyses and the leaderboard leave those out, since a stage's base is the stage before it."""
    return (record_file.parent.parent / "sequence.yaml").is_file()


def forgetting_rows(sequence: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows of step 1 for one sequence: {"tasks": [...], "priors": [...]}."""
    rows: dict[str, list[dict[str, Any]]] = {"tasks": [], "priors": []}
    common = {"method": sequence["method"], "seed": sequence["seed"], "sequence_id": sequence["sequence_id"]}
    for stage in sequence["stages"]:
        current = stage["tasks"][stage["task"]]["forward_kl_to_base"]
        shared = {**common, "stage": stage["stage"], "kl_to_base_on_current": current}
        shared["cumulative_stage_kl"] = stage["cumulative_stage_kl"]
        for task, s in stage["tasks"].items():
            if s["forgetting"] is not None:
                rows["tasks"].append(
                    {
                        **shared,
                        "capability": task,
                        "forgetting": s["forgetting"],
                        "kl_to_base_on_capability": s["forward_kl_to_base"],
                    }
                )
        seen = [s["forward_kl_to_base"] for s in stage["tasks"].values()]
        rows["priors"].append(
            {
                **shared,
                "capability": "priors",
                "forgetting": stage["prior_forgetting"],
                "kl_to_base_mean_seen": float(np.mean(seen)),
            }
        )
    return rows


def predictor_fits(rows: list[dict[str, Any]], predictors: tuple[str, ...]) -> dict[str, Any]:
    """Forgetting against each predictor, every form with its intervals (at least 3 rows)."""
    if len(rows) < 3:
        return {}
    y = np.array([r["forgetting"] for r in rows], dtype=np.float64)
    return {
        name: {
            "n": len(rows),
            **{form: fit_with_interval(np.array([r[name] for r in rows]), y, form) for form in FORMS},
        }
        for name in predictors
    }


def matched_advantage(
    accuracy: list[float], forgetting: list[float], on_policy: list[bool], *, n_boot: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Step 3: the on-policy advantage −c of y = a + b·accuracy + c·on_policy, with its bootstrap interval.

    >>> r = matched_advantage([0.2, 0.4, 0.6, 0.3, 0.5], [0.14, 0.18, 0.22, 0.11, 0.15], [0, 0, 0, 1, 1], n_boot=50)
    >>> round(r["advantage"], 6), r["common_accuracy"]
    (0.05, [0.3, 0.5])
    """
    acc, y, on = (np.asarray(v, dtype=np.float64) for v in (accuracy, forgetting, on_policy))
    groups = [np.flatnonzero(on == 1), np.flatnonzero(on == 0)]
    if any(len(g) < 2 for g in groups):
        return {"verdict": "not testable", "note": "each group needs at least 2 finished sequences"}
    low, high = max(acc[g].min() for g in groups), min(acc[g].max() for g in groups)
    if low > high:
        return {"verdict": "not testable", "note": "the groups' final accuracies do not overlap"}

    def advantage(idx: np.ndarray) -> float | None:
        design = np.stack([np.ones(len(idx)), acc[idx], on[idx]], axis=1)
        if np.linalg.matrix_rank(design) < 3:
            return None
        return -float(np.linalg.lstsq(design, y[idx], rcond=None)[0][2])

    rng = np.random.default_rng(seed)
    draws = [advantage(np.concatenate([rng.choice(g, len(g)) for g in groups])) for _ in range(n_boot)]
    lo, hi = percentile_interval(np.array([d for d in draws if d is not None]))
    value = advantage(np.arange(len(y)))
    verdict = "on-policy forgets less" if lo > 0 else "offline forgets less" if hi < 0 else "not shown"
    return {"advantage": value, "low": lo, "high": hi, "common_accuracy": [float(low), float(high)], "verdict": verdict}


def _final(sequence: dict[str, Any]) -> dict[str, float]:
    f = sequence["final"]
    return {
        "mean_accuracy": f["mean_accuracy"],
        "prior_forgetting": f["prior_forgetting"],
        "task_forgetting": f["task_forgetting"] or 0.0,
    }


def analyze_sequences(sequences: list[dict[str, Any]], on_policy: dict[str, bool]) -> dict[str, Any]:
    """Steps 1–3 per (track, task order); `on_policy` names each method's kind (`razorbench list methods`)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sequences:
        groups[f"{s['track']}/{','.join(s['tasks'])}"].append(s)
    result: dict[str, Any] = {}
    for key, members in groups.items():
        finished = [s for s in members if s["state"] == "finished"]
        rows: dict[str, list[dict[str, Any]]] = {"tasks": [], "priors": []}
        for s in finished:
            for kind, found in forgetting_rows(s).items():
                rows[kind].extend(found)
        methods = {}
        for method in sorted({s["method"] for s in finished}):
            finals = [_final(s) for s in finished if s["method"] == method]
            methods[method] = {
                "on_policy": on_policy.get(method),
                "n": len(finals),
                **{k: mean_t_interval([f[k] for f in finals]).to_dict() for k in ("mean_accuracy", *OUTCOMES)},
            }
        known = [s for s in finished if on_policy.get(s["method"]) is not None]
        finals = [_final(s) for s in known]
        result[key] = {
            "n_sequences": len(finished),
            "n_running": len(members) - len(finished),
            "fits": {
                "earlier_tasks": predictor_fits(rows["tasks"], TASK_PREDICTORS),
                "priors": predictor_fits(rows["priors"], PRIOR_PREDICTORS),
            },
            "methods": methods,
            "on_policy_vs_offline": {
                outcome: matched_advantage(
                    [f["mean_accuracy"] for f in finals],
                    [f[outcome] for f in finals],
                    [bool(on_policy[s["method"]]) for s in known],
                )
                for outcome in OUTCOMES
            },
            "rows": rows,
        }
    return result


def stage_curves(sequences: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per method: after each stage, the mean (with 95% t interval over seeds) accuracy on each task and prior score."""
    out: dict[str, dict[str, Any]] = {}
    for method in sorted({s["method"] for s in sequences}):
        mine = [s for s in sequences if s["method"] == method and s["state"] == "finished"]
        if not mine:
            continue
        tasks, curves = mine[0]["tasks"], {}
        for name in (*tasks, "priors"):
            points = []
            for k in range(len(tasks)):
                values = [
                    _stage_score(s["stages"][k], name)
                    for s in mine
                    if name == "priors" or name in s["stages"][k]["tasks"]
                ]
                if values:
                    points.append({"stage": k + 1, **mean_t_interval(values).to_dict()})
            curves[name] = points
        out[method] = curves
    return out


def _stage_score(stage: dict[str, Any], name: str) -> float:
    if name == "priors":
        scores = stage["prior_scores"].values()
        return float(np.mean([s["final"] for s in scores]))
    return stage["tasks"][name]["accuracy"]


def plot_sequences(sequences: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Step 4: one panel per method, a line per task and one for the priors, x = stage; PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = stage_curves(sequences)
    if not curves:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(curves), figsize=(3.2 * len(curves), 3.4), sharey=True, squeeze=False)
    for ax, (method, lines) in zip(axes[0], curves.items(), strict=True):
        for name, points in lines.items():
            xs, ys = [p["stage"] for p in points], [p["value"] for p in points]
            err = [
                [p["value"] - p["ci_low"] if p["ci_low"] is not None else 0 for p in points],
                [p["ci_high"] - p["value"] if p["ci_high"] is not None else 0 for p in points],
            ]
            ax.errorbar(
                xs, ys, yerr=err, marker="o", capsize=2, label=name, linestyle="--" if name == "priors" else "-"
            )
        ax.set(title=method, xlabel="after stage", xticks=range(1, max(len(p) for p in lines.values()) + 1))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("accuracy / prior score")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out_dir / "stages")


def summary_tables(result: dict[str, Any]) -> list[Any]:
    """Rich tables: the predictor fits and the on-policy vs offline comparison of each group."""
    from rich.table import Table

    def r2(f: dict[str, Any]) -> str:
        q = f["quadratic0"]
        if q["r2"] is None:
            return "n/a"
        return f"{q['r2']:.3f} [{q.get('r2_low') or float('nan'):.2f}, {q.get('r2_high') or float('nan'):.2f}]"

    tables = []
    for key, group in result.items():
        fits = Table(
            title=f"{key}: forgetting vs predictors (quadratic through 0, R² [95% CI]), {group['n_sequences']} seq."
        )
        for column in ("capability", "predictor", "n", "R²"):
            fits.add_column(column)
        for capability, found in group["fits"].items():
            for name, f in found.items():
                fits.add_row(capability, name, str(f["n"]), r2(f))
        tables.append(fits)
        compare = Table(title=f"{key}: on-policy advantage at matched final accuracy (> 0: on-policy forgets less)")
        for column in ("outcome", "advantage [95% CI]", "common accuracy", "verdict"):
            compare.add_column(column)
        for outcome, c in group["on_policy_vs_offline"].items():
            if "advantage" not in c:
                compare.add_row(outcome, "", "", f"{c['verdict']}: {c['note']}")
                continue
            lo, hi = c["common_accuracy"]
            compare.add_row(
                outcome,
                f"{c['advantage']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}]",
                f"{lo:.3f}–{hi:.3f}",
                c["verdict"],
            )
        tables.append(compare)
    return tables
