"""`razorbench pretrain TRACK ...`: rebuild a track's base model from seed (the track's `pretrain` hook parses
the rest of the command line: `razorbench pretrain TRACK --help` shows its options)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    pretrain = sub.add_parser(
        "pretrain", help="rebuild a track's base model from seed", description=__doc__.splitlines()[0]
    )
    pretrain.add_argument("track", help="a track with a pretrain command (razorbench list tracks)")
    pretrain.add_argument("options", nargs=argparse.REMAINDER, help="the track's own options, e.g. --out DIR")
    pretrain.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from razorbench.api.registry import get_track
    from razorbench.util.errors import UsageError

    track = get_track(args.track)
    if track.pretrain is None:
        raise UsageError(f"track {track.name!r} has no pretrain command")
    return track.hook("pretrain")(list(args.options))
