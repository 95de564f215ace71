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
    """
    >>> rank_text({"reached": True, "rank": 2, "tie": True}), rank_text({"reached": True, "rank": None})
    ('=2', 'not ranked')
    """
    if not row["reached"]:
        return "not reached"
    if row["rank"] is None:  # disagreed on re-execution: shown, never ranked
        return "not ranked"
    return f"{'=' if row['tie'] else ''}{row['rank']}"


def between_text(row: dict[str, Any]) -> str:
    """The accuracies of the two measured frontier points the row is read between.

    >>> between_text({"reached": True, "between": (0.306, 0.52)}), between_text({"reached": False})
    ('0.306–0.520', '–')
    """
    if not row["reached"]:
        return "–"
    lo, hi = row["between"]
    return num(lo) if lo == hi else f"{num(lo)}–{num(hi)}"


ENTRY_COLUMNS = (
    "submission",
    "method",
    "status",
    "per-item results",
    "best accuracy",
    "rates",
    "runs",
    "seeds",
    "authors",
    "link",
)
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
    "task at the protocol's **fixed target accuracies**, chosen once per track from its reproduction (base + ¼, ½, "
    "¾ of the way to the best seed-averaged frontier accuracy any method reached; tiny: the tiny reproduction, "
    "docs/LEADERBOARD-TARGETS.md; smol: the smol claims sweep, docs/LEADERBOARD-TARGETS-smol.md). A "
    "submission's Pareto frontier (new-task accuracy against mean prior score) starts at the base (step 0) and "
    "runs over all its configurations and curve points, seeds averaged. At a target, retention (mean prior score), "
    "forgetting and forward KL are interpolated between the two measured frontier points that bracket it (their "
    'accuracies are shown); a target beyond the frontier\'s end is "not reached". Retention and forgetting carry a '
    "95% interval over seeds and over prior items (razorbench/leaderboard/interval.py): the items' term is exact "
    "where every run read keeps per-item results, and otherwise the largest one the prior scores allow. Two entries "
    "are compared by the difference of their retention at the target, with such an interval paired over seeds and "
    "items; they are told apart only where it excludes 0 and the gap is at least the board's resolution (stated "
    'below each board). Rank = 1 + the number of entries found to retain more; entries sharing a letter in "group" '
    "are not told apart. Forward KL is shown (with its seed interval), not ranked. Entries are ranked within their "
    "pool only: verified (every record re-executed by `razorbench leaderboard verify --stamp --all` and in "
    "agreement), pending (not yet every record), and archived (an older protocol) apart from each other; an entry "
    "that disagreed on re-execution is shown, not ranked."
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
        f"{versions}; hardware {', '.join(p.hardware['device'])}, precision {', '.join(p.hardware['precision'])}, "
        f"{p.threads} thread{'s' if p.threads > 1 else ''}; tuning budget {p.learning_rates} learning rates per "
        f"method: {rates}; other methods {', '.join(f'{f:g}' for f in p.grid['own_rate_factors'])} × their own rate "
        f"within {p.grid['default_steps']} steps; {curve_text(p.curve_points)}; target accuracies "
        f"{', '.join(f'{t:.2f}' for t in p.targets)}."
    )


def curve_text(curve_points: int) -> str:
    """
    >>> curve_text(6)
    'a curve point every ≤ steps/6'
    >>> print(curve_text(0))
    no curve points asked for (the frontier: the base and each run's final point)
    """
    if curve_points == 0:
        return "no curve points asked for (the frontier: the base and each run's final point)"
    return f"a curve point every ≤ steps/{curve_points}"


def plain(value: Any) -> str:
    """A protocol value as the page states it, as YAML writes it.

    >>> plain(["a", "b"]), plain({"copa": 100}), plain(False), plain(None)
    ('[a, b]', '{copa: 100}', 'false', 'null')
    """
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
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
    """The pool a row is ranked in, short: "v2 · pending".

    >>> pool_text({"protocol_version": 1, "kind": "disagreed"})
    'v1 · disagreed'
    """
    return f"v{row['protocol_version']} · {row['kind']}"


def items_text(entry: dict[str, Any]) -> str:
    return "kept" if entry["items"] else "not kept"


def resolution_sentence(g: dict[str, Any]) -> str:
    r = g["resolution"]
    if r is None:
        return "Resolution: no two entries reach a common target, so no difference was measured."
    step = ""
    if r["item_step"]:
        lo, hi = r["item_step"]
        step = f" One prior item moves retention by {lo:.4f}" + (f"–{hi:.4f}" if hi > lo else "") + " here."
    return (
        f"Resolution: {r['stated']:.4f} in retention, the median half-width of this board's {r['n']} paired 95% "
        f"difference intervals rounded up ({r['low']:.4f}–{r['high']:.4f} across pairs); no two entries are ranked "
        f"apart on a smaller gap.{step}"
    )


def items_sentence(g: dict[str, Any]) -> str:
    r = g["resolution"]
    kept = sum(e["items"] for e in g["entries"])
    exact = f"; the item term was exact in {r['exact']} of the {r['n']} difference intervals" if r else ""
    return (
        f"Per-item results: {kept} of the {len(g['entries'])} entries keep them. Where a run read at a target keeps "
        "none (curve points never do, nor submissions made before they were kept), the item term of an interval is "
        f"its bound from the prior scores, so that interval is wider than the exact one would be{exact}."
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
