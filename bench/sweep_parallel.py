"""A sweep one run after another against `--launcher local launcher.parallel=2` on the same grid.

    python bench/sweep_parallel.py [--method sft] [--task science] [--grid optim.lr=1e-4,3e-4,6e-4,1e-3]
                                   [--seeds 1] [--out runs/bench-sweep] [--repeats 1]

A 4-run tiny-track grid (times `--seeds`; the method at its tiny-track defaults), each configuration a fresh sweep
folder and a fresh base-evaluation cache, timed from outside as one `razorbench sweep` process, so start-up, the
base evaluation and every run count. Configurations: sequential with torch's default threads (every core: what a
plain `razorbench sweep` does), sequential with one thread, and `--launcher local launcher.parallel=2` (one thread
per run, each run in one of two worker processes). CPU seconds are the commands' own and their children's (user +
system). The load average before and after each command is printed: other jobs on the machine stretch wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_name  # bench/ is on sys.path when a script here runs

CONFIGS = {
    "sequential, default threads": ([], {}),
    "sequential, 1 thread": ([], {"OMP_NUM_THREADS": "1"}),
    "--launcher local launcher.parallel=2": (["--launcher", "local", "launcher.parallel=2"], {}),
}


def become_subreaper() -> None:
    """Adopt this process's orphaned descendants (Linux): the local launcher's worker template outlives the sweep
    process by an instant, so its CPU seconds, and its workers', count only once it is reaped here."""
    import ctypes

    PR_SET_CHILD_SUBREAPER = 36
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed: CPU seconds would miss the workers")


def reap_descendants() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def one_sweep(args: argparse.Namespace, index: int, extra: list[str], env: dict[str, str], repeat: int) -> dict:
    out = Path(args.out) / f"repeat-{repeat}-config-{index}"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable, "-m", "razorbench.cli", "sweep", "--method", args.method, "--task", args.task,
        "--grid", args.grid, "--seeds", str(args.seeds), "--output-dir", str(out), "--sweep-id", "s", *extra,
        f"cache_dir={out / 'cache'}",
    ]  # fmt: skip
    full_env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    load_before = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, env={**full_env, **env}, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    reap_descendants()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    records = [json.loads(p.read_text()) for p in (out / "s").glob("*/record.json")]
    phases = [r["provenance"]["timings"] for r in records]
    training = statistics.median(t["training"] for t in phases)
    whole = statistics.median(sum(v for v in t.values() if isinstance(v, float)) for t in phases)
    return {"wall": wall, "cpu": cpu, "runs": len(records), "load": (load_before, os.getloadavg()[0]),
            "training": training, "run": whole}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", default="sft")
    parser.add_argument("--task", default="science")
    parser.add_argument("--grid", default="optim.lr=1e-4,3e-4,6e-4,1e-3")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per grid point: runs = grid points x seeds")
    parser.add_argument("--out", default="runs/bench-sweep")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    become_subreaper()
    print(f"{cpu_name()}, {os.cpu_count()} CPUs; {args.method} on {args.task}, --grid {args.grid} --seeds {args.seeds}")
    results: dict[str, list[dict]] = {name: [] for name in CONFIGS}
    for repeat in range(args.repeats):
        for index, (name, (extra, env)) in enumerate(CONFIGS.items()):
            result = one_sweep(args, index, extra, env, repeat)
            results[name].append(result)
            print(f"{name}: {result['wall']:.1f}s wall, load {result['load'][0]:.1f} -> {result['load'][1]:.1f}")
    base = statistics.median(r["wall"] for r in results["sequential, default threads"])
    print()
    print(
        "| configuration | runs | wall s | CPU s | vs sequential (default threads) | a run's training s, whole run s"
        " (medians, from the records) | load average before → after |"
    )
    print("|---|--:|--:|--:|--:|--:|---|")
    for name, rs in results.items():
        wall = statistics.median(r["wall"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        loads = "; ".join(f"{r['load'][0]:.1f} → {r['load'][1]:.1f}" for r in rs)
        phases = f"{statistics.median(r['training'] for r in rs):.1f}, {statistics.median(r['run'] for r in rs):.1f}"
        print(f"| {name} | {rs[0]['runs']} | {wall:.1f} | {cpu:.1f} | {base / wall:.2f}× | {phases} | {loads} |")


if __name__ == "__main__":
    main()
