"""`razorbench leaderboard validate|verify|build|make`: check submissions; re-execute unverified ones; build
leaderboard/README.md and index.html; make conforming submissions of methods by running the protocol's grid and
seeds."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    board = sub.add_parser("leaderboard", help="validate submissions; build leaderboard/README.md and index.html")
    actions = board.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check submission files (default: leaderboard/submissions)")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="submission files or folders")
    verify = actions.add_parser(
        "verify",
        help="re-execute records of submissions not yet verified (a pull request: the files it adds or edits); "
        "refuse disagreements and stamps a change adds",
    )
    verify.add_argument(
        "paths", nargs="*", metavar="PATH", help="only the submission files at or under these (default: every one)"
    )
    verify.add_argument("--records", type=int, default=1, help="records re-executed per file, drawn at random")
    verify.add_argument(
        "--all", action="store_true", help="re-execute every record not yet found in agreement (the stamping run)"
    )
    verify.add_argument("--stamp", action="store_true", help="with --all: record each file's outcome in verified.json")
    verify.add_argument(
        "--stamps-from",
        metavar="REV",
        help="the pull-request check: trust only the stamps at this commit (the target branch's), refuse a stamp "
        "the change adds, re-execute only the files it adds or edits",
    )
    verify.add_argument("--time-cap", type=float, default=None, help="seconds one rerun may take (default 1200)")
    verify.add_argument("--archived", action="store_true", help="re-execute files of an archived protocol too")
    verify.add_argument(
        "--max-records",
        type=int,
        metavar="N",
        help="with --all: re-execute at most N records in this call (the same command resumes; each agreement is "
        "stamped as it is found)",
    )
    verify.add_argument("--data-dir", help="this machine's copy of the task data, for records that read it (smol)")
    verify.add_argument("--cache-dir", help="keep the base evaluations here across calls (default: a temporary folder)")
    build = actions.add_parser("build", help="write leaderboard/README.md, index.html and plots/")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if the pages are not up to date")
    make = actions.add_parser(
        "make", help="run the protocol's grid and seeds for methods (resumable) and write their submissions"
    )
    make.add_argument("methods", nargs="+", metavar="METHOD", help="registered methods")
    make.add_argument("overrides", nargs="*", metavar="key=value", help="training overrides, e.g. optim.lr=1e-4")
    make.add_argument("--track", help="a track of the protocol (default: the default track)")
    make.add_argument("--tasks", help="comma-separated tasks (default: every task of the track in the protocol)")
    make.add_argument("--jobs", type=int, default=1, help="(task, method) sweeps run at once, in processes")
    make.add_argument("--runs-dir", default="runs/leaderboard", help="where the sweeps go (rerun to resume)")
    make.add_argument("--link", help="a link to the method's paper or code (an http(s) URL)")
    make.add_argument("--authors", help="names and a contact")
    make.add_argument("--data-dir", help="the task data, for a track that reads it from a folder (smol)")
    board.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from razorbench.cli.console import console, print_error
    from razorbench.leaderboard import DEFAULT_DIR
    from razorbench.leaderboard.pages import build, check
    from razorbench.leaderboard.validation import InvalidSubmissions, validate
    from razorbench.util.errors import UsageError

    submissions = DEFAULT_DIR / "submissions"
    try:
        if args.action == "make":
            _make(args, submissions)
        elif args.action == "verify":
            _verify(args, submissions)
        elif args.action == "validate":
            problems = validate(args.paths or [submissions])
            if problems:
                raise InvalidSubmissions(problems)
            console.print(f"{', '.join(args.paths or [str(submissions)])}: no problems")
        elif args.check:
            problems = check(submissions, DEFAULT_DIR)
            off = [p for p in problems if p.startswith("read off target")]
            stale = [p for p in problems if p not in off]
            for cell in off:
                print_error(f"razorbench: {cell} (its frontier starts above the target)")
            if stale:
                pages = ", ".join(str(DEFAULT_DIR / name) for name in stale)
                print_error(
                    f"razorbench: {pages} not up to date with {submissions}: run `razorbench leaderboard build`"
                )
            if problems:
                return 1
            console.print(f"{DEFAULT_DIR}: up to date")
        else:
            written = build(submissions, DEFAULT_DIR)
            console.print(f"wrote {', '.join(str(p) for p in written)}")
    except InvalidSubmissions as e:
        for problem in e.problems:  # one line each: file: field: reason
            print_error(str(problem))
        print_error(f"razorbench: {len(e.problems)} problem(s) in the submissions")
        return 1
    except (FileNotFoundError, ValueError) as e:  # no leaderboard folder or protocol here; a bad protocol
        raise UsageError(str(e)) from None
    return 0


def _verify(args: argparse.Namespace, submissions) -> None:
    import subprocess
    from pathlib import Path

    from razorbench.cli.console import console
    from razorbench.leaderboard.stamps import stamps_path
    from razorbench.leaderboard.validation import InvalidSubmissions
    from razorbench.leaderboard.verify import TIME_CAP, verify
    from razorbench.util.errors import UsageError

    if args.records < 1:
        raise UsageError(f"--records {args.records}: re-execute at least 1 record per file (or --all)")
    if args.stamp and not args.all:
        raise UsageError("--stamp needs --all: a file is stamped only once every one of its records agreed")
    if args.max_records is not None and (not args.all or args.max_records < 1):
        raise UsageError(f"--max-records {args.max_records}: at least 1, with --all (a draw re-executes --records)")
    if args.stamp and args.stamps_from:
        raise UsageError(
            "--stamp with --stamps-from: stamps are recorded on the target branch itself; run `verify --stamp --all` "
            "there, without --stamps-from"
        )
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or None
    outcome = verify(
        submissions,
        records=args.records,
        all_records=args.all,
        stamps_from=args.stamps_from,
        time_cap=args.time_cap or TIME_CAP,
        archived=args.archived,
        commit=commit,
        paths=[Path(p) for p in args.paths],
        max_records=args.max_records,
        data_dir=Path(args.data_dir).resolve() if args.data_dir else None,
        cache_dir=Path(args.cache_dir).resolve() if args.cache_dir else None,
        stamp=args.stamp,  # each outcome (a disagreement too: a fact to record) written as it is found
        log=console.print,
    )
    if args.stamp and (outcome.agreed or outcome.disagreed):
        console.print(f"wrote {stamps_path(submissions)}")
    if outcome.problems:
        raise InvalidSubmissions(outcome.problems)
    unchanged = f", {len(outcome.unchanged)} unchanged since {args.stamps_from}" if args.stamps_from else ""
    console.print(
        f"{submissions}: {len(outcome.agreed)} file(s) re-executed and in agreement{unchanged}"
        f", {len(outcome.unverifiable)} unverifiable (method not in the repository), {len(outcome.archived)} of an "
        f"archived protocol not re-executed (--archived does), {len(outcome.postponed)} left for the next call "
        f"(--max-records); {outcome.reexecuted} record(s) re-executed in {outcome.seconds:.0f} s"
    )


def _make(args: argparse.Namespace, submissions) -> None:
    from pathlib import Path

    from razorbench.api.registry import default_track
    from razorbench.cli.console import console
    from razorbench.leaderboard.make import make
    from razorbench.leaderboard.protocol import DEFAULT_PATH, load_protocol

    make(
        args.methods,
        protocol=load_protocol(DEFAULT_PATH),
        track=args.track or default_track(),
        tasks=args.tasks.split(",") if args.tasks else None,
        runs_dir=Path(args.runs_dir),
        submissions_dir=submissions,
        jobs=args.jobs,
        extra=list(args.overrides),
        link=args.link,
        authors=args.authors,
        data_dir=args.data_dir,
        log=console.print,
    )
