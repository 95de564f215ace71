"""Learning curves of the paper's methods on every tiny task: the diagnosis behind docs/TINY-TRACK.md.

    python -m experiments.tiny.diagnose [--steps 300] [--every 25] [--jobs 2]
                                        [--out runs/diagnose-tiny] [--doc docs/TINY-TRACK-curves.md]
    python -m experiments.tiny.diagnose --report-only     # the report from the kept records alone

Design, fixed before any curve was seen: every method the paper compares (sft, rl, reinforce, simpo, oracle-sft) on
every new task (science, math, tool), seed 0, each at its own YAML defaults (learning rate, batch, group size)
except `trainer.max_steps` (300 by default: 5-10x the budgets of the first reproduction) and `curve.every` (25):
the policy is evaluated at step 0 and every 25 optimizer steps with the run's own evaluation settings
(`razorbench.runner.curve`). The runs are a plan of one-run sweeps (`plan`), run by the launch layer like every
reproduction's (`razorbench.launch.plan.run_sweeps`: one torch thread a run, `--jobs` sweeps at once). Each run's
record is kept in experiments/tiny/diagnose/records/<task>/<method>/seed-0.json.gz as it ends (`razorbench.launch.kept`:
compact, checked against the design's settings), and a kept run is not run again, so the command resumes on a fresh
machine; the report and its figures are made from the kept records alone. Another design (`--steps`, `--every`,
overrides) keeps its records in a folder of its own (`--records`): a kept record of other settings is refused.

The report gives, per task: the base model's accuracy and the number of correct responses per held-out prompt
(what the task admits), and per method and curve point: new-task accuracy, forgetting (and per prior), the forward
KL (nats per sequence), the entropy of the policy's own responses and the distinct correct responses it gives
among `eval.samples_per_prompt` samples; plus one figure per task, in a folder named after the doc
(docs/TINY-TRACK-curves/<task>.png).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from razorbench.analysis.report_provenance import busy_minutes, most_at_once, shown_folder
from razorbench.launch.kept import Point
from razorbench.launch.plan import run_sweeps
from razorbench.launch.sweep_plan import SweepPlan
from razorbench.util.compact_record import read_kept

METHODS = ("sft", "rl", "reinforce", "simpo", "oracle-sft")
TASKS = ("science", "math", "tool")
TRACK = "tiny"
DOC = "docs/TINY-TRACK-curves.md"
RECORDS = Path(__file__).parent / "diagnose" / "records"
THREADS = 1  # torch threads a run: the tiny model gains little from more, and `--jobs` runs share the cores


def point(task: str, method: str, steps: int, every: int, extra: list[str]) -> Point:
    """A curve run as kept: `<records>/<task>/<method>/seed-0.json.gz`, checked against the design's settings."""
    return Point(task, method, "seed-0", (f"trainer.max_steps={steps}", f"curve.every={every}", "seed=0", *extra))


def plan(tasks: list[str], methods: list[str], steps: int, every: int, extra: list[str], records: Path) -> SweepPlan:
    """The diagnosis as a plan of sweeps (`razorbench.launch.plan`): per (task, method) one run at seed 0 with the
    curve's budget and spacing, its record kept in `records` as it ends (where `point` says); a kept run is not
    run again, and a run finished in its folder but not kept is kept, not rerun (`razorbench.launch.kept`)."""
    return SweepPlan(
        methods={m: [] for m in methods},
        grid={},
        seeds=1,
        common=[f"trainer.max_steps={steps}", f"curve.every={every}", *extra],
        track=TRACK,
        tasks=tuple(tasks),
        records=records,
    )


def load(records: Path, tasks: list[str], methods: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """The kept records by task and method, of those asked that are kept."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for task in tasks:
        for method in methods:
            path = point(task, method, 0, 0, []).path(records)  # where it is; its settings are the kept record's
            if path.exists():
                out.setdefault(task, {})[method] = read_kept(path)
    return out


def correct_per_prompt(task: str, prompts: int) -> dict[str, float]:
    """Mean, min and max number of correct responses per held-out prompt, from the task's own answer sets."""
    from razorbench.api.registry import get_task

    obj = get_task(task, TRACK)()
    counts = [len(obj.correct_answers(e)) for e in obj.examples("eval")[:prompts]]
    return {"mean": statistics.mean(counts), "min": min(counts), "max": max(counts)}


def plot(task: str, records: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("new_task_accuracy", "new-task accuracy"),
        ("forgetting", "forgetting"),
        ("forward_kl", "forward KL (nats/seq)"),
        ("token_entropy", "entropy of own responses (nats/token)"),
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(16, 3.4))
    for ax, (key, label) in zip(axes, panels, strict=True):
        for method, record in records.items():
            curve = record["curve"]
            ax.plot([p["step"] for p in curve], [p[key] for p in curve], marker=".", label=method)
        ax.set_xlabel("optimizer step")
        ax.set_title(label, fontsize=10)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"tiny/{task}: learning curves (seed 0)", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


# The pairs RL's Razor compares (better, worse); a pair is testable where both curves cover the same accuracies.
PAIRS = (("rl", "sft"), ("reinforce", "sft"), ("oracle-sft", "rl"), ("rl", "simpo"), ("reinforce", "simpo"))


PLATEAU_GAIN = 0.02  # docs/TINY-TRACK.md: a budget reaches its plateau when accuracy gains at most this after it


def plateau_budget(curve: list[dict[str, Any]]) -> int:
    """The pre-registered step budget: the first curve point after which accuracy never rises by more than
    `PLATEAU_GAIN` (the last point when none does before it).

    >>> plateau_budget([{"step": s, "new_task_accuracy": a} for s, a in [(0, .1), (25, .3), (50, .31), (75, .32)]])
    25
    """
    for i, point in enumerate(curve):
        later = max(p["new_task_accuracy"] for p in curve[i:])
        if later - point["new_task_accuracy"] <= PLATEAU_GAIN + 1e-9:  # accuracies are float32 means
            return point["step"]
    return curve[-1]["step"]


def conditions(by_method: dict[str, dict[str, Any]]) -> list[str]:
    """The design conditions of docs/TINY-TRACK.md that one task's curves measure."""
    curves = {m: r["curve"] for m, r in by_method.items()}
    first = next(iter(by_method.values()))
    start, samples = first["curve"][0], first["config"]["eval"]["samples_per_prompt"]
    # Distinct correct responses per correct sample drawn (samples x accuracy of them): 1 when no correct
    # answer repeats, 1/samples when the policy always gives the same correct answer.
    correct_drawn = samples * start["new_task_accuracy"]
    share = start["distinct_correct_responses"] / correct_drawn if correct_drawn else float("nan")
    lines = [
        f"- π0 (step 0): accuracy {start['new_task_accuracy']:.3f}; distinct responses"
        f" {start['distinct_responses']:.2f} and distinct correct responses {start['distinct_correct_responses']:.2f}"
        f" among the {samples} samples of one prompt ({share:.2f} per correct sample drawn);"
        f" token entropy {start['token_entropy']:.3f};"
        " priors " + ", ".join(f"{n} {v:.3f}" for n, v in start["prior_scores"].items())
    ]
    for method, curve in curves.items():
        tail = [p for p in curve if p["step"] >= 0.8 * curve[-1]["step"]]
        gain = curve[-1]["new_task_accuracy"] - tail[0]["new_task_accuracy"]
        best = max(curve, key=lambda p: p["new_task_accuracy"])
        lines.append(
            f"- {method}: accuracy gain over the last 20% of steps {gain:+.3f}; step budget by the plateau rule"
            f" {plateau_budget(curve)}; most accurate point step {best['step']} (accuracy"
            f" {best['new_task_accuracy']:.3f}, forgetting {best['forgetting']:+.3f})"
        )
    spans = {
        m: (min(p["new_task_accuracy"] for p in c), max(p["new_task_accuracy"] for p in c)) for m, c in curves.items()
    }
    for better, worse in PAIRS:
        if better in spans and worse in spans:
            overlap = min(spans[better][1], spans[worse][1]) - max(spans[better][0], spans[worse][0])
            lines.append(f"- accuracy overlap of {better} and {worse} over their curves: {max(overlap, 0.0):.3f}")
    return lines


def sweep_minutes(records: dict[str, dict[str, dict[str, Any]]], runs_per_budget: int = 9, jobs: int = 2) -> float:
    """Upper estimate of the pre-registered sweep's wall time (docs/TINY-TRACK.md): per task and method,
    `runs_per_budget` runs (3 learning rates x 3 seeds) as long as this run scaled to its plateau budget (the whole
    curve where the budget is 0, i.e. unknown), `jobs` at once. An upper estimate: these runs include a curve
    evaluation every `every` steps."""
    total = 0.0
    for by_method in records.values():
        for record in by_method.values():
            steps = record["config"]["trainer"]["max_steps"]
            budget = plateau_budget(record["curve"]) or steps
            total += record["provenance"]["wall_seconds"] * budget / steps * runs_per_budget
    return total / jobs / 60


def report_text(records: Path = RECORDS) -> str:
    """The report the kept runs of the design give (every task and method), written nowhere (what the doc must
    equal)."""
    return render(load(records, list(TASKS), list(METHODS)), DOC, records)


def _runs(records: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [r for by_method in records.values() for r in by_method.values()]


def _version(task: str) -> int:
    from razorbench.api.registry import get_task

    return get_task(task, TRACK).version


def render(records: dict[str, dict[str, dict[str, Any]]], doc: str = DOC, records_dir: Path = RECORDS) -> str:
    """The report from the kept records (by task and method): the same records give the same file."""
    first = next(iter(next(iter(records.values())).values()))
    steps, every = first["config"]["trainer"]["max_steps"], first["config"]["curve"]["every"]
    runs = _runs(records)
    lines = [
        "# Tiny track: learning curves (generated)",
        "",
        f"Generated by `python -m experiments.tiny.diagnose --steps {steps} --every {every} --report-only` from the"
        f" kept records in `{shown_folder(records_dir)}` ({len(runs)} runs; without `--report-only` the command runs"
        " those not kept yet first); the same records give the same file. Interpretation: docs/TINY-TRACK.md.",
        "",
        f"Base model sha256 {first['base_model']['sha256'][:12]}…; task versions (this checkout) "
        + ", ".join(f"{t} v{_version(t)}" for t in (*records, *first["config"]["task"]["priors"]))
        + ".",
        "",
        f"Design: seed 0, each method at its YAML defaults, `trainer.max_steps={steps}`, a curve point at step 0"
        f" and every {every} optimizer steps, evaluated with the run's own settings. Wall-clock time of the runs,"
        f" from their records' start and end: {busy_minutes(runs):.1f} min while at least one was going"
        f" ({most_at_once(runs)} at once at most, one torch thread each).",
        "",
        f"Upper estimate of the reproduction sweep fixed in docs/TINY-TRACK.md (3 learning rates x 3 seeds at each"
        f" method's plateau budget, two runs at once), scaled from these runs' wall times: {sweep_minutes(records):.0f}"
        " min.",
        "",
        "Columns: acc = new-task accuracy; forg = forgetting (mean prior drop from the base); per-prior scores;"
        " fKL = forward KL to π0 (nats/sequence); H = entropy of the policy's own responses (nats/token);"
        " distinct = distinct responses, correct = distinct correct responses, among the samples of one prompt"
        " (mean over held-out prompts).",
    ]
    for task, by_method in records.items():
        first = next(iter(by_method.values()))
        settings = first["config"]["eval"]
        counts = correct_per_prompt(task, settings["new_task_prompts"])
        lines += [
            "",
            f"## {task}",
            "",
            f"- Base accuracy {first['metrics']['base_new_task_accuracy']:.3f}; correct responses per held-out prompt"
            f" {counts['mean']:.1f} on average (min {counts['min']}, max {counts['max']});"
            f" {settings['samples_per_prompt']} samples per prompt.",
            f"- ![{task}]({Path(doc).stem}/{task}.png)",
            *conditions(by_method),
        ]
        for method, record in by_method.items():
            curve = record["curve"]
            priors = list(curve[0]["prior_scores"])
            lines += [
                "",
                f"### {task} / {method}",
                "",
                "| step | acc | forg | " + " | ".join(priors) + " | fKL | H | distinct | correct |",
                "|---:|---:|---:|" + "---:|" * len(priors) + "---:|---:|---:|---:|",
            ]
            for p in curve:
                scores = " | ".join(f"{p['prior_scores'][n]:.3f}" for n in priors)
                lines.append(
                    f"| {p['step']} | {p['new_task_accuracy']:.3f} | {p['forgetting']:+.3f} | {scores} |"
                    f" {p['forward_kl']:.2f} | {p['token_entropy']:.3f} | {p['distinct_responses']:.2f} |"
                    f" {p['distinct_correct_responses']:.2f} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--out", default="runs/diagnose-tiny", help="the runs' folders (not kept)")
    parser.add_argument("--doc", default=DOC)
    parser.add_argument("--records", type=Path, default=RECORDS, help="where each run's record is kept")
    parser.add_argument("--report-only", action="store_true", help="no run: the report from the kept records alone")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="added to every run (e.g. for a test)")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    methods, tasks = args.methods.split(","), args.tasks.split(",")
    if not args.report_only:
        design = plan(tasks, methods, args.steps, args.every, args.overrides, args.records)
        # A one-task plan's sweeps sit in out/<method>: one task's runs go in out/<task>/<method> like several's.
        runs = out_dir / tasks[0] if len(tasks) == 1 else out_dir
        run_sweeps(design, None, runs, jobs=args.jobs, threads=THREADS)
    records = load(args.records, tasks, methods)
    if not records:
        parser.error(f"no run is kept in {args.records}: run the diagnosis first (without --report-only)")
    doc = Path(args.doc)
    for task, by_method in records.items():
        plot(task, by_method, doc.with_suffix("") / f"{task}.png")  # figures in a folder named after the doc
    doc.write_text(render(records, args.doc, args.records))
    print(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
