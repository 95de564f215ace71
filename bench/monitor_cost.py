"""What the forward-KL monitor costs a default `razorbench run` on the tiny track: seconds per check and its share of
the training time at the default `monitor.every` (goal: at most 5%).

Each (method, task) is one `razorbench run` process with the default config (monitor on, default `monitor.every`): the
record's `monitor.checks[*].seconds` give the cost per check and `provenance.timings` the training time (which
includes the checks; `sampling` is on-policy sampling during training, counted as training here).

    python bench/monitor_cost.py --methods sft rl --threads 2 [--out bench/records/monitor-cost.json]

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(method: str, task: str, threads: int, folder: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "razorbench.cli", "run", "--method", method, "--task", task, "--no-progress"]
    command += ["--output-dir", str(folder), "--run-id", f"{method}-{task}", f"cache_dir={folder / 'cache'}"]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    record = json.loads((folder / f"{method}-{task}" / "record.json").read_text())
    timings, monitor = record["provenance"]["timings"], record["monitor"]
    # Step 0 is measured before the first update; the rest during training, like the ones after it.
    train = timings["training"] + timings["sampling"] + timings["weight_sync"]
    return {
        "checks": len(monitor["checks"]),
        "median_check_s": statistics.median(c["seconds"] for c in monitor["checks"]),
        "monitor_s": monitor["seconds"],
        "training_s": train,
        "share": monitor["seconds"] / train,
        "cache": monitor["cache"],
        "every": monitor["every"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["sft", "rl"])
    parser.add_argument("--task", default="science")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="also write the rows as JSON here")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method in args.methods:
            rows[method] = measure(method, args.task, args.threads, Path(tmp))
    print(f"| method ({args.task}) | cache | every | checks | s per check (median) | monitor s | training s | share |")
    print("|---|---|---|---|---|---|---|---|")
    for method, r in rows.items():
        print(f"| {method} | {r['cache']} | {r['every']} | {r['checks']} | {r['median_check_s']:.3f} | "
              f"{r['monitor_s']:.2f} | {r['training_s']:.1f} | {100 * r['share']:.1f}% |")  # fmt: skip
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
