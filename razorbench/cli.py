"""The `razorbench` command line.

    razorbench run --method rl --task science [--track tiny] [--model PATH] [--seed N]
                   [--output-dir DIR] [--config FILE] [key=value ...]
    razorbench sweep --method M --task T --grid key=v1,v2 [--grid ...] [--seeds N] [key=value ...]
    razorbench analyze RUN_DIR... [--out DIR]
    razorbench compare RUN_A RUN_B [--json PATH] [--alpha A] [--seed N]
    razorbench list [tasks|methods]
    razorbench submit RUN_DIR... --name NAME [--link URL] [--authors TEXT] [--out PATH]
    razorbench leaderboard validate [PATH...]
    razorbench leaderboard build [--check]
    razorbench pretrain-tiny [--out DIR] [--steps N] [--seed N]
    razorbench pretrain-toy [--data-dir DIR] [--out DIR] [--epochs N] [--seed N]
    razorbench reproduce toy|tiny [--data-dir DIR] [--out DIR] [--doc FILE] [--reduced] [--jobs N]

Bad input (an unknown method, task or config key, a value of the wrong type) ends with one line on
stderr naming the bad value and the valid choices, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from razorbench.config import ConfigError
from razorbench.lifecycle import RunBusy, RunFailure
from razorbench.registry import METHODS, TASKS, UnknownNameError
from razorbench.run import UsageError

console = Console()
err_console = Console(stderr=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="razorbench", description="The open benchmark for forgetting in LLM post-training."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="train one method on one new task and write its record")
    run.add_argument("--method", required=True, help="a registered method (razorbench list methods)")
    run.add_argument("--task", required=True, help="a new task of the track (razorbench list tasks)")
    run.add_argument("--track", default="tiny", help="tiny (default, CPU) or paper")
    run.add_argument("--model", help="base model path or hub id (default: the track's model)")
    run.add_argument("--seed", type=int, help="training seed (config key: seed)")
    run.add_argument("--data-dir", help="local copies of the task's data (config key: task.data_dir)")
    run.add_argument("--output-dir", help="where runs/<run-id>/ goes (config key: output_dir)")
    run.add_argument("--run-id", help="name of the run directory (config key: run_id)")
    run.add_argument("--config", help="a YAML file of config keys, merged after the task and method YAML")
    run.add_argument("--no-progress", action="store_true", help="no progress bar (logs and CI)")
    run.add_argument("--force", action="store_true", help="start a finished (or differently configured) run over")
    run.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. optim.lr=1e-4")

    sweep = sub.add_parser("sweep", help="run a hyperparameter grid (x seeds) as separate, resumable runs")
    sweep.add_argument("--method", required=True)
    sweep.add_argument("--task", required=True)
    sweep.add_argument("--track", default="tiny")
    sweep.add_argument("--grid", action="append", default=[], metavar="key=v1,v2", help="repeatable")
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per grid point (0, 1, ... N-1)")
    sweep.add_argument("--output-dir", default="runs", help="parent of the sweep folder")
    sweep.add_argument("--sweep-id", help="sweep folder name (default: <track>-<task>-<method>)")
    sweep.add_argument("--config", help="a YAML file of config keys")
    sweep.add_argument("overrides", nargs="*", metavar="key=value", help="overrides for every run")

    analyze = sub.add_parser("analyze", help="frontiers, forgetting-law fits and matched-accuracy comparison")
    analyze.add_argument("paths", nargs="+", metavar="RUN_DIR", help="run folders, sweep folders or records")
    analyze.add_argument("--out", default="analysis", help="folder for analysis.json and plots")
    analyze.add_argument("--no-plots", action="store_true")

    compare = sub.add_parser("compare", help="paired comparison of two runs on the same task and base model")
    compare.add_argument("run_a", metavar="RUN_A", help="run folder or its record.json (the reference, A)")
    compare.add_argument("run_b", metavar="RUN_B", help="run folder or its record.json (differences are B - A)")
    compare.add_argument("--json", metavar="PATH", help="also write the full comparison as JSON")
    compare.add_argument("--alpha", type=float, default=0.05, help="family-wise error rate; CIs at 1 - alpha")
    compare.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and permutation draws")

    submit = sub.add_parser("submit", help="make a leaderboard submission of every run of a sweep")
    submit.add_argument("paths", nargs="+", metavar="RUN_DIR", help="sweep folders, run folders or records")
    submit.add_argument("--name", required=True, help="the submission's name: its file name and leaderboard row")
    submit.add_argument("--link", help="paper or code (an http(s) URL)")
    submit.add_argument("--authors", help="names and a contact")
    submit.add_argument("--out", help="default: leaderboard/submissions/<track>/<task>/<name>.json")

    board = sub.add_parser("leaderboard", help="validate submissions; build leaderboard/README.md and index.html")
    board_actions = board.add_subparsers(dest="action", required=True)
    validate = board_actions.add_parser("validate", help="check submission files (default: leaderboard/submissions)")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="submission files or folders")
    build = board_actions.add_parser("build", help="write leaderboard/README.md, index.html and plots/")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if the pages are not up to date")

    listing = sub.add_parser("list", help="list registered tasks and methods")
    listing.add_argument("what", nargs="?", choices=["tasks", "methods"], help="only tasks or only methods")

    pre = sub.add_parser("pretrain-tiny", help="rebuild the tiny track's base model from seed")
    pre.add_argument("--out", default="tiny-lm", help="output directory (default: ./tiny-lm)")
    pre.add_argument("--steps", type=int, default=3000)
    pre.add_argument("--seed", type=int, default=0)

    toy = sub.add_parser("pretrain-toy", help="rebuild the toy track's base MLP from seed")
    toy.add_argument("--data-dir", help="local IDX copies (DIR/mnist, DIR/fashion_mnist); default: the hub")
    toy.add_argument("--out", default="toy-mlp", help="output directory (default: ./toy-mlp)")
    toy.add_argument("--epochs", type=int, default=10)
    toy.add_argument("--seed", type=int, default=0)

    from razorbench.reproduce import add_arguments

    add_arguments(sub.add_parser("reproduce", help="a paper's experiment end to end: sweeps, analysis, report"))
    return parser


def _run(args: argparse.Namespace) -> None:
    from razorbench.run import _launcher_rank_zero, train_and_evaluate

    flags = {
        "seed": args.seed,
        "model": args.model,
        "output_dir": args.output_dir,
        "run_id": args.run_id,
        "task.data_dir": args.data_dir,
    }
    overrides = [f"{k}={v}" for k, v in flags.items() if v is not None] + list(args.overrides)
    record, path = train_and_evaluate(
        args.method,
        args.task,
        track=args.track,
        config_file=args.config,
        overrides=overrides,
        progress=not args.no_progress,
        force=args.force,
    )
    if _launcher_rank_zero():  # the other ranks of a DDP run compute, rank 0 reports
        print_summary(record, path)


def print_summary(record: dict, path: Path) -> None:
    m = record["metrics"]
    table = Table(title=f"{record['method']} on {record['track']}/{record['task']}  ({record['run_id']})")
    table.add_column("metric")
    table.add_column("base", justify="right")
    table.add_column("final", justify="right")
    table.add_column("change", justify="right")
    table.add_row(
        "new-task accuracy",
        f"{m['base_new_task_accuracy']:.3f}",
        f"{m['new_task_accuracy']:.3f}",
        f"{m['new_task_accuracy'] - m['base_new_task_accuracy']:+.3f}",
    )
    for name, s in m["prior_scores"].items():
        table.add_row(f"prior: {name}", f"{s['base']:.3f}", f"{s['final']:.3f}", f"{s['final'] - s['base']:+.3f}")
    table.add_row("forgetting (mean prior drop)", "", f"{m['forgetting']:.4f}", "")
    table.add_row("forward KL (nats/sequence)", "", f"{m['forward_kl']:.4f}", "")
    table.add_row("forward KL (nats/token)", "", f"{m['forward_kl_per_token']:.4f}", "")
    console.print(table)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in record["provenance"]["timings"].items())
    console.print(f"wall {record['provenance']['wall_seconds']:.1f}s ({timings})")
    console.print(f"record: {path}")


def _sweep(args: argparse.Namespace) -> None:
    from razorbench.sweep import parse_grid, run_sweep

    sweep_dir = Path(args.output_dir) / (args.sweep_id or f"{args.track}-{args.task}-{args.method}")
    paths = run_sweep(
        args.method,
        args.task,
        parse_grid(args.grid),
        seeds=args.seeds,
        sweep_dir=sweep_dir,
        track=args.track,
        config_file=args.config,
        overrides=list(args.overrides),
    )
    console.print(f"{len(paths)} runs in {sweep_dir}")


def _analyze(args: argparse.Namespace) -> None:
    from razorbench.analyze import analyze, find_records, plot, write

    try:
        records = find_records(args.paths)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    if not records:
        raise UsageError(f"no record.json under {', '.join(args.paths)}")
    result = analyze(records)
    out = Path(args.out)
    path = write(result, out)
    plots = [] if args.no_plots else plot(result, records, out)
    for key, group in result.items():
        if group["fits"]:
            console.print(_fits_table(key, group))
        else:
            console.print(f"{key}: {group['runs']} run(s); a forgetting-law fit needs at least 3")
        matched = group["matched"]
        if matched["levels"]:
            table = Table(title=f"{key}: mean prior score at matched new-task accuracy (on each Pareto frontier)")
            table.add_column("method")
            for level in matched["levels"]:
                table.add_column(f"acc {level:.3f}", justify="right")
            for method, values in matched["prior"].items():
                table.add_row(method, *(f"{v:.3f}" for v in values))
            for pair, flags in matched["significant"].items():
                table.add_row(pair, *("differs" if flag else "tie" for flag in flags), style="dim")
            console.print(table)
            if not matched.get("seeded"):
                console.print("  (single-seed frontiers: no interval, so every difference is shown as a tie)")
        elif len(group["methods"]) > 1:
            console.print(f"{key}: {matched.get('note', 'no common accuracy range')}")
    console.print(f"wrote {path}" + (f" and {len(plots)} plots" if plots else ""))


def _compare(args: argparse.Namespace) -> None:
    from razorbench.compare import compare_records, render_table
    from razorbench.records import load_record, write_json_atomic

    records = []
    for path in (args.run_a, args.run_b):
        try:
            records.append(load_record(path))
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read a record at {path}: {e}") from None
    try:
        result = compare_records(*records, seed=args.seed, alpha=args.alpha)
    except ValueError as e:
        raise UsageError(str(e)) from None
    console.print(render_table(result))
    if args.json:
        write_json_atomic(Path(args.json), result)
        console.print(f"wrote {args.json}")


def _submit(args: argparse.Namespace) -> None:
    from razorbench.leaderboard import DEFAULT_DIR, make_submission, submission_path, write_submission

    try:
        submission = make_submission(args.paths, args.name, link=args.link, authors=args.authors)
    except (OSError, ValueError) as e:  # a missing folder; records that do not make one valid submission
        raise UsageError(str(e)) from None
    out = Path(args.out) if args.out else submission_path(DEFAULT_DIR / "submissions", submission)
    write_submission(submission, out)
    console.print(
        f"wrote {out}: {len(submission['records'])} runs of {submission['method']['name']} "
        f"on {submission['track']}/{submission['task']}"
    )


def _leaderboard(args: argparse.Namespace) -> int:
    from razorbench.leaderboard import DEFAULT_DIR, InvalidSubmissions, build, check, validate

    submissions = DEFAULT_DIR / "submissions"
    try:
        if args.action == "validate":
            problems = validate(args.paths or [submissions])
            if problems:
                raise InvalidSubmissions(problems)
            console.print(f"{', '.join(args.paths or [str(submissions)])}: no problems")
        elif args.check:
            stale = check(submissions, DEFAULT_DIR)
            if stale:
                pages = ", ".join(str(DEFAULT_DIR / name) for name in stale)
                err_console.print(
                    f"razorbench: {pages} not up to date with {submissions}: run `razorbench leaderboard build`",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                return 1
            console.print(f"{DEFAULT_DIR}: up to date")
        else:
            written = build(submissions, DEFAULT_DIR)
            console.print(f"wrote {', '.join(str(p) for p in written)}")
    except InvalidSubmissions as e:
        for problem in e.problems:  # one line each: file: field: reason
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"razorbench: {len(e.problems)} problem(s) in the submissions", markup=False, highlight=False)
        return 1
    except FileNotFoundError as e:  # no leaderboard/schema.json here
        raise UsageError(str(e)) from None
    return 0


def _fits_table(key: str, group: dict) -> Table:
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


def _list(what: str | None) -> None:
    if what in (None, "tasks"):
        table = Table(title="tasks")
        for column in ("track", "task", "kind", "version", "priors"):
            table.add_column(column)
        for e in TASKS.entries():
            from razorbench.run import default_priors

            cls = e.obj
            table.add_row(
                e.info["track"], e.info["task_name"], cls.kind, str(cls.version), ", ".join(default_priors(cls))
            )
        console.print(table)
    if what in (None, "methods"):
        table = Table(title="methods")
        for column in ("method", "on-policy", "negatives", "data"):
            table.add_column(column)
        for e in METHODS.entries():
            yes = {True: "yes", False: "no"}
            table.add_row(e.name, yes[e.info["on_policy"]], yes[e.info["uses_negatives"]], e.info.get("data", ""))
        console.print(table)


def _pretrain(args: argparse.Namespace) -> None:
    from razorbench.pretrain import pretrain_tiny

    out = pretrain_tiny(args.out, steps=args.steps, seed=args.seed, log=console.print)
    console.print(f"wrote {out} (sha256 {(out / 'SHA256').read_text().strip()})")


def _pretrain_toy(args: argparse.Namespace) -> None:
    from razorbench.toy import pretrain_toy

    out = pretrain_toy(args.out, data_dir=args.data_dir, epochs=args.epochs, seed=args.seed, log=console.print)
    console.print(f"wrote {out} (sha256 {(out / 'SHA256').read_text().strip()})")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            _run(args)
        elif args.command == "sweep":
            _sweep(args)
        elif args.command == "analyze":
            _analyze(args)
        elif args.command == "compare":
            _compare(args)
        elif args.command == "submit":
            _submit(args)
        elif args.command == "leaderboard":
            return _leaderboard(args)
        elif args.command == "list":
            _list(args.what)
        elif args.command == "pretrain-tiny":
            _pretrain(args)
        elif args.command == "pretrain-toy":
            _pretrain_toy(args)
        elif args.command == "reproduce":
            from razorbench.reproduce import from_args

            from_args(args)
    except (ConfigError, UnknownNameError, UsageError, RunBusy) as e:
        err_console.print(f"razorbench: error: {e}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except RunFailure as e:
        err_console.print(f"razorbench: {e}", markup=False, highlight=False, soft_wrap=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
