"""One submitted record run again from its own config with the repository's method code, in a child process so that
a time cap can stop it:

    python -m razorbench.leaderboard.rerun RECORD_JSON OUT_DIR CACHE_DIR

reads a record, writes its config (minus where the run wrote: run id, output and cache folders) as the run's config
file, runs `train_and_evaluate` with the record's method, task and track into OUT_DIR, and leaves the new record at
OUT_DIR/rerun/record.json. CACHE_DIR holds the base evaluations, shared by the reruns of one verification (made by
this code, never read from a submission).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

# Where the original run wrote (and how it logged): not what it computed, so the rerun sets its own.
_WHERE = ("run_id", "output_dir", "cache_dir", "logger", "save_model")


class RerunFailed(RuntimeError):
    """The rerun did not finish (the time cap, or an error), with the reason in one line."""


def rerun(record: dict[str, Any], out_dir: Path, time_cap: float, cache_dir: Path) -> dict[str, Any]:
    """The record of `record`'s run made again here, within `time_cap` seconds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / "submitted.json"
    source.write_text(json.dumps(record))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "razorbench.leaderboard.rerun", str(source), str(out_dir), str(cache_dir)],
            capture_output=True,
            text=True,
            timeout=time_cap,
        )
    except subprocess.TimeoutExpired:
        raise RerunFailed(f"did not finish within the time cap of {time_cap:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RerunFailed(f"the rerun failed: {last}")
    return json.loads((out_dir / "rerun" / "record.json").read_text())


def main(argv: list[str]) -> int:
    import torch

    from razorbench.runner.run import train_and_evaluate

    record_path, out_dir, cache_dir = Path(argv[0]), Path(argv[1]), Path(argv[2])
    record = json.loads(record_path.read_text())
    config = {k: v for k, v in record["config"].items() if k not in _WHERE}
    config_file = out_dir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    # One thread, as `leaderboard make` runs its sweeps: a reduction's order, and so its last bits, depends on it.
    torch.set_num_threads(1)
    train_and_evaluate(
        record["method"],
        record["task"],
        track=record["track"],
        config_file=str(config_file),
        overrides=[f"output_dir={out_dir}", "run_id=rerun", f"cache_dir={cache_dir}", "logger=csv"],
        progress=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
