"""Where a local parallel sweep's time goes on this machine: the cores themselves, and the stack's start-up.

    python bench/parallel_profile.py [--out runs/bench-parallel-profile]

1. The cores: a one-thread workload (a 256x256 matmul loop; a memory-bound in-place multiply over 64 MB) alone, then
   two copies at once; the CPU seconds of one copy. Equal CPU seconds: two one-thread workers do not slow each other.
2. The runs: `razorbench run --method sft --task science` with one thread (base evaluation cached first), alone,
   then two at once with other learning rates; wall seconds each.
3. The start-up: wall seconds of a fresh `python -c "import M"` for torch, lightning and what a run imports
   (`razorbench.runner.run`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_name  # bench/ is on sys.path when a script here runs

WORKLOADS = {
    "matmul": "a = torch.randn(256, 256)\nfor _ in range(3000): a @ a",
    "memory": "x = torch.randn(16_000_000)\nfor _ in range(60): x.mul_(1.0000001)",
}
PROBE = """import sys, time, torch
torch.set_num_threads(1)
began = time.process_time()
{body}
print(time.process_time() - began)
"""


def probe(body: str, copies: int) -> list[float]:
    """CPU seconds of each of `copies` one-thread processes of `body` started together."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-c", PROBE.format(body=body)], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(copies)
    ]
    return [float(p.communicate()[0]) for p in procs]


def runs(out: Path, lrs: list[str]) -> list[float]:
    """Wall seconds of one-thread `razorbench run`s started together, one per learning rate."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    began = time.perf_counter()
    procs = []
    for lr in lrs:
        command = [
            sys.executable, "-m", "razorbench.cli", "run", "--method", "sft", "--task", "science", "--no-progress",
            f"output_dir={out}", f"run_id=lr-{lr}", f"cache_dir={out / 'cache'}", f"optim.lr={lr}",
        ]  # fmt: skip
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env))
    ended = []
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"a run failed (exit {p.returncode}): {' '.join(map(str, p.args))}")
        ended.append(time.perf_counter() - began)
    return ended


def import_seconds(module: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/bench-parallel-profile")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    print(f"{cpu_name()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("\n| one-thread workload | CPU s alone | CPU s of each, two at once |\n|---|--:|--:|")
    for name, body in WORKLOADS.items():
        alone = probe(body, 1)[0]
        pair = probe(body, 2)
        print(f"| {name} | {alone:.2f} | {pair[0]:.2f}, {pair[1]:.2f} |")
    runs(out, ["1e-4"])  # the base evaluation into the cache, and the files warm
    alone = runs(out, ["3e-4"])[0]
    pair = runs(out, ["6e-4", "1e-3"])
    print("\n| one-thread `razorbench run` (sft, science) | wall s |\n|---|--:|")
    print(f"| alone | {alone:.1f} |\n| two at once | {pair[0]:.1f}, {pair[1]:.1f} |")
    print("\n| fresh `import` | wall s |\n|---|--:|")
    for module in ("torch", "lightning", "razorbench.runner.run"):
        print(f"| {module} | {import_seconds(module):.1f} |")


if __name__ == "__main__":
    main()
