"""`razorbench sweep`: the product of a hyperparameter grid (× seeds) as separate runs in one sweep folder.

The folder is the single source of truth: each run is `<sweep dir>/<run id>/record.json`, the run id is
derived from its grid point and seed, and a run whose record exists is skipped, so rerunning the same
command resumes a sweep and never duplicates a run. All runs share the base-model evaluation cache (same
model, task and evaluation seed), so the base is evaluated once.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import ConfigError


@dataclass(frozen=True)
class SweepPoint:
    overrides: tuple[str, ...]  # key=value for this grid point
    seed: int

    @property
    def run_id(self) -> str:
        parts = [o.replace("=", "-") for o in self.overrides] + [f"seed-{self.seed}"]
        return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts))


def parse_grid(specs: list[str]) -> dict[str, list[str]]:
    """`["optim.lr=1e-4,3e-4", "trainer.max_steps=10,20"]` -> {key: [values]}; a malformed spec is one line.

    >>> parse_grid(["optim.lr=1e-4,3e-4"])
    {'optim.lr': ['1e-4', '3e-4']}
    """
    grid: dict[str, list[str]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key or not items:
            raise ConfigError(f"--grid {spec!r} is not of the form key=v1,v2,...")
        if key in grid:
            raise ConfigError(f"--grid key {key!r} is given twice")
        grid[key] = items
    return grid


def sweep_points(grid: dict[str, list[str]], seeds: int, first_seed: int = 0) -> list[SweepPoint]:
    keys = sorted(grid)
    return [
        SweepPoint(tuple(f"{k}={v}" for k, v in zip(keys, values, strict=True)), first_seed + s)
        for values in itertools.product(*(grid[k] for k in keys))
        for s in range(seeds)
    ]


def run_sweep(
    method: str,
    task: str,
    grid: dict[str, list[str]],
    *,
    seeds: int,
    sweep_dir: Path,
    track: str | None = None,
    config_file: str | None = None,
    overrides: list[str] | None = None,
    first_seed: int = 0,
) -> list[Path]:
    """Run every missing point of the grid on `track` (None: the default track); returns the record paths of all
    points, in grid order."""
    from razorbench.api.registry import get_track
    from razorbench.runner.run import resolve, train_and_evaluate

    track = get_track(track).name

    if seeds <= 0:
        raise ConfigError(f"--seeds must be > 0, got {seeds}")
    points = sweep_points(grid, seeds, first_seed)
    for point in points[:1]:  # every key and value checked before the first run starts
        resolve(method, task, track, config_file, [*(overrides or []), *point.overrides])
    sweep_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "method": method,
        "task": task,
        "track": track,
        "grid": grid,
        "seeds": seeds,
        "first_seed": first_seed,
        "overrides": list(overrides or []),
        "runs": [p.run_id for p in points],
    }
    manifest_path = sweep_dir / "sweep.json"
    if manifest_path.exists():
        previous = json.loads(manifest_path.read_text())
        if {k: previous.get(k) for k in ("method", "task", "track")} != {
            "method": method,
            "task": task,
            "track": track,
        }:
            raise ConfigError(f"sweep folder {str(sweep_dir)!r} holds a sweep of another method/task/track")
    write_json_atomic(manifest_path, manifest)

    paths = [sweep_dir / p.run_id / "record.json" for p in points]
    todo = [(p, path) for p, path in zip(points, paths, strict=True) if not path.exists()]
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns) as progress:
        bar = progress.add_task(f"sweep {method}/{task}", total=len(points), completed=len(points) - len(todo))
        for point, _ in todo:
            progress.update(bar, description=f"sweep {method}/{task}: {point.run_id}")
            run_overrides = [
                *(overrides or []),
                *point.overrides,
                f"seed={point.seed}",
                f"output_dir={sweep_dir}",
                f"run_id={point.run_id}",
            ]
            train_and_evaluate(
                method, task, track=track, config_file=config_file, overrides=run_overrides, progress=False
            )
            progress.advance(bar)
    return paths
