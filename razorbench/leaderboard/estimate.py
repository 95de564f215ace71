"""How long `razorbench leaderboard make METHOD...` takes, estimated from a reproduction's wall times:

    python -m razorbench.leaderboard.estimate RUNS_DIR [--methods sft,rl,...] [--jobs 2]

Per (task, method, learning rate) of the protocol's grid, a run's seconds are the mean wall time of the
reproduction's runs of that (task, method) at the same learning rate and budget; a run the reproduction lacks (dpo,
a new method, another rate) gets the reproduction's mean seconds per step on that task times its budget. The sum
over seeds is divided by `jobs` and multiplied by the reproduction's own ratio of wall-clock time to summed run time
per process (how well its `--jobs` processes overlapped): 80.9 min for 160.8 summed with 2 processes.
"""

from __future__ import annotations

import argparse
import sys
from statistics import mean
from typing import Any

from razorbench.leaderboard.protocol import DEFAULT_PATH, load_protocol

# docs/REPRODUCTION-tiny.md: 160.8 min summed over the runs, 80.9 min of wall-clock time with 2 processes.
OVERLAP = 80.9 / (160.8 / 2)


def run_seconds(records: list[dict[str, Any]], task: str, method: str, lr: float, steps: int) -> tuple[float, str]:
    """(seconds of one run, how it was estimated)."""
    same = [
        r["provenance"]["wall_seconds"]
        for r in records
        if (r["task"], r["method"]) == (task, method)
        and abs(r["config"]["optim"]["lr"] - lr) <= 1e-9 * lr
        and r["config"]["trainer"]["max_steps"] == steps
    ]
    if same:
        return mean(same), "measured"
    on_task = [r for r in records if r["task"] == task]
    per_step = sum(r["provenance"]["wall_seconds"] for r in on_task) / sum(
        r["config"]["trainer"]["max_steps"] for r in on_task
    )
    return per_step * steps, "scaled"


def main(argv: list[str]) -> int:
    from razorbench.analysis.analyze import find_records
    from razorbench.api.registry import default_track
    from razorbench.leaderboard.make import method_lr

    parser = argparse.ArgumentParser(prog="python -m razorbench.leaderboard.estimate", description=__doc__)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--methods", default="sft,rl,reinforce,simpo,dpo,oracle-sft")
    parser.add_argument("--track", help="a track of the protocol (default: the default track)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    track_name = args.track or default_track()
    records = find_records(args.runs)
    protocol = load_protocol(DEFAULT_PATH)
    total = 0.0
    print("| task | method | lr | steps | seconds per run | how |\n|---|---|---:|---:|---:|---|")
    for (track, task), p in sorted(protocol.tasks.items()):
        if track != track_name:
            continue
        for method in args.methods.split(","):
            rates, steps = p.method_grid(method, method_lr(method, task, track))
            for lr in rates:
                seconds, how = run_seconds(records, task, method, lr, steps)
                total += seconds * p.seeds
                print(f"| {task} | {method} | {lr:g} | {steps} | {seconds:.0f} | {how} |")
    print(
        f"\nsummed over runs: {total / 60:.1f} min; with --jobs {args.jobs}: "
        f"{total / 60 / args.jobs * OVERLAP:.1f} min (the reproduction's overlap {OVERLAP:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
