"""The built wheel installs razorbench.tasks / razorbench.methods (and the tiny model) without top-level
`tasks`, `methods` or `experiments` packages, and from a folder outside the repository `razorbench list`, `run`,
`submit`, `leaderboard validate` and `leaderboard build` work from it (the schema and the models are package data)."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_lists_runs_submits_and_builds_the_leaderboard(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
    )
    wheel = next(dist.glob("razorbench-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    # Dependencies (torch, lightning, ...) come from this interpreter's site-packages, appended after the
    # fresh venv's own: a plain path in a .pth file does not run this environment's editable-install hooks.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    check = (
        "import importlib.util, razorbench, razorbench.tasks.tiny.science, razorbench.methods.rl, pathlib;"
        "assert importlib.util.find_spec('tasks') is None and importlib.util.find_spec('methods') is None;"
        "assert 'site-packages' in razorbench.__file__, razorbench.__file__;"
        "from razorbench.tasks.tiny import MODEL_DIR; assert (MODEL_DIR / 'model.safetensors').exists();"
        # The experiments are the repository's (experiments/, run from a checkout), never installed.
        "assert importlib.util.find_spec('experiments') is None"
    )
    subprocess.run([str(python), "-c", check], check=True, cwd=tmp_path, env=env)
    out = subprocess.run(
        [str(env_dir / "bin" / "razorbench"), "list"], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
    ).stdout
    for name in ("science", "math", "tool", "rl", "sft"):
        assert name in out

    razorbench = str(env_dir / "bin" / "razorbench")
    # A track's reproduction plan is one of the repository's experiments: outside a checkout, one line and status 2.
    out = subprocess.run([razorbench, "reproduce", "toy"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 2 and "run `razorbench reproduce` from the root of a razorbench checkout" in out.stderr
    # A submission follows the leaderboard's protocol (a copy of the repository's, as a contributor's clone has it):
    # its evaluation settings, so the runs keep the defaults; protocol v2's two learning rates of sft on tiny/science,
    # 3 seeds each, and curve points (a short budget, within the protocol's, with a point at every step).
    (tmp_path / "leaderboard").mkdir()
    shutil.copy(REPO / "leaderboard" / "protocol.yaml", tmp_path / "leaderboard" / "protocol.yaml")
    # One sweep: its worker process imports torch once for the six runs.
    subprocess.run(
        [razorbench, "sweep", "--method", "sft", "--task", "science", "--grid", "optim.lr=9.0e-05,3.0e-04"]
        + ["--seeds", "3", "--output-dir", "runs", "--sweep-id", "sweep", f"cache_dir={tmp_path / 'cache'}"]
        + ["trainer.max_steps=2", "curve.every=1"],
        check=True,
        cwd=tmp_path,
        env=env,
    )
    for argv in (
        ["submit", "runs/sweep", "--name", "from-a-wheel", "--authors", "a test"],
        ["leaderboard", "validate"],
        ["leaderboard", "build"],
        ["leaderboard", "build", "--check"],
    ):
        out = subprocess.run([razorbench, *argv], capture_output=True, text=True, cwd=tmp_path, env=env)
        assert out.returncode == 0, (argv, out.stderr)
    assert (tmp_path / "leaderboard/submissions/tiny/science/from-a-wheel.json").is_file()
    assert "from-a-wheel" in (tmp_path / "leaderboard/README.md").read_text()
    assert (tmp_path / "leaderboard/index.html").is_file()
