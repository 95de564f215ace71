"""`razorbench list [tracks|tasks|methods]`: what is registered, read without importing torch."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    listing = sub.add_parser("list", help="list registered tracks, tasks and methods")
    listing.add_argument("what", nargs="?", choices=["tracks", "tasks", "methods"], help="only one of them")
    listing.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    from rich.table import Table

    from razorbench.cli.console import console

    what = args.what
    if what in (None, "tracks"):
        from razorbench.api.registry import TRACKS, default_track

        table = Table(title="tracks")
        for column in ("track", "default model", "pretrain", "reproduce", "what"):
            table.add_column(column)
        default = default_track()
        for e in TRACKS.entries():
            t = e.obj
            name = f"{t.name} (default)" if t.name == default else t.name
            yes = {True: "yes", False: "no"}
            table.add_row(
                name, t.model_name or t.model, yes[t.pretrain is not None], yes[t.reproduce is not None], t.description
            )
        console.print(table)
    if what in (None, "tasks"):
        from razorbench.api.registry import TASKS, task_yaml

        table = Table(title="tasks")
        for column in ("track", "task", "kind", "version", "priors"):
            table.add_column(column)
        for e in TASKS.entries():
            cls, track, name = e.obj, e.info["track"], e.info["task_name"]
            priors = ", ".join(cls.default_priors(task_yaml(name, track)))
            table.add_row(track, name, cls.kind, str(cls.version), priors)
        console.print(table)
    if what in (None, "methods"):
        from razorbench.api.method_index import method_infos

        table = Table(title="methods")
        for column in ("method", "on-policy", "negatives", "data"):
            table.add_column(column)
        yes = {True: "yes", False: "no"}
        for info in method_infos():
            table.add_row(info["name"], yes[info["on_policy"]], yes[info["uses_negatives"]], info.get("data", ""))
        console.print(table)
