"""A third-party package adds a track through the `razorbench.tracks` entry point, and `razorbench list` and
`razorbench run --track` take it through the registry alone (no edit of razorbench)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from razorbench.tasks.tiny import MODEL_DIR

TASKS = '''
from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

WORDS = ["apple", "river", "stone", "cloud", "light", "green", "table", "music"]


@register_task("echo", track="plugged")
class Echo(Task):
    """New task: answer `echo WORD` with WORD."""

    kind = "new"

    def examples(self, split):
        return [Example(f"{split}-{i}", f"echo {w}", w) for i, w in enumerate(WORDS)]

    def check(self, response, example):
        return response.strip() == example.answer


@register_task("shout", track="plugged")
class Shout(Task):
    """Prior task: answer `shout WORD` with WORD in capitals."""

    kind = "prior"

    def examples(self, split):
        return [Example(f"{split}-{i}", f"shout {w}", w.upper()) for i, w in enumerate(WORDS)]

    def check(self, response, example):
        return response.strip() == example.answer
'''


def _plugin(root: Path) -> dict[str, str]:
    """Write a throwaway package with a track, its tasks and its entry point; the environment that sees it."""
    package = root / "plugged_track"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent(f"""
        from razorbench.api.track import Track

        TRACK = Track(
            name="plugged",
            description="a throwaway track from a test",
            model={str(MODEL_DIR)!r},
            model_name="plugged-lm",
            tasks=("plugged_track.tasks",),
        )
        """)
    )
    (package / "tasks.py").write_text(TASKS)
    (package / "tasks.yaml").write_text("task:\n  priors: [shout]\n")
    dist = root / "plugged_track-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugged-track\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[razorbench.tracks]\nplugged = plugged_track:TRACK\n")
    # A wide terminal: the listing wraps its columns to the width, which would split the phrase the test looks for.
    return {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}


def _cli(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "razorbench.cli", *argv], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_a_track_from_an_entry_point_is_listed_and_runs(tmp_path):
    env = _plugin(tmp_path / "site")
    listed = _cli(["list", "tracks"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "plugged" in listed.stdout and "a throwaway track" in listed.stdout
    small = ["trainer.max_steps=2", "data.batch_size=4", "eval.new_task_prompts=8", "eval.kl_prompts=4"]
    argv = ["run", "--track", "plugged", "--task", "echo", "--method", "sft", "--no-progress", "--run-id", "p"]
    ran = _cli([*argv, "--output-dir", "runs", f"cache_dir={tmp_path / 'cache'}", *small], env, tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    record = json.loads((tmp_path / "runs" / "p" / "record.json").read_text())
    assert (record["track"], record["task"], record["base_model"]["name"]) == ("plugged", "echo", "plugged-lm")
    assert list(record["metrics"]["prior_scores"]) == ["shout"]
    unknown = _cli(["run", "--track", "plugged", "--task", "nope", "--method", "sft"], env, tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "razorbench: error: unknown task 'nope' on track 'plugged'; valid: echo, shout."
