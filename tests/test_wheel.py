"""The built wheel installs razorbench.tasks / razorbench.methods (and the tiny model) without top-level
`tasks` or `methods` packages, and `razorbench list` works from it."""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_lists(tmp_path):
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
        "import importlib.util, razorbench, razorbench.tasks.science, razorbench.methods.rl, pathlib;"
        "assert importlib.util.find_spec('tasks') is None and importlib.util.find_spec('methods') is None;"
        "assert 'site-packages' in razorbench.__file__, razorbench.__file__;"
        "from razorbench.tasks.tiny import MODEL_DIR; assert (MODEL_DIR / 'model.safetensors').exists()"
    )
    subprocess.run([str(python), "-c", check], check=True, cwd=tmp_path, env=env)
    out = subprocess.run(
        [str(env_dir / "bin" / "razorbench"), "list"], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
    ).stdout
    for name in ("science", "math", "tool", "rl", "sft"):
        assert name in out
