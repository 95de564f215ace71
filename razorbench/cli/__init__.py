"""The `razorbench` command line: one module per command, each adding its parser and its function.

    razorbench run --method rl --task science [--track NAME] [--model PATH] [--seed N]
                   [--output-dir DIR] [--config FILE] [key=value ...]
    razorbench eval --model PATH [PATH ...] --task T [--base PATH] [--track NAME] [key=value ...]
    razorbench sweep --method M --task T --grid key=v1,v2 [--grid ...] [--seeds N] [--launcher local|slurm|ray]
                     [key=value ...] [launcher.key=value ...]
    razorbench sweep --status SWEEP_DIR
    razorbench analyze RUN_DIR... [--out DIR]
    razorbench compare RUN_A RUN_B [--json PATH] [--alpha A] [--seed N]
    razorbench list [tracks|tasks|methods]
    razorbench submit RUN_DIR... --name NAME [--link URL] [--authors TEXT] [--out PATH]
    razorbench leaderboard validate [PATH...]
    razorbench leaderboard build [--check]
    razorbench pretrain TRACK [track's options]
    razorbench reproduce TRACK [--data-dir DIR] [--out DIR] [--doc FILE] [--reduced] [--methods A,B] [--jobs N]
                         [--launcher local|slurm|ray] [--set launcher.key=value ...]

A command module imports what is heavy (torch, Lightning, transformers) inside its function, so `razorbench --help`,
`razorbench list` and `razorbench <command> --help` answer at once. Bad input (an unknown method, task or config
key, a value of the wrong type) ends with one line on stderr naming the bad value and the valid choices, and exit
status 2. `key=value` overrides may stand anywhere on a command line, between options too (`razorbench.cli.parser`).
"""

from __future__ import annotations

import argparse
import importlib

from razorbench.api.registry import UnknownNameError
from razorbench.cli.console import print_error
from razorbench.cli.parser import CommandParser
from razorbench.util.errors import ConfigError, RunBusy, RunFailure, RunInterrupted, UsageError

# Command modules in the order `--help` lists them; each has `add_parser(subparsers)`.
COMMANDS = ("run", "eval", "sweep", "analyze", "compare", "listing", "submit", "leaderboard", "pretrain", "reproduce")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="razorbench", description="The open benchmark for forgetting in LLM post-training.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"razorbench.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (ConfigError, UnknownNameError, UsageError, RunBusy) as e:
        print_error(f"razorbench: error: {e}")
        return 2
    except RunFailure as e:
        print_error(f"razorbench: {e}")
        return 1
    except RunInterrupted as e:  # SIGTERM: the run folder says where a rerun resumes
        print_error(f"razorbench: {e}")
        return 128 + 15  # what a shell reports for a process ended by SIGTERM
