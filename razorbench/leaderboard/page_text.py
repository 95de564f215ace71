"""What both leaderboard pages say, as plain text: numbers and intervals, ranks, the ranking rule, a group's
protocol, base model and forgetting law. The Markdown and HTML pages escape it each their own way."""

from __future__ import annotations

from typing import Any


def num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def interval(q: dict[str, float | None], digits: int = 3) -> str:
    """
    >>> interval({"value": 0.5, "low": 0.4, "high": 0.61})
    '0.500 [0.400, 0.610]'
    >>> interval({"value": 0.5, "low": None, "high": None})
    '0.500'
    """
    if q["low"] is None or q["high"] is None:
        return num(q["value"], digits)
    return f"{num(q['value'], digits)} [{num(q['low'], digits)}, {num(q['high'], digits)}]"


def rank_text(row: dict[str, Any]) -> str:
    return f"{'=' if row['tie'] else ''}{row['rank']}" if row["reached"] else "not reached"


ENTRY_COLUMNS = ("submission", "method", "best accuracy", "runs", "seeds", "authors", "link")
TARGET_COLUMNS = ("rank", "submission", "method", "retention [95% CI]", "forgetting [95% CI]", "forward KL [95% CI]")

RULE = (
    "Every submission follows the standard protocol (`leaderboard/protocol.yaml`, shown per task below): the same "
    "evaluation settings, task and base-model versions, and at least 3 seeds per configuration. Each is ranked per "
    "track and task at the protocol's **fixed target accuracies**, chosen once from the tiny reproduction "
    "(base + ¼, ½, ¾ of the way to the best seed-averaged frontier accuracy any method reached, "
    "docs/LEADERBOARD-TARGETS.md). At a target, retention (mean prior score), forgetting and forward KL are read "
    "off the submission's Pareto frontier (new-task accuracy against mean prior score; one point per configuration "
    "and curve point, seeds averaged, with 95% t-intervals) by linear interpolation; a frontier that starts above "
    "the target counts with its first, most retentive point. Rank = 1 + the number of submissions whose retention "
    "interval lies wholly above this one's, so overlapping intervals are ties (=). A target a frontier does not "
    'reach is "not reached", never a rank.'
)


def protocol_text(g: dict[str, Any]) -> str:
    p = g["protocol"]
    evaluation = ", ".join(f"{k}={plain(v)}" for k, v in p.evaluation.items())
    versions = ", ".join(f"{k} {v}" for k, v in p.task_versions.items())
    return (
        f"Protocol v{p.version}: {p.seeds} seeds per configuration; evaluation {evaluation}; task versions "
        f"{versions}; target accuracies {', '.join(f'{t:.2f}' for t in p.targets)}."
    )


def plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "null" if value is None else str(value)


def meta_text(g: dict[str, Any]) -> str:
    return (
        f"Base model {g['base_model']['name']} (sha256 {g['base_model']['sha256'][:16]}…): new-task accuracy "
        f"{num(g['base_accuracy'])}, mean prior score {num(g['base_prior'])}."
    )


def target_cells(row: dict[str, Any]) -> list[str]:
    if not row["reached"]:
        return ["–", "–", "–"]
    return [interval(row["prior"]), interval(row["forgetting"], 4), interval(row["forward_kl"])]


def law_sentence(g: dict[str, Any]) -> str:
    law = g["law"]
    if law is None:
        return "The forgetting law needs at least 3 runs."
    if law["r2"] is None:
        return f"Forgetting is constant over the {law['n']} runs, so the forgetting law has no R²."
    a, b = law["coefs"]
    interval = f" [95% CI {num(law['r2_low'], 2)}, {num(law['r2_high'], 2)}]" if law.get("r2_low") is not None else ""
    return (
        f"Forgetting against forward KL over all {law['n']} runs and curve points, fitted as forgetting = a·KL + "
        f"b·KL² (the paper's quadratic through 0): a = {a:.4f}, b = {b:.4f}, R² = {law['r2']:.2f}{interval} "
        "(bootstrap over runs)."
    )
