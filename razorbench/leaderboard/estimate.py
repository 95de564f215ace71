"""How long `razorbench leaderboard make METHOD...` takes, estimated from a reproduction's records:

    python -m razorbench.leaderboard.estimate experiments/tiny/reproduce/records [--methods sft,rl,...] [--jobs 2]

The records are run folders' record.json files or kept records (`*.json.gz`). Per (task, method, learning rate) of
the protocol's grid, a run's seconds are the median wall time of the reproduction's runs of that (task, method) at
the same learning rate and budget (the median, so that one run paused or slowed by other work does not set it); a
run the reproduction lacks (a new method, another rate) gets the median of that task's runs, each scaled to its
budget. A run asked for more curve points than the reproduction's made adds their evaluation time (its final
evaluation, forward KL and drift, per point). The sum over seeds is divided by `jobs` and multiplied by the
reproduction's own overlap, read from its records' start and end times: the wall-clock time while at least one of
its runs was going, against its summed run time shared among the processes that made it.
"""

from __future__ import annotations

import argparse
import sys
from statistics import median
from typing import Any

from razorbench.analysis.report_provenance import busy_minutes, made_days, most_at_once
from razorbench.leaderboard.protocol import DEFAULT_PATH, load_protocol

METHODS = "sft,rl,reinforce,simpo,dpo,oracle-sft"


def inner_points(steps: int, every: int) -> int:
    """Curve points a run of `steps` steps evaluates besides its base (step 0) and its end.

    >>> inner_points(186, 62), inner_points(186, 31), inner_points(3, 1), inner_points(100, 0)
    (2, 5, 2, 0)
    """
    return (steps - 1) // every if every else 0


def point_seconds(record: dict[str, Any]) -> float:
    """What one evaluated point cost the run: its final evaluation (new task and priors), forward KL and drift."""
    timings = record["provenance"]["timings"]
    return sum(timings.get(k, 0.0) for k in ("final_eval", "kl", "drift"))


def run_seconds(
    records: list[dict[str, Any]], task: str, method: str, lr: float, steps: int, every: int = 0
) -> tuple[float, str]:
    """(seconds of one run of `steps` steps with a curve point every `every`, how it was estimated); ValueError
    where the records hold no run of `task`. A run measured with fewer or more curve points than asked for gains or
    loses that many points' evaluation time."""
    same = [
        r
        for r in records
        if (r["task"], r["method"]) == (task, method)
        and abs(r["config"]["optim"]["lr"] - lr) <= 1e-9 * lr
        and r["config"]["trainer"]["max_steps"] == steps
    ]
    how = "measured"
    if not same:
        same = [r for r in records if r["task"] == task]
        if not same:
            raise ValueError(f"the records hold no run of task {task!r} to estimate from")
        how = "scaled"
    seconds = [r["provenance"]["wall_seconds"] * steps / r["config"]["trainer"]["max_steps"] for r in same]
    theirs = median(inner_points(r["config"]["trainer"]["max_steps"], _every(r)) for r in same)
    more = inner_points(steps, every) - theirs
    if more:
        how += f", {more:+g} curve points"
    return median(seconds) + more * median(point_seconds(r) for r in same), how


def _every(record: dict[str, Any]) -> int:
    """The run's `curve.every` (0: no curve points)."""
    return int((record["config"].get("curve") or {}).get("every") or 0)


def overlap(records: list[dict[str, Any]]) -> float:
    """How the records' processes shared the machine: wall-clock time while at least one run was going, over their
    summed run time divided by how many went at once (1.0: the processes never waited on each other).

    >>> runs = [{"provenance": {"start": s, "end": e, "wall_seconds": e - s}} for s, e in [(0, 100), (50, 150)]]
    >>> overlap(runs)  # 150 s of wall clock for 200 s of runs, two at once
    1.5
    """
    summed = sum(r["provenance"]["wall_seconds"] for r in records)
    return busy_minutes(records) * 60 / (summed / most_at_once(records))


def estimate(records: list[dict[str, Any]], track: str, methods: list[str], jobs: int) -> str:
    """The markdown table of every run `leaderboard make` would make for `methods` on `track`, and its time."""
    from razorbench.leaderboard.make import method_lr

    protocol = load_protocol(DEFAULT_PATH)
    tracks = sorted({on_track for on_track, _ in protocol.tasks})
    if track not in tracks:
        raise ValueError(f"the protocol has no track {track!r}; valid: {', '.join(tracks)}")
    records = [r for r in records if r["track"] == track]  # a task name may exist on several tracks
    if not records:
        raise ValueError(f"the records hold no run of track {track!r}")
    share, summed = overlap(records), sum(r["provenance"]["wall_seconds"] for r in records)
    total = 0.0
    lines = [
        f"# The time of `razorbench leaderboard make` on the {track} board, estimated",
        "",
        f"From {len(records)} records of runs made {made_days(records)}: every time is that machine's, and a board"
        " made on another machine takes as much longer or shorter as its runs do.",
        "",
        "| task | method | lr | steps | seconds per run | how |",
        "|---|---|---:|---:|---:|---|",
    ]
    for (on_track, task), p in sorted(protocol.tasks.items()):
        if on_track != track:
            continue
        for method in methods:
            rates, steps = p.method_grid(method, method_lr(method, task, track))
            for lr in rates:
                seconds, how = run_seconds(records, task, method, lr, steps, p.curve_every(steps))
                total += seconds * p.seeds
                lines.append(f"| {task} | {method} | {lr:g} | {steps} | {seconds:.0f} | {how} |")
    lines += [
        "",
        f"summed over runs: {total / 60:.1f} min; with --jobs {jobs}: {total / 60 / jobs * share:.1f} min (the"
        f" records' overlap {share:.2f}: {busy_minutes(records):.1f} min of wall clock for {summed / 60:.1f} min"
        f" of runs, {most_at_once(records)} at once)",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from razorbench.analysis.analyze import find_records
    from razorbench.api.registry import UnknownNameError, default_track

    parser = argparse.ArgumentParser(prog="python -m razorbench.leaderboard.estimate", description=__doc__)
    parser.add_argument("runs", nargs="+", help="run folders, sweep folders or kept-record folders")
    parser.add_argument("--methods", default=METHODS, help=f"comma-separated (default {METHODS})")
    parser.add_argument("--track", help="a track of the protocol (default: the default track)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs {args.jobs}: runs at once, a whole number of at least 1")
    try:
        records = find_records(args.runs)
    except FileNotFoundError as e:
        parser.error(str(e))
    if not records:
        parser.error(f"no records (record.json or *.json.gz) under {' '.join(args.runs)}")
    try:
        print(estimate(records, args.track or default_track(), args.methods.split(","), args.jobs))
    except (ValueError, UnknownNameError) as e:
        parser.error(e.args[0])  # the message itself (a KeyError's str() would quote it)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
