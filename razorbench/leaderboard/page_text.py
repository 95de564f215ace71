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


def between_text(row: dict[str, Any]) -> str:
    """The accuracies of the two measured frontier points the row is read between.

    >>> between_text({"reached": True, "between": (0.306, 0.52)}), between_text({"reached": False})
    ('0.306–0.520', '–')
    """
    if not row["reached"]:
        return "–"
    lo, hi = row["between"]
    return num(lo) if lo == hi else f"{num(lo)}–{num(hi)}"


ENTRY_COLUMNS = ("submission", "method", "status", "best accuracy", "rates", "runs", "seeds", "authors", "link")
TARGET_COLUMNS = (
    "rank",
    "group",
    "submission",
    "method",
    "pool",
    "read between",
    "retention [95% CI]",
    "forgetting [95% CI]",
    "forward KL [95% CI], not ranked",
)

RULE = (
    "Every submission follows the standard protocol (`leaderboard/protocol.yaml`, shown per task below): the same "
    "evaluation settings, task and base-model versions, hardware and precision, at least 3 seeds per configuration, "
    "and the same tuning budget for every method (its learning rates and step budget). Each is ranked per track and "
    "task at the protocol's **fixed target accuracies**, chosen once from the tiny reproduction (base + ¼, ½, ¾ of "
    "the way to the best seed-averaged frontier accuracy any method reached, docs/LEADERBOARD-TARGETS.md). A "
    "submission's Pareto frontier (new-task accuracy against mean prior score) starts at the base (step 0) and "
    "runs over all its configurations and curve points, seeds averaged, with 95% t-intervals. At a target, "
    "retention (mean prior score), forgetting and forward KL are interpolated between the two measured frontier "
    'points that bracket it (their accuracies are shown); a target beyond the frontier\'s end is "not reached". '
    "Two entries are compared by the difference of their retention at the target, with a 95% interval paired over "
    "seeds (and over prior items where both keep per-item results); they tie only where that interval covers 0. "
    'Rank = 1 + the number of entries found to retain more; entries sharing a letter in "group" are not told '
    "apart. Forward KL is shown, not ranked. Entries are ranked within their pool only: re-executed by CI "
    "(`razorbench leaderboard verify`) or not, and the current protocol apart from an archived one."
)


def protocol_text(g: dict[str, Any]) -> str:
    p = g["protocol"]
    evaluation = ", ".join(f"{k}={plain(v)}" for k, v in p.evaluation.items())
    versions = ", ".join(f"{k} {v}" for k, v in p.task_versions.items())
    rates = "; ".join(
        f"{m} {', '.join(f'{x:g}' for x in spec['lr'])} ({spec['steps']} steps)"
        for m, spec in p.grid.get("methods", {}).items()
    )
    return (
        f"Protocol v{p.version}: {p.seeds} seeds per configuration; evaluation {evaluation}; task versions "
        f"{versions}; hardware {', '.join(p.hardware['device'])}, precision {', '.join(p.hardware['precision'])}; "
        f"tuning budget {p.learning_rates} learning rates per method: {rates}; other methods "
        f"{', '.join(f'{f:g}' for f in p.grid['own_rate_factors'])} × their own rate within "
        f"{p.grid['default_steps']} steps; a curve point every ≤ steps/{p.curve_points}; target accuracies "
        f"{', '.join(f'{t:.2f}' for t in p.targets)}."
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


def pool_text(row: dict[str, Any]) -> str:
    """The pool a row is ranked in, short: "v1 archived · verified"."""
    archived, unverified = row["pool"]
    version = row["label"].split(",")[0].replace("protocol ", "").replace(" (archived)", " archived")
    return f"{version} · {'unverified' if unverified else 'verified'}"


def resolution_sentence(g: dict[str, Any]) -> str:
    r = g["resolution"]
    if r is None:
        return "Resolution: no two entries reach a common target, so no difference was measured."
    return (
        f"Resolution: a difference in retention smaller than about {r['median']:.3f} is not told from 0 here (the "
        f"median half-width of this board's {r['n']} paired 95% difference intervals; {r['low']:.3f}–"
        f"{r['high']:.3f} across pairs)."
    )


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
