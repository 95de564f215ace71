"""What a launcher is, stated once: `Launcher`, the call each of them answers (`local.launch_local`,
`slurm.launch_slurm`, `ray_tasks.launch_ray`), with the types of its parameters (`Runs`, `SweepDirOf`, `OnEnd`).

A launcher evaluates the base models first (`base`: one run per base evaluation key that the cache lacks), then
starts `specs` where it runs them, writes each run's launch entry in its sweep folder (`razorbench.launch.state`),
and calls `on_end(spec, reason)` as each ends (`reason` None: its record was written; else why not). It only starts
runs: the sweep folder says which are done, so a rerun collects what any launcher started. `sweep.launch_sweeps`
calls the one `launcher.name` names (`config.LAUNCHERS`) through `get_launcher`; a sweep of one process at a time
runs its points in its own process instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from razorbench.launch.config import LAUNCHERS, LauncherConfig
from razorbench.launch.worker import RunSpec

Runs = list[RunSpec]
"""Sweep points, each one run."""
SweepDirOf = Callable[[RunSpec], Path]
"""The sweep folder of a point (a launch of several sweeps holds points of each)."""
OnEnd = Callable[[RunSpec, str | None], None]
"""Called as a point ends: None when its record was written, else why not."""


class Launcher(Protocol):
    """The call every launcher answers (see the module docstring)."""

    def __call__(
        self, specs: Runs, base: Runs, cfg: LauncherConfig, sweep_dir_of: SweepDirOf, on_end: OnEnd
    ) -> None: ...


def get_launcher(name: str) -> Launcher:
    """The launcher `name` names (a key of `config.LAUNCHERS`), imported now."""
    module, _, function = LAUNCHERS[name].partition(":")
    launcher: Launcher = getattr(importlib.import_module(module), function)
    return launcher
