"""What a plan of sweeps runs (`SweepPlan`): its own module so that what reads a plan (`razorbench.launch.kept`,
the analysis) needs nothing of what runs one (`razorbench.launch.plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class SweepPlan:
    """What a plan runs: per-method overrides, the shared grid and overrides, the seeds, the track and its tasks."""

    methods: dict[str, list[str]]
    grid: dict[str, list[str]]
    seeds: int
    common: list[str] = field(default_factory=list)
    track: str = field(kw_only=True)
    tasks: tuple[str, ...] = field(kw_only=True)
    method_grids: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Extra values of a grid key for one method (added to `grid`'s for that method's sweeps only); a key
    "task/method" gives them for one task's sweep of the method instead of the method's."""
    task_overrides: dict[str, list[str]] = field(default_factory=dict)
    """Overrides for one (task, method) sweep, keyed "task/method" (e.g. its step budget), after the method's."""
    records: Path | None = None
    """Where each run's record is kept as it ends (`razorbench.launch.kept`; an experiment's plan names its folder
    in git); None: nothing is kept."""

    def grid_for(self, method: str, task: str | None = None) -> dict[str, list[str]]:
        extra = self.method_grids.get(f"{task}/{method}", self.method_grids.get(method, {}))
        keys = [*self.grid, *(k for k in extra if k not in self.grid)]
        return {k: [*extra.get(k, []), *self.grid.get(k, [])] for k in keys}

    def overrides_for(self, method: str, task: str) -> list[str]:
        return [*self.methods[method], *self.task_overrides.get(f"{task}/{method}", [])]

    def only(self, methods: list[str] | None) -> SweepPlan:
        """This plan restricted to `methods` (all of them when None): a part of it rerun on its own
        (`razorbench reproduce TRACK --methods a,b`)."""
        if not methods:
            return self
        from razorbench.util.errors import ConfigError

        unknown = [m for m in methods if m not in self.methods]
        if unknown:
            raise ConfigError(f"--methods: {', '.join(unknown)} not in this plan; valid: {', '.join(self.methods)}")
        return replace(self, methods={m: self.methods[m] for m in self.methods if m in methods})
