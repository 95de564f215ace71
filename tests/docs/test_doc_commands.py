"""The guides' command blocks run as a user copies them (slow): every `<!-- ci: run -->` block of a guide page, in
page order, as one bash script in an empty folder, with small settings appended (tests/docs/doc_blocks.py), so a
guide whose command stops working fails CI.

The folder holds what a command run from the repository root reads: `examples/` (a link) and a copy of
`leaderboard/` (submissions, protocol, pages), so `leaderboard make` and `build` write into the copy. HOME is the
folder's own, so the base-evaluation cache starts empty and is left behind with it.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("doc_blocks", Path(__file__).with_name("doc_blocks.py"))
doc_blocks = importlib.util.module_from_spec(_spec)
sys.modules["doc_blocks"] = doc_blocks
_spec.loader.exec_module(doc_blocks)

PAGES = [p for p in doc_blocks.guide_pages() if any(b.action == "run" for b in doc_blocks.blocks(p))]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(doc_blocks.DOCS).as_posix())
def test_guide_commands_run(page, tmp_path):
    if any("trl" in b.code for b in doc_blocks.blocks(page) if b.action == "run"):
        pytest.importorskip("trl")  # the `bench` extra, installed for the slow stage
    (tmp_path / "examples").symlink_to(doc_blocks.ROOT / "examples")
    shutil.copytree(doc_blocks.ROOT / "leaderboard", tmp_path / "leaderboard")
    home = tmp_path / "home"
    home.mkdir()
    script = "\n".join(
        ["set -euo pipefail", *(doc_blocks.small(b.code) for b in doc_blocks.blocks(page) if b.action == "run")]
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
