"""The paper track's tasks on the smol track: named in `tasks/smol/reuse.yaml`, no code of the smol track's own, and
found as before by `get_task`, `razorbench list` and a run's config."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from razorbench.api.registry import get_task, task_yaml
from razorbench.api.task import yaml_beside
from razorbench.cli import console as console_module
from razorbench.cli import main

SMOL = Path(__file__).parents[3] / "tasks" / "smol"
REUSED = ("science", "math", "tool", "hellaswag", "truthfulqa_mc2", "mmlu", "winogrande", "ifeval", "humaneval")


@pytest.mark.parametrize("name", REUSED)
def test_each_paper_task_is_the_same_class_on_the_smol_track_with_its_defaults(name):
    smol = get_task(name, "smol")
    assert smol is get_task(name, "paper") and smol.registry_name == name
    assert task_yaml(name, "smol") == SMOL / "paper_tasks.yaml"  # in place of the paper track's own YAML
    assert task_yaml(name, "paper") == yaml_beside(smol)
    assert smol.default_priors(task_yaml(name, "smol")) == []


def test_razorbench_list_names_them_on_the_smol_track(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(console_module, "console", Console(file=out, width=300))
    assert main(["list", "tasks"]) == 0
    rows = {tuple(cell.strip() for cell in line.split("│")[1:4]) for line in out.getvalue().splitlines()}
    for name in REUSED:
        kind = "new" if name in ("science", "math", "tool") else "prior"
        assert ("smol", name, kind) in rows and ("paper", name, kind) in rows


def test_a_run_of_a_reused_task_takes_the_smol_defaults():
    from razorbench.runner.run import resolve

    smol = resolve("sft", "science", "smol", None, [])[2]
    assert smol.sampling.max_new_tokens == 128 and list(smol.task.priors) == []
    assert smol.task.prior_max_gen_toks == 128  # the smol track's own settings (track.yaml) still apply
