"""A plan's runs kept in git: one compact record per run (`razorbench.util.compact_record`), written as the run
ends, so that a plan resumes from the repository on a fresh machine and its report is rendered from these records
alone (`razorbench reproduce TRACK --report-only`).

Layout: `<folder>/<task>/<method>/<run id>.json.gz`, the run id the sweep's (its grid point and seed,
`razorbench.launch.sweep.SweepPoint`). A point whose record is kept is not run again (`pending`); a point whose
record is in its run folder but not kept yet (the job stopped between the two) is kept then, not rerun. A kept
record made under other settings than the plan's for its point (a budget or a method's setting changed since) is
refused in one line, never read as the plan's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from razorbench.util.compact_record import SUFFIX, keep_record, read_kept
from razorbench.util.errors import ConfigError

if TYPE_CHECKING:
    from razorbench.launch.sweep import Sweep
    from razorbench.launch.sweep_plan import SweepPlan
    from razorbench.launch.worker import RunSpec


@dataclass(frozen=True)
class Point:
    """One run of a plan: its task, method, run id, and the overrides the plan sets for it (seed included)."""

    task: str
    method: str
    run_id: str
    overrides: tuple[str, ...]

    def path(self, folder: Path) -> Path:
        return folder / self.task / self.method / f"{self.run_id}{SUFFIX}"


def plan_points(plan: SweepPlan) -> list[Point]:
    """Every run of `plan`, task by task, method by method, in its sweep's grid order."""
    from razorbench.launch.sweep import sweep_points

    return [
        Point(task, method, p.run_id, (*plan.common, *plan.overrides_for(method, task), *p.overrides, f"seed={p.seed}"))
        for task in plan.tasks
        for method in plan.methods
        for p in sweep_points(plan.grid_for(method, task), plan.seeds)
    ]


def _same(recorded: Any, asked: str) -> bool:
    """Whether a config value as recorded is the override's value (numbers compared as numbers: 3e-4 is 0.0003)."""
    if isinstance(recorded, bool):
        return str(recorded).lower() == asked.lower()
    if isinstance(recorded, list):
        return "[" + ",".join(map(str, recorded)) + "]" == asked.replace(" ", "")
    try:
        return float(recorded) == float(asked)
    except (TypeError, ValueError):
        return str(recorded) == asked


def check_kept(record: dict[str, Any], point: Point, path: Path) -> None:
    """Refuse a kept record that is not `point`'s run: another method or task, or a config value the plan sets
    otherwise."""
    for key, asked in (("method", point.method), ("task", point.task)):
        if record.get(key) != asked:
            raise ConfigError(f"kept record {path} is a run of {key} {record.get(key)!r}, not {asked!r}")
    for override in point.overrides:
        key, _, asked = override.partition("=")
        recorded: Any = record["config"]
        for part in key.split("."):
            recorded = recorded.get(part) if isinstance(recorded, dict) else None
        if not _same(recorded, asked):
            raise ConfigError(
                f"kept record {path} was made with {key}={recorded}, the plan sets {key}={asked}: delete it to "
                "rerun the run, or restore the plan"
            )


def load_kept(plan: SweepPlan, folder: Path) -> list[dict[str, Any]]:
    """The kept records of `plan`'s runs (each checked against its point), in the plan's order; runs not kept yet
    are left out."""
    out = []
    for point in plan_points(plan):
        path = point.path(folder)
        if path.exists():
            record = read_kept(path)
            check_kept(record, point, path)
            out.append(record)
    return out


def keep_run(folder: Path, point: Point, record_file: Path) -> Path:
    """A finished run's record (`record_file`, its run folder's) kept compactly for `point`; returns where."""
    from razorbench.runner.record_schema import load_record

    path = point.path(folder)
    record = load_record(record_file)
    check_kept(record, point, record_file)
    keep_record(path, record)
    return path


def pending(sweep: Sweep, points: dict[tuple[str, str, str], Point], folder: Path) -> Sweep:
    """`sweep` without its runs kept in `folder`; a run with a record in its folder but none kept is kept now."""
    specs, keys = [], []
    for spec, key in zip(sweep.specs, sweep.base_keys, strict=True):
        point = points[(spec.task, spec.method, spec.run_id)]
        kept = point.path(folder)
        if kept.exists():
            check_kept(read_kept(kept), point, kept)
        elif spec.record.exists():
            keep_run(folder, point, spec.record)
        else:
            specs.append(spec)
            keys.append(key)
    return replace(sweep, specs=specs, base_keys=keys)


def keeper(points: dict[tuple[str, str, str], Point], folder: Path):
    """The callback that keeps each run's record as it ends (`razorbench.launch.sweep.launch_sweeps`' `on_done`)."""

    def on_done(spec: RunSpec) -> None:
        keep_run(folder, points[(spec.task, spec.method, spec.run_id)], spec.record)

    return on_done


def by_run(points: list[Point]) -> dict[tuple[str, str, str], Point]:
    """`points` keyed as a run spec names its run: (task, method, run id)."""
    return {(p.task, p.method, p.run_id): p for p in points}
