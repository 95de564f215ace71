"""Wall time of the commands that must answer at once: `razorbench --help`, `list`, `<command> --help`.

Each command is its own process, started the way a user starts it (the `razorbench` console script of this
environment), timed from outside; one untimed warm-up run first fills the OS file cache, then `--repeats` timed
runs. The goal (issue "Tracks as plug-ins"): under 0.5 s each on this 2-core machine. Also prints whether the
command imported torch or Lightning (`python -X importtime`), the usual reason a command is slow.

    python bench/cli_startup.py                 # 7 repeats of each command
    python bench/cli_startup.py --repeats 21

Prints a Markdown table: median, min and max seconds per command.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

from _machine import cpu_name

COMMANDS = (
    ["--help"],
    ["list"],
    ["list", "tracks"],
    ["list", "methods"],
    ["run", "--help"],
    ["sweep", "--help"],
    ["reproduce", "--help"],
    ["pretrain", "tiny", "--help"],
)
HEAVY = ("torch", "lightning", "transformers")


def console_script() -> str:
    """The `razorbench` script beside this interpreter (what a user of this environment runs)."""
    beside = os.path.join(os.path.dirname(sys.executable), "razorbench")
    found = beside if os.path.exists(beside) else shutil.which("razorbench")
    if not found:
        raise SystemExit("no `razorbench` command: install the project (pip install -e .) first")
    return found


def time_once(command: list[str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def heavy_imports(argv: list[str]) -> list[str]:
    """Which of torch, Lightning, transformers the command imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "razorbench.cli", *argv], capture_output=True, text=True
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    return [name for name in HEAVY if name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    script = console_script()
    print(f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, {args.repeats} repeats\n")
    print("| command | median s | min s | max s | imports torch / Lightning / transformers |")
    print("|---|---:|---:|---:|---|")
    for argv in COMMANDS:
        command = [script, *argv]
        time_once(command)  # warm-up: the file cache, not the measurement
        times = [time_once(command) for _ in range(args.repeats)]
        heavy = ", ".join(heavy_imports(argv)) or "none"
        print(
            f"| `razorbench {' '.join(argv)}` | {statistics.median(times):.3f} | {min(times):.3f} | "
            f"{max(times):.3f} | {heavy} |"
        )


if __name__ == "__main__":
    main()
