"""`--no-progress` on `run` and `eval`: the command takes it anywhere on its line, and no library draws a progress
bar after it (transformers, datasets and huggingface_hub draw theirs with tqdm)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from razorbench.api.registry import get_track

# Runs the command (which stops at the unknown config key, before any work), then draws a bar as a library would.
PROBE = """
import sys
from razorbench.cli import main
print("rc", main({argv!r}))
from huggingface_hub.utils import tqdm
list(tqdm(range(3), desc="a library's bar"))
"""


@pytest.mark.parametrize("command", [["eval", "--model", "MODEL"], ["run", "--method", "sft"]])
def test_no_progress_is_taken_and_turns_the_libraries_bars_off(command, tmp_path):
    command = [get_track("tiny").model if a == "MODEL" else a for a in command]
    argv = [*command, "--no-progress", "--task", "science", f"output_dir={tmp_path}", "nope.key=1"]
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "rc 2" in out.stdout and "config key 'nope'" in out.stderr, out.stderr  # the flag was accepted
    assert "a library's bar" not in out.stderr, out.stderr


@pytest.mark.slow  # ~1 min: a base and a checkpoint evaluation
def test_eval_with_no_progress_and_overrides_between_options_writes_its_record(tmp_path):
    import json
    import shutil

    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(get_track("tiny").model, checkpoint)
    argv = ["eval", "--model", str(checkpoint), "eval.kl_prompts=4", "--no-progress", "--task", "science",
            "eval.new_task_prompts=4", "--output-dir", str(tmp_path / "runs"), "eval.prior_limit=4",
            f"cache_dir={tmp_path / 'cache'}", "--run-id", "quiet"]  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "it/s" not in out.stderr and "%|" not in out.stderr, out.stderr
    config = json.loads((tmp_path / "runs" / "quiet" / "record.json").read_text())["config"]
    assert (config["eval"]["kl_prompts"], config["eval"]["new_task_prompts"], config["eval"]["prior_limit"]) == (
        4,
        4,
        4,
    )
