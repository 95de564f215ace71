"""What a launcher is, stated once: `Launcher`, the call each of them answers (`local.launch_local`,
`slurm.launch_slurm`, `ray_tasks.launch_ray`), and `LAUNCHERS`, the one a sweep's `launcher.name` picks.

A launcher evaluates the base models first (`base`: one run per base evaluation key that the cache lacks), then
starts `specs` where it runs them, writes each run's launch entry in its sweep folder (`razorbench.launch.state`),
and calls `on_end(spec, reason)` as each ends (`reason` None: its record was written; else why not). It only starts
runs: the sweep folder says which are done, so a rerun collects what any launcher started. `sweep.launch_sweeps`
calls one through `get_launcher`; a sweep of one process at a time runs its points in its own process instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from razorbench.launch.config import LauncherConfig
    from razorbench.launch.worker import RunSpec

LAUNCHERS = {
    "local": "razorbench.launch.local:launch_local",
    "slurm": "razorbench.launch.slurm:launch_slurm",
    "ray": "razorbench.launch.ray_tasks:launch_ray",
}
"""`launcher.name` -> "module:function" of its `Launcher`, imported when a sweep uses it."""


class Launcher(Protocol):
    """The call every launcher answers (see the module docstring)."""

    def __call__(
        self,
        specs: list[RunSpec],
        base: list[RunSpec],
        cfg: LauncherConfig,
        sweep_dir_of: Callable[[RunSpec], Path],
        on_end: Callable[[RunSpec, str | None], None],
    ) -> None: ...


def get_launcher(name: str) -> Launcher:
    """The launcher `name` names (a key of `LAUNCHERS`), imported now."""
    module, _, function = LAUNCHERS[name].partition(":")
    launcher: Launcher = getattr(importlib.import_module(module), function)
    return launcher
