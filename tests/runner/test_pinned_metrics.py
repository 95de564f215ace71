"""No behaviour change across restructurings: for a fixed seed on CPU, `razorbench run` gives the metrics that were
recorded from main before the "Tracks as plug-ins" move (tests/runner/pinned_metrics.json, written by the same
commands at commit 7a16187). Float metrics are compared to 1e-6 relative: a sampled token that changes would move
them by far more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PINNED = json.loads((Path(__file__).with_name("pinned_metrics.json")).read_text())
SHARED_DATA = [Path(__file__).resolve().parents[n] / "shared" / "data" for n in (4, 3)]
CASES = [("tiny", "science", "rl"), ("tiny", "science", "sft"), ("toy", "parity-mnist", "rl")]


def _data_dir() -> Path | None:
    return next((d for d in SHARED_DATA if (d / "mnist").is_dir() and (d / "fashion_mnist").is_dir()), None)


@pytest.mark.parametrize(("track", "task", "method"), CASES)
def test_a_fixed_seed_run_gives_the_pinned_metrics(tmp_path, track, task, method):
    argv = ["run", "--track", track, "--task", task, "--method", method, "--seed", "0", "--no-progress"]
    argv += ["--output-dir", str(tmp_path), "--run-id", "pinned", f"cache_dir={tmp_path / 'cache'}"]
    if track == "toy":
        data = _data_dir()
        if data is None:
            pytest.skip(f"no MNIST / Fashion-MNIST IDX copies in {', '.join(map(str, SHARED_DATA))}")
        argv += ["--data-dir", str(data)]
    # The same thread count as the recording (a different reduction order would round differently).
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    metrics = json.loads((tmp_path / "pinned" / "record.json").read_text())["metrics"]
    pinned = PINNED[f"{track}/{task}/{method}"]
    assert {k: v["final"] for k, v in metrics["prior_scores"].items()} == pinned["prior_scores"]
    for key, value in pinned.items():
        if key != "prior_scores":
            assert metrics[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
