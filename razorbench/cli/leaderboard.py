"""`razorbench leaderboard validate|build`: check submissions; build leaderboard/README.md and index.html."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    board = sub.add_parser("leaderboard", help="validate submissions; build leaderboard/README.md and index.html")
    actions = board.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check submission files (default: leaderboard/submissions)")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="submission files or folders")
    build = actions.add_parser("build", help="write leaderboard/README.md, index.html and plots/")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if the pages are not up to date")
    board.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from razorbench.cli.console import console, print_error
    from razorbench.leaderboard import DEFAULT_DIR
    from razorbench.leaderboard.pages import build, check
    from razorbench.leaderboard.validation import InvalidSubmissions, validate
    from razorbench.util.errors import UsageError

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
                print_error(
                    f"razorbench: {pages} not up to date with {submissions}: run `razorbench leaderboard build`"
                )
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
    except FileNotFoundError as e:  # no leaderboard folder here
        raise UsageError(str(e)) from None
    return 0
