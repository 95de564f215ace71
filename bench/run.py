"""Wall time of `razorbench run --method M --task science` as a user runs it: cold and warm, with its breakdown.

Cold: a fresh, empty cache directory, so the base model is evaluated (new-task accuracy, priors, the π0 samples
for the KL). Warm: the same command again with that cache, so the base evaluation is a cache hit. Each run is its
own process (`razorbench run ...`), timed from outside; the phases come from the record's `provenance.timings`;
"start-up" is the process's wall time minus the run's own (imports, config, writing the record and exiting);
"peak_rss_gb" the run process's peak resident memory (GiB, from `os.wait4`).

    python bench/run.py                      # rl and sft on science, 3 repeats of each cold/warm pair
    python bench/run.py --methods rl --repeats 5 --threads 1
    python bench/run.py --track smol --task arith1-number --data-dir ../shared/data --methods sft rl --repeats 1 \
        --threads 2 --shared-cache          # the smol track's defaults; the first run fills the cache for the rest

`--shared-cache`: one cache for every run, so only the first run evaluates the base (as in a sweep); each row says
whether its run found the base in the cache. The "warm" time of a cold run is its command minus its base evaluation.

Prints a Markdown table (medians over repeats) and the warm/cold ratio of each method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = ("model_load", "base_eval", "sampling", "training", "final_eval", "kl", "drift")


def run_once(
    method: str,
    task: str,
    cache_dir: Path,
    out_dir: Path,
    run_id: str,
    threads: int,
    extra: list[str] | None = None,
    printed: list[str] | None = None,
) -> dict[str, float]:
    """One `razorbench run` process; returns its wall time, the run's own wall time and the phase timings. `extra`:
    more command-line arguments (`--track`, `--data-dir`, overrides); `printed` collects what the run printed."""
    command = [
        sys.executable, "-m", "razorbench.cli", "run", "--method", method, "--task", task, "--no-progress",
        "--output-dir", str(out_dir), "--run-id", run_id, f"cache_dir={cache_dir}", *(extra or []),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    # Files, not pipes: os.wait4 gives this process's own peak resident memory, which needs no reader of its output.
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out_text, err_text = stdout.read(), stderr.read()
    if process.returncode != 0:
        raise SystemExit(f"bench/run.py: {' '.join(command)} failed:\n{err_text[-2000:]}")
    if printed is not None:
        printed.append(out_text)
    record = json.loads((out_dir / run_id / "record.json").read_text())
    timings = record["provenance"]["timings"]
    row = {"command": wall, "run": record["provenance"]["wall_seconds"]}
    row["start-up"] = wall - row["run"]
    for phase in PHASES:
        row[phase] = timings.get(phase, 0.0) + timings.get(f"{phase}_cached", 0.0)
    row["cache_hit"] = float("base_eval_cached" in timings)
    row["peak_rss_gb"] = usage.ru_maxrss / 2**20  # Linux reports KiB
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["rl", "sft"])
    parser.add_argument("--task", default="science")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (OMP_NUM_THREADS) of each run")
    parser.add_argument("--track", default=None, help="the track (default: razorbench's default, tiny)")
    parser.add_argument("--data-dir", default=None, help="local copy of the benchmark data, for the run")
    parser.add_argument("--shared-cache", action="store_true", help="one cache for all runs: only the first is cold")
    args = parser.parse_args(argv)
    extra = (["--track", args.track] if args.track else []) + (["--data-dir", args.data_dir] if args.data_dir else [])
    if args.shared_cache:
        return shared_cache_runs(args, extra)

    rows: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for method in args.methods:  # alternate methods so that drift in machine load hits both alike
                cache = Path(tmp) / f"cache-{method}-{repeat}"  # empty: the first run of the pair is cold
                out = Path(tmp) / "runs"
                for kind in ("cold", "warm"):
                    row = run_once(method, args.task, cache, out, f"{method}-{kind}-{repeat}", args.threads, extra)
                    if row["cache_hit"] != (kind == "warm"):
                        raise SystemExit(f"bench/run.py: the {kind} run of {method} had cache_hit={row['cache_hit']}")
                    rows.setdefault((method, kind), []).append(row)
                    print(f"# {method} {kind} {repeat}: {row['command']:.1f}s", file=sys.stderr)

    columns = ["command", "start-up", "run", *PHASES, "peak_rss_gb"]
    print(
        f"razorbench run --task {args.task}: median of {args.repeats} (seconds); {os.cpu_count()} CPUs,"
        f" {args.threads} torch thread(s), Python {platform.python_version()}, load average now"
        f" {os.getloadavg()[0]:.1f}\n"
    )
    print("| method | cache | " + " | ".join(columns) + " |")
    print("|---|---|" + "--:|" * len(columns))
    for (method, kind), rs in rows.items():
        cells = [f"{statistics.median(r[c] for r in rs):.2f}" for c in columns]
        print(f"| {method} | {kind} | " + " | ".join(cells) + " |")
    print()
    for method in args.methods:
        cold = statistics.median(r["command"] for r in rows[(method, "cold")])
        warm = statistics.median(r["command"] for r in rows[(method, "warm")])
        print(f"- {method}: warm command {warm:.1f}s vs cold {cold:.1f}s: {100 * (1 - warm / cold):.0f}% faster")
    return 0


def shared_cache_runs(args: argparse.Namespace, extra: list[str]) -> int:
    """Every method `--repeats` times with one cache: the first run evaluates the base, the rest find it cached."""
    columns = ["command", "start-up", "run", *PHASES, "peak_rss_gb"]
    print("| method | cache | " + " | ".join(columns) + " | command without the base evaluation |")
    print("|---|---|" + "--:|" * (len(columns) + 1))
    printed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for method in args.methods:
                run_id = f"{method}-{repeat}"
                cache, out = Path(tmp) / "cache", Path(tmp) / "runs"
                row = run_once(method, args.task, cache, out, run_id, args.threads, extra, printed)
                cells = [f"{row[c]:.1f}" for c in columns]
                kind = "warm" if row["cache_hit"] else "cold"
                print(f"| {method} | {kind} | " + " | ".join(cells) + f" | {row['command'] - row['base_eval']:.1f} |")
    print(
        f"\nrazorbench run --task {args.task} {' '.join(extra)}: seconds, one run per row; {os.cpu_count()} CPUs,"
        f" {args.threads} torch thread(s), Python {platform.python_version()}, load average now"
        f" {os.getloadavg()[0]:.1f}"
    )
    for text in printed:
        print("\n" + text.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
