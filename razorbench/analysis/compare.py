"""Paired comparison of two runs on the same task and base model: is B really better than A?

Both runs are scored on the same examples (the same held-out prompts, the same prior items, the same base
samples for the KL), so every comparison is paired by example id, which is far more sensitive than
comparing two headline numbers with their separate intervals.

- Benchmarks (the new task and each prior, final scores): difference B − A with a paired bootstrap interval
  at 1 − α, and a paired test: McNemar's for 0/1 items, a sign-flip permutation test for per-prompt means.
  The benchmarks form one family: their p-values are Holm-corrected and a difference is called significant
  when the corrected p < α.
- Summaries (mean forgetting over the priors both runs share, forward KL): the same interval and a
  sign-flip test (stratified by prior for forgetting). They restate the benchmarks in the paper's terms, so
  they are not part of the family and their p-values are not corrected.

`razorbench compare RUN_A RUN_B` prints `render_table(compare_records(a, b))`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from rich.table import Table

from razorbench.metrics.intervals import align, new_task_is_binary, per_example, stream
from razorbench.metrics.stats import (
    holm,
    mean_of_paired_differences,
    paired_difference,
    paired_test,
    sign_flip_test,
    transitions,
)


def check_comparable(a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
    """Raise a one-line ValueError naming what differs between two runs that cannot be paired."""

    def model(r: Mapping[str, Any]) -> str:
        m = r.get("base_model", {})
        return m.get("sha256") or m.get("name") or "?"

    for what, get in (
        ("track", lambda r: r.get("track")),
        ("task", lambda r: r.get("task")),
        ("base model", model),
    ):
        if get(a) != get(b):
            raise ValueError(
                f"cannot compare {a.get('run_id')!r} with {b.get('run_id')!r}: {what} differs ({get(a)} vs {get(b)})"
            )


def _verdict(difference: float, significant: bool, higher_is_better: bool) -> str:
    if not significant:
        return "no significant difference"
    return "B better" if (difference > 0) == higher_is_better else "A better"


def _benchmark(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    what: str,
    kind: str,
    seed: int,
    higher_is_better: bool = True,
    binary: bool | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """B − A on the examples both runs scored, with its interval and paired test (p_holm is added later).
    `binary` says whether the items are 0/1 (McNemar) or real-valued (sign-flip); None looks at the values."""
    xa, xb = align(a, b, what=what, strict=False)
    difference = paired_difference(xb, xa, seed=stream(seed, f"compare.{what}"), **kw)
    test = paired_test(xb, xa, seed=stream(seed, f"compare.{what}.test"), binary=binary)
    row = {"kind": kind, "higher_is_better": higher_is_better, "a": float(xa.mean()), "b": float(xb.mean())}
    row |= {**difference.to_dict(), "test": test.method, "statistic": test.statistic, "p_value": test.p_value}
    if test.method.startswith("mcnemar"):
        counts = transitions(xa, xb)
        row |= {"a_right_b_wrong": counts["right_to_wrong"], "a_wrong_b_right": counts["wrong_to_right"]}
    return row


def _forgetting(a: Mapping[str, Any], b: Mapping[str, Any], priors: list[str], *, seed: int, **kw: Any) -> dict:
    """Mean over shared priors of forgetting_B − forgetting_A, paired on the items all four scores cover."""
    pa, pb = per_example(a)["priors"], per_example(b)["priors"]
    forgetting_a, forgetting_b = [], []
    for name in priors:
        sides = (pa[name]["base"], pa[name]["final"], pb[name]["base"], pb[name]["final"])
        ids = sorted(set.intersection(*(set(s) for s in sides)))
        if not ids:
            raise ValueError(f"prior {name}: no example ids scored by both runs")
        base_a, final_a, base_b, final_b = (np.array([s[i] for i in ids], dtype=np.float64) for s in sides)
        forgetting_a.append(base_a - final_a)
        forgetting_b.append(base_b - final_b)
    pairs = list(zip(forgetting_b, forgetting_a, strict=True))
    difference = mean_of_paired_differences(pairs, seed=stream(seed, "compare.forgetting"), **kw)
    # The stratified sign-flip: weights 1/(G n_g) make Σ w d the mean over priors of each prior's mean.
    d = np.concatenate([fb - fa for fb, fa in pairs])
    weights = np.concatenate([np.full(fa.size, 1 / (len(pairs) * fa.size)) for fa in forgetting_a])
    test = sign_flip_test(d, weights=weights, seed=stream(seed, "compare.forgetting.test"))
    row = {"kind": "summary", "higher_is_better": False}
    row |= {
        "a": float(np.mean([f.mean() for f in forgetting_a])),
        "b": float(np.mean([f.mean() for f in forgetting_b])),
    }
    return row | {**difference.to_dict(), "test": test.method, "statistic": test.statistic, "p_value": test.p_value}


def compare_records(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    seed: int = 0,
    alpha: float = 0.05,
    n_boot: int = 2000,
) -> dict[str, Any]:
    """Paired comparison B − A of two runs (a JSON-ready dict; `render_table` shows it).

    Raises ValueError (one line) when the runs differ in track, task or base model, or share no examples.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha = {alpha} is outside (0, 1)")
    check_comparable(a, b)
    ea, eb = per_example(a), per_example(b)
    kw = {"confidence": 1 - alpha, "n_boot": n_boot}
    binary = {new_task_is_binary(a), new_task_is_binary(b)}
    benchmarks = {
        "new task": _benchmark(
            ea["new_task"]["final"],
            eb["new_task"]["final"],
            what="new task",
            kind="new task",
            seed=seed,
            binary=binary.pop() if len(binary) == 1 else False,  # one sample per prompt in one run only: means
            **kw,
        )
    }
    shared = [name for name in ea["priors"] if name in eb["priors"]]
    for name in shared:
        benchmarks[f"prior: {name}"] = _benchmark(
            ea["priors"][name]["final"],
            eb["priors"][name]["final"],
            what=f"prior {name}",
            kind="prior",
            seed=seed,
            **kw,
        )
    for name, p in holm({n: r["p_value"] for n, r in benchmarks.items()}).items():
        row = benchmarks[name]
        row |= {"p_holm": p, "significant": p < alpha}
        row["verdict"] = _verdict(row["value"], row["significant"], row["higher_is_better"])

    summary: dict[str, dict[str, Any]] = {}
    if shared:
        summary["forgetting"] = _forgetting(a, b, shared, seed=seed, **kw)
    if ea["forward_kl"] and eb["forward_kl"]:
        summary["forward_kl"] = _benchmark(
            ea["forward_kl"],
            eb["forward_kl"],
            what="forward KL",
            kind="summary",
            higher_is_better=False,
            binary=False,  # never 0/1 items, even when every KL is exactly 0 (the same model twice)
            seed=seed,
            **kw,
        )
    for row in summary.values():
        row["significant"] = row["p_value"] < alpha
        row["verdict"] = _verdict(row["value"], row["significant"], row["higher_is_better"])

    return {
        "difference": "B - A",
        "a": {"run_id": a.get("run_id"), "method": a.get("method")},
        "b": {"run_id": b.get("run_id"), "method": b.get("method")},
        "track": a.get("track"),
        "task": a.get("task"),
        "base_model": a.get("base_model", {}).get("name"),
        "alpha": alpha,
        "confidence": 1 - alpha,
        "seed": seed,
        "n_boot": n_boot,
        "benchmarks": benchmarks,
        "summary": summary,
        "priors_not_compared": {
            "only_in_a": [n for n in ea["priors"] if n not in eb["priors"]],
            "only_in_b": [n for n in eb["priors"] if n not in ea["priors"]],
        },
    }


def _number(x: float | None, digits: int = 3, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


TEST_LABELS = {
    "mcnemar exact": "McNemar exact",
    "mcnemar chi2 (continuity-corrected)": "McNemar χ²",
    "sign-flip permutation (exact)": "sign-flip exact",
    "sign-flip permutation": "sign-flip",
}


def render_table(result: Mapping[str, Any]) -> Table:
    """The comparison as a rich table: one row per benchmark, then the summary rows below a line."""
    a, b = result["a"], result["b"]
    level = f"{100 * result['confidence']:g}%"
    table = Table(
        title=f"B − A on {result['track']}/{result['task']}:  A = {a['run_id']} ({a['method']}),  "
        f"B = {b['run_id']} ({b['method']})",
        caption=f"↑ higher is better, ↓ lower is better; KL in nats per sequence. {level} CI: paired bootstrap "
        "over examples. "
        f"p (Holm): corrected across the rows above the line; significant (bold) when < {result['alpha']:g}, "
        "else n.s. "
        "Rows below the line are summaries, tested uncorrected.",
    )
    for column in ("benchmark", "n", "A", "B", "B − A", f"{level} CI", "test", "p", "p (Holm)", "verdict"):
        table.add_column(column, justify="left" if column in ("benchmark", "test", "verdict") else "right")

    def add(name: str, row: Mapping[str, Any], digits: int) -> None:
        arrow = "↑" if row["higher_is_better"] else "↓"
        style = "bold" if row["significant"] else None
        table.add_row(
            f"{name} {arrow}",
            str(row["n"]),
            _number(row["a"], digits),
            _number(row["b"], digits),
            _number(row["value"], digits, signed=True),
            f"[{_number(row['ci_low'], digits, True)}, {_number(row['ci_high'], digits, True)}]",
            TEST_LABELS.get(row["test"], row["test"]),
            _p(row["p_value"]),
            _p(row.get("p_holm")),
            row["verdict"].replace("no significant difference", "n.s."),
            style=style,
        )

    for name, row in result["benchmarks"].items():
        add(name, row, 3)
    table.add_section()
    labels = {"forgetting": "mean forgetting", "forward_kl": "forward KL"}
    for name, row in result["summary"].items():
        add(labels.get(name, name), row, 4)
    skipped = result["priors_not_compared"]["only_in_a"] + result["priors_not_compared"]["only_in_b"]
    if skipped:
        table.caption += f" Priors scored by only one run, not compared: {', '.join(skipped)}."
    return table
