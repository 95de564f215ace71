"""`key=value` overrides anywhere on a command line, between options and after an option taking several values
(`eval --model A B`), for every command that takes them; option values containing `=` stay the option's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from razorbench.cli import build_parser


def parse(line: str):
    return build_parser().parse_args(line.split())


def test_overrides_between_options_are_collected_in_order():
    args = parse("run --method sft a=1 --task science --seed -1 b.c=2 --no-progress d=x=y")
    assert (args.method, args.task, args.seed, args.no_progress) == ("sft", "science", -1, True)
    assert args.overrides == ["a=1", "b.c=2", "d=x=y"]


def test_an_override_ends_the_values_of_an_option_taking_several():
    args = parse("eval --model ckpt-1 ckpt-2 eval.prior_limit=20 --task science sampling.max_new_tokens=8")
    assert args.model == ["ckpt-1", "ckpt-2"] and args.task == "science"
    assert args.overrides == ["eval.prior_limit=20", "sampling.max_new_tokens=8"]


def test_an_options_own_value_with_an_equals_sign_stays_the_options():
    args = parse("sweep --method sft --grid optim.lr=1e-4,1e-3 x=1 --task science --grid seed=1,2 launcher.parallel=2")
    assert args.grid == ["optim.lr=1e-4,1e-3", "seed=1,2"] and args.overrides == ["x=1", "launcher.parallel=2"]
    assert parse("reproduce tiny --set launcher.parallel=2 --jobs 2").set == ["launcher.parallel=2"]
    assert parse("run --method sft --task science --output-dir=a=b").output_dir == "a=b"


def test_leaderboard_make_takes_its_methods_and_overrides_apart():
    args = parse("leaderboard make sft dpo trainer.max_steps=2 --track tiny optim.lr=1e-4")
    assert args.methods == ["sft", "dpo"] and args.overrides == ["trainer.max_steps=2", "optim.lr=1e-4"]


def razorbench(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True)


@pytest.mark.parametrize(
    "argv, key",
    [
        # A second block of overrides, after an option: argparse refused it ("unrecognized arguments").
        (["run", "--method", "sft", "--task", "science", "optim.lr=1e-3", "--seed", "0", "nope.key=1"], "nope"),
        # After `--model`'s paths: argparse took the override for a second model folder.
        (["eval", "--model", "MODEL", "eval.nope=1", "--task", "science"], "eval.nope"),
        (["sweep", "--method", "sft", "optim.lr=1e-3", "--task", "science", "launcher.nope=1"], "launcher.nope"),
    ],
)
def test_the_cli_hands_an_override_anywhere_to_the_config(argv, key, tmp_path):
    from razorbench.api.registry import get_track

    argv = [get_track("tiny").model if a == "MODEL" else a for a in argv]
    out = razorbench(*argv, "--output-dir", str(tmp_path))
    # The unknown key reaches the config, which refuses it naming the key: proof that it was read as an override.
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and f"config key '{key}'" in lines[0], out.stderr
