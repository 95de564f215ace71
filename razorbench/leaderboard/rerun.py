"""One submitted record run again from its own config with the repository's method code, in a child process so that
a time cap can stop it:

    python -m razorbench.leaderboard.rerun RECORD_JSON OUT_DIR CACHE_DIR [--threads N] [--data-dir DIR]

reads a record, writes its config (minus where the run wrote: run id, output and cache folders) as the run's config
file, runs `train_and_evaluate` with the record's method, task and track into OUT_DIR, and leaves the new record at
OUT_DIR/rerun/record.json. CACHE_DIR holds the base evaluations, shared by the reruns of one verification (made by
this code, never read from a submission).

What the rerun takes from the machine it runs on (`Here`), not from the record: the folder of the track's task data
(a smol record names the folder on the submitter's machine, `task.data_dir`) and the torch threads the protocol
states for the track (`hardware.threads`: a reduction's order, and so its last bits, depends on them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Where the original run wrote (and how it logged): not what it computed, so the rerun sets its own.
_WHERE = ("run_id", "output_dir", "cache_dir", "logger", "save_model")


class RerunFailed(RuntimeError):
    """The rerun did not finish (the time cap, an error, or no task data here), with the reason in one line."""


@dataclass(frozen=True)
class Here:
    """The re-executing machine's side of a rerun: its copy of the task data (None: the track needs none) and the
    torch threads the protocol states."""

    data_dir: Path | None = None
    threads: int = 1


def rerun(
    record: dict[str, Any], out_dir: Path, time_cap: float, cache_dir: Path, here: Here = Here()
) -> dict[str, Any]:
    """The record of `record`'s run made again here, within `time_cap` seconds."""
    rerun_config(record, here.data_dir)  # refused before anything runs where this machine's data is not named
    _check_bf16(record)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / "submitted.json"
    source.write_text(json.dumps(record))
    command = [sys.executable, "-m", "razorbench.leaderboard.rerun", str(source), str(out_dir), str(cache_dir)]
    command += ["--threads", str(here.threads)]
    if here.data_dir is not None:
        command += ["--data-dir", str(here.data_dir)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=time_cap)
    except subprocess.TimeoutExpired:
        raise RerunFailed(f"did not finish within the time cap of {time_cap:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RerunFailed(f"the rerun failed: {last}")
    return json.loads((out_dir / "rerun" / "record.json").read_text())


def _check_bf16(record: dict[str, Any]) -> None:
    """A bf16 run re-executed where bf16 is emulated would take minutes a step, and differ: refused at once."""
    from razorbench.util.hardware import native_bf16

    precision = str((record["config"].get("trainer") or {}).get("precision", ""))
    device = str(record.get("provenance", {}).get("device", "cpu")).split(":")[0]
    if precision.startswith("bf16") and not native_bf16(device):
        raise RerunFailed(
            f"run {record['run_id']!r} trained in {precision} on {device}, which this machine does not multiply "
            "natively (a CPU needs AVX-512 BF16 or AMX): re-execute it on one that does"
        )


def rerun_config(record: dict[str, Any], data_dir: Path | None) -> dict[str, Any]:
    """The record's config as the rerun runs it: without where the run wrote, and reading the task data (where the
    track reads any) from `data_dir`, this machine's copy; RerunFailed where the record read data and `data_dir`
    is None.

    >>> record = {"run_id": "a", "config": {"run_id": "a", "seed": 1, "task": {"data_dir": "/theirs"}}}
    >>> rerun_config(record, Path("/ours"))
    {'seed': 1, 'task': {'data_dir': '/ours'}}
    """
    config = {k: v for k, v in record["config"].items() if k not in _WHERE}
    theirs = (config.get("task") or {}).get("data_dir")
    if theirs is not None:
        if data_dir is None:
            raise RerunFailed(
                f"run {record['run_id']!r} read its task data from {theirs}: name this machine's copy of the "
                "track's data with --data-dir DIR"
            )
        config["task"] = {**config["task"], "data_dir": str(data_dir)}
    return config


def main(argv: list[str]) -> int:
    import torch

    from razorbench.runner.run import train_and_evaluate

    parser = argparse.ArgumentParser(prog="python -m razorbench.leaderboard.rerun")
    parser.add_argument("record", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    record = json.loads(args.record.read_text())
    config_file = args.out_dir / "config.yaml"
    config_file.write_text(yaml.safe_dump(rerun_config(record, args.data_dir)))
    # The protocol's threads, as the runs were made (`leaderboard make` runs tiny's sweeps with one).
    torch.set_num_threads(args.threads)
    train_and_evaluate(
        record["method"],
        record["task"],
        track=record["track"],
        config_file=str(config_file),
        overrides=[f"output_dir={args.out_dir}", "run_id=rerun", f"cache_dir={args.cache_dir}", "logger=csv"],
        progress=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
