"""What a track is: a base model, how its policy loads, and the tasks that run on it.

A track is one setting of the benchmark (a model family, its new tasks and its prior suite); a record always
names its track and the leaderboard never mixes tracks. Each built-in track is a folder `tasks/<track>/` whose
`__init__.py` registers one `Track`; a third-party package registers its own through the entry-point group
`razorbench.tracks` (an entry point that loads a `Track`, or a module that calls `register_track`)::

    TRACK = register_track(Track(
        name="mytrack",
        description="my 1B model on my tasks",
        model="org/my-model",                            # a folder or a hub id
        tasks=("mypackage.tasks.qa", "mypackage.tasks.trivia"),
    ))

Hooks are "module:function" strings, imported only when used, so that declaring a track (and listing tracks)
costs no torch import:
- `policy_loader(path, data_dir) -> Policy`: the default loads a causal LM with transformers;
- `pretrain(argv) -> int`: `razorbench pretrain <track> ...` rebuilds the track's model;
- `reproduce(request) -> dict`: `razorbench reproduce <track>` runs the paper's experiment on the track and writes
  its report (`request`: a `razorbench.launch.plan.Request`, what the command was asked: data, folders, report,
  quick check, jobs, methods, kept records, report only).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from razorbench.api.policy import Policy

CAUSAL_LM_LOADER = "razorbench.api.policy:load_causal_lm"


def load_hook(spec: str) -> Callable[..., Any]:
    """The object a "module:attr.attr" string names, imported now."""
    module_name, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Track:
    """A registered track. Only `name`, `description`, `model` and `tasks` are required."""

    name: str
    description: str
    model: str
    """The default base model: a local folder (written by save_pretrained) or a hub id."""
    tasks: tuple[str, ...]
    """Modules that register the track's tasks (`@register_task(..., track=name)`); imported on discovery."""
    model_name: str | None = None
    """The name records give the default model (default: its path or hub id)."""
    embedded: bool = False
    """The default model ships inside the package with a `SHA256` file: a run refuses it if the bytes differ."""
    policy_loader: str = CAUSAL_LM_LOADER
    pretrain: str | None = None
    reproduce: str | None = None
    run_defaults: str | None = None
    """A YAML of run settings for every run on the track (evaluation sizes, precision, sampling), merged right above
    razorbench's defaults: a track sized for its model without touching any other track's settings."""
    method_defaults: str | None = None
    """A folder of `<method>.yaml` files (budgets, rates) that replace the method's own YAML (which holds the tiny
    track's defaults) on this track; a method without a file there keeps its own."""
    reuse: str | None = None
    """A YAML naming tasks of other tracks that this track runs as they are: a list of `{track: OTHER, tasks: [NAME,
    ...], defaults: FILE}`. Each is registered on this track too, under its own name (the same class: data, splits,
    checks and scoring unchanged); `defaults`, a YAML beside this one, takes the place of the task's own YAML on this
    track (`razorbench.api.registry.task_yaml`); without it the task keeps its own."""

    @property
    def recorded_sha256(self) -> str | None:
        """The sha256 recorded beside an embedded model (its `SHA256` file), else None."""
        recorded = Path(self.model) / "SHA256"
        return recorded.read_text().split()[0] if self.embedded and recorded.is_file() else None

    def method_yaml(self, method: str, own: Path | None) -> Path | None:
        """The YAML of `method`'s defaults on this track: the track's own file where it has one, else `own`."""
        if self.method_defaults is not None:
            path = Path(self.method_defaults) / f"{method}.yaml"
            if path.is_file():
                return path
        return own

    def load_policy(self, path: str | None = None, *, data_dir: str | None = None) -> Policy:
        """The track's policy saved at `path` (default: the track's model)."""
        return load_hook(self.policy_loader)(path or self.model, data_dir)

    def hook(self, which: str) -> Callable[..., Any]:
        """The `pretrain` or `reproduce` hook, imported; a one-line error when the track has none."""
        spec = getattr(self, which)
        if spec is None:
            raise LookupError(f"track {self.name!r} has no {which} command")
        return load_hook(spec)
