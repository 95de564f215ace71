"""`razorbench sweep`: the product of a hyperparameter grid (× seeds) as separate runs in one sweep folder.

The folder is the single source of truth: each run is `<sweep dir>/<run id>/record.json`, the run id is
derived from its grid point and seed. Rerunning the same command collects the finished runs, leaves running
and queued ones alone, and (re)submits only the missing and failed ones (`razorbench.launch.state`), so it
never duplicates a run. Where the runs execute is the launcher's business (`razorbench.launch`): one after
another in this process (the default), `launcher.parallel` at once here, a SLURM job array, or Ray tasks. All
runs share the base-model evaluation cache (same model, task and evaluation settings): a launcher that fans
out evaluates the base once first, so that no worker repeats it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from razorbench.launch.config import LauncherConfig
from razorbench.launch.state import sweep_state
from razorbench.launch.worker import RunSpec
from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import ConfigError, RunFailure


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


@dataclass
class Sweep:
    """One sweep folder, checked and with its manifest written: its points as run specs, in grid order."""

    name: str
    sweep_dir: Path
    specs: list[RunSpec]
    base_keys: list[str] = field(default_factory=list)
    """Per spec, what its base evaluation depends on (specs with equal keys share one base evaluation)."""

    @property
    def paths(self) -> list[Path]:
        return [s.record for s in self.specs]


def _base_key(cfg) -> str:
    from omegaconf import OmegaConf

    parts = {k: OmegaConf.to_container(cfg[k], resolve=True) for k in ("task", "eval", "sampling")}
    return json.dumps({"model": cfg.model, "track": cfg.track, "cache_dir": cfg.cache_dir, **parts}, sort_keys=True)


def prepare_sweep(
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
) -> Sweep:
    """Check every point's config, write (or check) the folder's manifest, and return the sweep's run specs."""
    from razorbench.api.registry import get_track
    from razorbench.runner.run import resolve

    track = get_track(track).name
    if seeds <= 0:
        raise ConfigError(f"--seeds must be > 0, got {seeds}")
    points = sweep_points(grid, seeds, first_seed)
    sweep_dir = sweep_dir.resolve()
    config_file = str(Path(config_file).resolve()) if config_file else None
    specs, keys = [], []
    for point in points:
        run_overrides = (
            *(overrides or []),
            *point.overrides,
            f"seed={point.seed}",
            f"output_dir={sweep_dir}",
            f"run_id={point.run_id}",
        )
        _, _, cfg = resolve(method, task, track, config_file, list(run_overrides))  # every point checked first
        keys.append(_base_key(cfg))
        specs.append(
            RunSpec(method, task, track, config_file, run_overrides, str(sweep_dir / point.run_id), os.getcwd())
        )
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
    return Sweep(f"{method}/{task}", sweep_dir, specs, keys)


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
    launcher: LauncherConfig | None = None,
) -> list[Path]:
    """Run every missing or failed point of the grid on `track` (None: the default track) with `launcher` (None:
    one after another in this process); returns the record paths of all points, in grid order."""
    sweep = prepare_sweep(
        method,
        task,
        grid,
        seeds=seeds,
        sweep_dir=sweep_dir,
        track=track,
        config_file=config_file,
        overrides=overrides,
        first_seed=first_seed,
    )
    launch_sweeps([sweep], launcher)
    return sweep.paths


def launch_sweeps(
    sweeps: list[Sweep],
    launcher: LauncherConfig | None = None,
    on_done: Callable[[RunSpec], None] | None = None,
) -> dict[str, float]:
    """Collect the sweeps' folders, then launch every point that is neither done nor running nor queued, all
    sweeps together; `on_done(spec)` as each launched point writes its record. Returns, per sweep, the seconds
    until its last run here ended (0 when nothing ran). Raises RunFailure naming the failed points (a rerun
    resubmits them)."""
    launcher = launcher or LauncherConfig()
    where = {s.run_dir: sweep for sweep in sweeps for s in sweep.specs}
    todo: list[RunSpec] = []
    base: dict[str, RunSpec] = {}
    cached: set[str] = set()  # a finished run of the same base key: its base evaluation is in the cache
    for sweep in sweeps:
        states = sweep_state(sweep.sweep_dir, [s.run_id for s in sweep.specs])
        for spec, key, state in zip(sweep.specs, sweep.base_keys, states, strict=True):
            if state.state == "done":
                cached.add(key)
            elif not state.active:
                todo.append(spec)
                base.setdefault(key, spec)
    base = {key: spec for key, spec in base.items() if key not in cached}
    began = time.time()
    ended: dict[str, float] = {}
    failures: list[tuple[RunSpec, str]] = []
    total = sum(len(s.specs) for s in sweeps)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns) as progress:
        label = sweeps[0].name if len(sweeps) == 1 else f"{len(sweeps)} sweeps"
        bar = progress.add_task(f"sweep {label}", total=total, completed=total - len(todo))

        def on_end(spec: RunSpec, reason: str | None) -> None:
            ended[where[spec.run_dir].name] = time.time() - began
            if reason:
                failures.append((spec, reason))
            elif on_done is not None:
                on_done(spec)
            progress.update(bar, description=f"sweep {label}: {spec.run_id}")
            progress.advance(bar)

        if todo:
            _dispatch(todo, list(base.values()), launcher, lambda s: where[s.run_dir].sweep_dir, on_end, progress)
    if failures:
        lines = "; ".join(f"{s.run_id}: {reason}" for s, reason in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        raise RunFailure(
            f"{len(failures)} of {len(todo)} runs failed: {lines}{more}. Rerun the same command to resubmit them;"
            " `razorbench sweep --status DIR` lists them."
        )
    return {s.name: ended.get(s.name, 0.0) for s in sweeps}


def _dispatch(todo, base, launcher: LauncherConfig, sweep_dir_of, on_end, progress) -> None:
    if launcher.name == "local" and launcher.parallel > 1:
        from razorbench.launch.local import cpu_cores

        cores = cpu_cores()
        if launcher.parallel > cores:
            # More workers than cores only share them: each run slower, none sooner, and more memory.
            progress.console.print(
                f"launcher.parallel={launcher.parallel} but this process may use {cores} core(s): running {cores} at"
                f" once{' (one after another)' if cores == 1 else ''}; more would share cores and finish no sooner"
            )
            launcher = replace(launcher, parallel=cores)
    if launcher.name == "local" and launcher.parallel == 1:
        # One after another in this process, as `razorbench run` would: the first run evaluates the base.
        from razorbench.launch.worker import run_point

        for spec in todo:
            progress.update(progress.task_ids[0], description=f"sweep: {spec.run_id}")
            run_point(spec)  # a failed run stops the sweep here, with its own one-line error
            on_end(spec, None)
    else:
        from razorbench.launch.launcher import get_launcher

        get_launcher(launcher.name)(todo, base, launcher, sweep_dir_of, on_end)
