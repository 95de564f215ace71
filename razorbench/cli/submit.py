"""`razorbench submit`: make a leaderboard submission of every run of a sweep."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    submit = sub.add_parser("submit", help="make a leaderboard submission of every run of a sweep")
    submit.add_argument("paths", nargs="+", metavar="RUN_DIR", help="sweep folders, run folders or records")
    submit.add_argument("--name", required=True, help="the submission's name: its file name and leaderboard row")
    submit.add_argument("--link", help="a link to the method's paper or code (an http(s) URL)")
    submit.add_argument("--authors", help="names and a contact")
    submit.add_argument("--out", help="default: leaderboard/submissions/<track>/<task>/<name>.json")
    submit.add_argument(
        "--protocol", help="the standard protocol it must conform to (default: leaderboard/protocol.yaml)"
    )
    submit.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from razorbench.cli.console import console
    from razorbench.leaderboard import DEFAULT_DIR
    from razorbench.leaderboard.protocol import DEFAULT_PATH, load_protocol
    from razorbench.leaderboard.submission import make_submission, submission_path, write_submission
    from razorbench.util.errors import UsageError

    try:
        protocol = load_protocol(args.protocol or DEFAULT_PATH)
        submission = make_submission(args.paths, args.name, protocol=protocol, link=args.link, authors=args.authors)
    except (OSError, ValueError) as e:  # a missing folder or protocol; records that do not make a valid submission
        raise UsageError(str(e)) from None
    out = Path(args.out) if args.out else submission_path(DEFAULT_DIR / "submissions", submission)
    write_submission(submission, out)
    console.print(
        f"wrote {out}: {len(submission['records'])} runs of {submission['method']['name']} "
        f"on {submission['track']}/{submission['task']}"
    )
