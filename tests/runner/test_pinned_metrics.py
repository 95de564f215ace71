"""No unintended behaviour change: for a fixed seed on CPU, `razorbench run` gives the metrics pinned in
tests/runner/pinned_metrics.json.

What counts answers is compared exactly: new-task accuracy, prior scores, forgetting, prompt counts. A sampled token
or a scored answer that changes moves them by at least one answer (1/200 of the tiny track's accuracy). The
continuous metrics (KLs, total variation, weight change, representation drift) are compared to `CONTINUOUS_REL`:
float kernels round differently on different CPUs (and the run's optimizer steps carry the difference along),
measured up to 1.3e-4 relative (the toy run's forward KL) between the machine that
recorded them and an AMD EPYC (Zen 4) one, with every count equal (`python tests/runner/test_pinned_metrics.py
compare`, docs/PINNED-METRICS-drift.md). A change to how they are computed (a different normalisation, a token
left out) moves them by far more than 1e-3.

The toy entry was recorded at commit 7a16187 (before the "Tracks as plug-ins" move); the tiny entries were
re-recorded for tiny track v2 (the redesigned model and tasks, docs/TINY-TRACK.md) by

    python tests/runner/test_pinned_metrics.py tiny

which reruns the same commands and rewrites that track's entries. Rewrite an entry only for an intended change
(a new model or task version), never to make a failing test pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PINNED_FILE = Path(__file__).with_name("pinned_metrics.json")
PINNED = json.loads(PINNED_FILE.read_text())
SHARED_DATA = [Path(__file__).resolve().parents[n] / "shared" / "data" for n in (4, 3)]
CASES = [("tiny", "science", "rl"), ("tiny", "science", "sft"), ("toy", "parity-mnist", "rl")]
FLOAT_KEYS = (
    "new_task_accuracy", "base_new_task_accuracy", "forgetting", "forward_kl", "forward_kl_per_token", "reverse_kl",
    "reverse_kl_per_token", "total_variation_per_token", "weight_l2", "weight_relative_l2", "update_effective_rank",
    "representation_cka", "n_new_task_prompts", "n_kl_prompts",
)  # fmt: skip
EXACT_KEYS = ("new_task_accuracy", "base_new_task_accuracy", "forgetting", "n_new_task_prompts", "n_kl_prompts")
CONTINUOUS_REL = 1e-3


def _data_dir() -> Path | None:
    return next((d for d in SHARED_DATA if (d / "mnist").is_dir() and (d / "fashion_mnist").is_dir()), None)


def run_metrics(track: str, task: str, method: str, out: Path) -> dict:
    """The metrics of the fixed-seed run of `method` on `track`/`task` (a `razorbench run` process)."""
    argv = ["run", "--track", track, "--task", task, "--method", method, "--seed", "0", "--no-progress"]
    argv += ["--output-dir", str(out), "--run-id", "pinned", f"cache_dir={out / 'cache'}"]
    if track == "toy":
        data = _data_dir()
        if data is None:
            pytest.skip(f"no MNIST / Fashion-MNIST IDX copies in {', '.join(map(str, SHARED_DATA))}")
        argv += ["--data-dir", str(data)]
    # The same thread count as the recording (a different reduction order would round differently).
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "pinned" / "record.json").read_text())["metrics"]


@pytest.mark.parametrize(("track", "task", "method"), CASES)
def test_a_fixed_seed_run_gives_the_pinned_metrics(tmp_path, track, task, method):
    metrics = run_metrics(track, task, method, tmp_path)
    pinned = PINNED[f"{track}/{task}/{method}"]
    assert {k: v["final"] for k, v in metrics["prior_scores"].items()} == pinned["prior_scores"]
    for key in EXACT_KEYS:
        assert metrics[key] == pinned[key], key
    for key in set(FLOAT_KEYS) - set(EXACT_KEYS):
        assert metrics[key] == pytest.approx(pinned[key], rel=CONTINUOUS_REL, abs=1e-9), key


def repin(track: str) -> None:
    """Rewrite `track`'s entries of pinned_metrics.json from fresh runs."""
    pinned = json.loads(PINNED_FILE.read_text())
    for case in (c for c in CASES if c[0] == track):
        with tempfile.TemporaryDirectory() as tmp:
            metrics = run_metrics(*case, Path(tmp))
        entry = {k: metrics[k] for k in FLOAT_KEYS}
        entry["prior_scores"] = {k: v["final"] for k, v in metrics["prior_scores"].items()}
        pinned["/".join(case)] = entry
        print("/".join(case), {k: round(v, 4) for k, v in entry.items() if k != "prior_scores"})
    PINNED_FILE.write_text(json.dumps(pinned, indent=1) + "\n")


def compare() -> None:
    """Print, per case and metric, how far a fresh run on this machine is from the pinned value (relative), and
    whether every count is equal: what `CONTINUOUS_REL` was set from (output: docs/PINNED-METRICS-drift.md)."""
    import platform

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    print(f"# Pinned metrics against a fresh run on this machine ({names[0] if names else platform.machine()})\n")
    print("`python tests/runner/test_pinned_metrics.py compare`; relative difference |fresh − pinned| / |pinned|.\n")
    print("| case | metric | pinned | fresh | relative |\n|---|---|---|---|---|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            metrics = run_metrics(*case, Path(tmp))
        pinned = PINNED["/".join(case)]
        same = {k: v["final"] for k, v in metrics["prior_scores"].items()} == pinned["prior_scores"]
        print(f"| {'/'.join(case)} | prior scores | | | {'equal' if same else 'DIFFER'} |")
        for key in FLOAT_KEYS:
            rel = abs(metrics[key] - pinned[key]) / max(abs(pinned[key]), 1e-12)
            print(f"| {'/'.join(case)} | {key} | {pinned[key]:.10g} | {metrics[key]:.10g} | {rel:.2e} |")


if __name__ == "__main__":
    compare() if sys.argv[1] == "compare" else repin(sys.argv[1])
