"""`razorbench eval`: checkpoints trained anywhere, measured against their base exactly as `razorbench run` measures
its own fine-tuned policy, each written as a normal record (method `external`).

For each checkpoint (`razorbench.runner.checkpoint_folders`): new-task accuracy, prior scores, forgetting, per-example
transitions, the exact forward KL with its sampled-token estimates, and the other predictors. The base's scores and
KL samples come from the same cache as `run` (keyed by the base's sha256, the tasks and the evaluation settings), so
a checkpoint of a razorbench run, evaluated with the run's evaluation settings, gets the run's own numbers back.

Several checkpoints (a training run's saved steps) give one record each, in `<output_dir>/<run-id>/<checkpoint>/`,
and `<output_dir>/<run-id>/trajectory.json`: their headline metrics ordered by step.
"""

from __future__ import annotations

import copy
import logging
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from razorbench.api.gguf_models import resolve_model
from razorbench.api.method import MethodConfig
from razorbench.api.policy import Policy
from razorbench.api.registry import get_task, get_track, task_yaml
from razorbench.api.track import Track
from razorbench.metrics.intervals import record_intervals
from razorbench.runner.checkpoint_folders import ADAPTER, Checkpoint, inspect_checkpoint, load_checkpoint
from razorbench.runner.checkpoint_origin import mismatch
from razorbench.runner.config import cache_root, compose
from razorbench.runner.evaluate import EvalSettings, base_evaluation
from razorbench.runner.measure import measure_against_base
from razorbench.runner.record_builder import build_record, checker_stats
from razorbench.runner.record_schema import provenance, validate_record
from razorbench.runner.run import check_model, new_tasks
from razorbench.runner.run_directory import RunDirectory
from razorbench.sampling import build_sampler
from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import UsageError

METHOD = "external"
# The trajectory's columns: headline metrics of each checkpoint.
TRAJECTORY_METRICS = (
    "new_task_accuracy",
    "forgetting",
    "forward_kl",
    "forward_kl_per_token",
    "reverse_kl",
    "forward_kl_k1",
    "forward_kl_k3",
    "weight_l2",
)


def resolve_eval(
    models: list[str], task: str, track: str | None, base: str | None, config_file: str | None, overrides: list[str]
) -> tuple[Track, type, list[Checkpoint], DictConfig]:
    """(track, task class, checkpoints, config) of an eval; every name, folder and key checked before any model
    loads. The base: `--base`, else the adapters' own base (`adapter_config.json`), else the track's model."""
    track_obj = get_track(track)
    task_cls = get_task(task, track_obj.name)
    if base is not None:  # a named GGUF model or a .gguf file: its converted folder in the cache
        cache = cache_root(
            compose(
                MethodConfig,
                task_cls.Config,
                None,
                None,
                config_file,
                [f"track={track_obj.name}", *overrides],
                track_yaml=track_obj.run_defaults,
            )
        )
        base = resolve_model(base, cache)
    if task_cls.kind != "new":
        raise UsageError(
            f"task {task!r} is a prior task; valid: {', '.join(new_tasks(track_obj.name))} (its priors are scored too)"
        )
    checkpoints = [inspect_checkpoint(m) for m in models]
    if base is None:
        bases = {c.adapter_base for c in checkpoints if c.kind == ADAPTER}
        if len(bases) > 1:
            raise UsageError(f"the adapters name different bases ({', '.join(sorted(map(str, bases)))}); pass --base")
        base = bases.pop() if bases else None
    if base is not None and Path(base).exists() and Path(base).resolve() == Path(track_obj.model).resolve():
        base = None  # the track's own model: records name it as `run` does
    extra = [f"model={base}"] if base is not None else []
    cfg = compose(
        MethodConfig,
        task_cls.Config,
        task_yaml(task, track_obj.name),
        None,
        config_file,
        [f"track={track_obj.name}", *extra, *overrides],
        track_yaml=track_obj.run_defaults,
    )
    return track_obj, task_cls, checkpoints, cfg


def evaluate_checkpoints(
    models: list[str],
    task: str,
    *,
    track: str | None = None,
    base: str | None = None,
    config_file: str | None = None,
    overrides: list[str] | None = None,
    force: bool = False,
) -> tuple[list[tuple[dict[str, Any], Path]], Path | None]:
    """Evaluate each checkpoint against its base: ([(record, record path)], trajectory path or None for one)."""
    start = time.time()
    track_obj, task_cls, checkpoints, cfg = resolve_eval(models, task, track, base, config_file, list(overrides or []))
    base_path = cfg.model or track_obj.model
    check_model(track_obj, base_path)
    run_id = cfg.run_id or (
        f"eval-{track_obj.name}-{task}-{checkpoints[0].name if len(checkpoints) == 1 else 'trajectory'}"
        f"-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    )
    root = Path(cfg.output_dir) / run_id
    folders = {c: root if len(checkpoints) == 1 else root / c.name for c in checkpoints}
    if len(set(folders.values())) < len(folders):
        raise UsageError("two checkpoints have the same folder name; evaluate them in separate commands")
    for c, folder in folders.items():
        if (folder / "record.json").exists() and not force:
            raise UsageError(f"{folder / 'record.json'} exists (checkpoint {str(c.path)!r}); pass --force to redo it")

    timings: dict[str, float] = {}
    task_obj = task_cls(cfg.task)
    priors = [get_task(name, track_obj.name)(cfg.task) for name in cfg.task.priors]
    settings = EvalSettings.from_config(cfg)
    t = time.time()
    base_policy = track_obj.load_policy(base_path, data_dir=cfg.task.data_dir)
    timings["model_load"] = time.time() - t
    t = time.time()
    sampler = build_sampler(cfg.sampling.backend, base_policy)
    base, cache_hit = base_evaluation(
        base_policy, sampler, base_policy.sha256, task_obj, priors, settings, cache_root(cfg)
    )
    sampler.close()
    timings["base_eval_cached" if cache_hit else "base_eval"] = time.time() - t

    checker_stats([task_obj, *priors], reset=True)  # each checkpoint's record counts its own checks
    base_name = track_obj.model_name if cfg.model is None and track_obj.model_name else base_policy.name
    warnings = {c: mismatch(c.path, c.origin, base_name, base_policy.name, base_policy.sha256) for c in checkpoints}
    for warning in filter(None, warnings.values()):
        logging.getLogger(__name__).warning(warning)
    results = []
    for checkpoint in sorted(checkpoints, key=lambda c: (c.step is None, c.step or 0)):
        checkpoint_cfg = copy.deepcopy(cfg)
        checkpoint_cfg.run_id = run_id if len(checkpoints) == 1 else f"{run_id}-{checkpoint.name}"
        run = RunDirectory(folders[checkpoint])
        run.acquire()
        try:
            if force:
                run.clear()
            run.set_status("running")
            record = _evaluate_one(
                checkpoint_cfg,
                track_obj,
                task,
                base_policy,
                base,
                checkpoint,
                task_obj,
                priors,
                settings,
                dict(timings),
                start,
            )
            if warnings[checkpoint]:
                record["model"]["origin_warning"] = warnings[checkpoint]
            path = run.path / "record.json"
            write_json_atomic(path, record)
            run.set_status("finished")
        finally:
            run.release()
        results.append((record, path))
    for scored in (task_obj, *priors):
        scored.close_checker()
    if len(results) == 1:
        return results, None
    trajectory = root / "trajectory.json"
    write_json_atomic(trajectory, trajectory_of([r for r, _ in results]))
    return results, trajectory


def _evaluate_one(
    cfg: DictConfig,
    track: Track,
    task: str,
    base_policy: Policy,
    base: dict[str, Any],
    checkpoint: Checkpoint,
    task_obj,
    priors: list,
    settings: EvalSettings,
    timings: dict[str, float],
    start: float,
) -> dict[str, Any]:
    """One checkpoint's record. `timings` holds the parts every checkpoint shares (the base's load and evaluation),
    timed from `start`, the command's start: the record's wall time runs from there too, so it covers all its parts."""
    t = time.time()
    tuned = load_checkpoint(track, base_policy, checkpoint, data_dir=cfg.task.data_dir)
    timings["checkpoint_load"] = time.time() - t
    t = time.time()
    sampler = build_sampler(cfg.sampling.backend, tuned)
    timings["sampler_start"] = time.time() - t
    measured = measure_against_base(
        tuned, base_policy, sampler, task_obj, priors, base, settings, close_sampler=True, timings=timings
    )
    record = build_record(cfg, METHOD, task, track, base_policy, base, measured)
    record["model"] = checkpoint.to_dict()
    record["method_stats"] = checker_stats([task_obj, *priors], reset=True)
    record["uncertainty"] = record_intervals(record, chance={p.name: p.chance for p in priors if p.chance})
    device = str(next(tuned.model.parameters()).device)
    record["provenance"] = provenance(device, 1, start, time.time(), timings)
    validate_record(record)
    return record


def trajectory_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The headline metrics of several checkpoints' records, in step order."""
    first = records[0]
    return {
        "track": first["track"],
        "task": first["task"],
        "base_model": first["base_model"],
        "base_new_task_accuracy": first["metrics"]["base_new_task_accuracy"],
        "points": [
            {
                "run_id": r["run_id"],
                "checkpoint": r["model"]["path"],
                "step": r["model"]["step"],
                "sha256": r["model"]["sha256"],
                **{k: r["metrics"].get(k) for k in TRAJECTORY_METRICS},
            }
            for r in records
        ],
    }
