"""`razorbench reproduce TRACK`: a paper's experiment end to end on a track (sweeps, analysis, report); what it
runs is the track's reproduction plan. Each run's record is kept as it ends (the built-in plans keep them in git,
`experiments/<track>/reproduce/records/`), a rerun runs only what is not kept, and the report is made from the kept
records alone: `--report-only` makes it without a run. The built-in tracks' plans are the repository's experiments
(`experiments/<track>/reproduce.py`, not installed): the command runs from a checkout's root, which it makes
importable as `python -m` does."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("reproduce", help="a paper's experiment end to end: sweeps, analysis, report")
    parser.add_argument("track", help="a track with a reproduction plan (razorbench list tracks)")
    parser.add_argument("--data-dir", help="local copies of the track's data; default: the hub")
    parser.add_argument("--out", help="sweeps, analysis and plots (default: runs/reproduce-TRACK)")
    parser.add_argument("--doc", help="the report to write (default: the track's, under docs/)")
    parser.add_argument("--reduced", action="store_true", help="GRPO vs SFT on a small grid (a quick check)")
    parser.add_argument(
        "--methods", help="only these of the plan's methods, comma-separated (a part rerun or reported on its own)"
    )
    parser.add_argument("--report-only", action="store_true", help="no run: the report from the kept records alone")
    parser.add_argument(
        "--records",
        help="the kept records' folder (default: the plan's; from a second checkout, the main one's)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="sweeps run in this many processes at once")
    parser.add_argument(
        "--launcher", choices=("local", "slurm", "ray"), help="every run to one launcher (as razorbench sweep)"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="launcher.key=value", help="a launcher setting (repeatable)"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    import os
    import sys

    from razorbench.launch.config import launcher_config
    from razorbench.launch.plan import reproduce

    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the checkout's experiments/, as `python -m razorbench.cli` would see them

    launcher = None
    if args.launcher or args.set:
        launcher = launcher_config(args.launcher, None, list(args.set))
        if launcher.name == "local" and launcher.parallel > 1:
            from razorbench.launch.local import start_worker_template

            start_worker_template()  # it imports the stack for the workers while this process plans the sweeps
    reproduce(
        args.track,
        data_dir=args.data_dir,
        out_dir=args.out,
        doc=args.doc,
        reduced=args.reduced,
        jobs=args.jobs,
        launcher=launcher,
        methods=[m.strip() for m in args.methods.split(",") if m.strip()] if args.methods else None,
        records=args.records,
        report_only=args.report_only,
    )
