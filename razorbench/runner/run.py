"""One run: compose the config -> load the base policy -> evaluate the base (cached) -> train the method with a
Lightning Trainer -> evaluate the fine-tuned policy -> write `runs/<run-id>/record.json`.

This module holds the config, the run folder (lock, status, resume, failure) and the order of the phases
(`_execute`); each phase is a function of `razorbench.runner.phases`."""

from __future__ import annotations

import os
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from razorbench.api.gguf_models import resolve_model
from razorbench.api.policy import model_sha256
from razorbench.api.registry import METHODS, TASKS, get_task, get_track, task_yaml
from razorbench.api.task import yaml_beside
from razorbench.api.track import Track
from razorbench.runner import phases
from razorbench.runner.config import cache_root, compose
from razorbench.runner.config_checks import check_prior_limits, check_strategy
from razorbench.runner.lora import check_lora
from razorbench.runner.monitor_hook import check_monitor_config
from razorbench.runner.run_directory import RunDirectory
from razorbench.util.errors import ConfigError, RunFailure, RunInterrupted, UsageError
from razorbench.util.stop_signal import sigterm_raises

RUN_ID_ENV = "RAZORBENCH_RUN_ID"


def resolve(method: str, task: str, track: str, config_file: str | None, overrides: list[str]) -> tuple:
    """(method class, task class, resolved config) for a run; every name and key checked."""
    method_cls = METHODS.get(method)
    task_cls = get_task(task, track)
    if task_cls.kind != "new":
        raise UsageError(
            f"task {task!r} is a prior task, not a new task to train on; valid: {', '.join(new_tasks(track))}"
        )
    track_obj = get_track(track)
    cfg = compose(
        method_cls.Config,
        task_cls.Config,
        task_yaml(task, track),
        track_obj.method_yaml(method_cls.registry_name, yaml_beside(method_cls)),
        config_file,
        [f"track={track}", *overrides],
        track_yaml=track_obj.run_defaults,
    )
    check_strategy(cfg.trainer)
    check_lora(cfg)
    check_monitor_config(cfg, task)
    check_prior_limits(cfg, track)
    return method_cls, task_cls, cfg


def new_tasks(track: str) -> list[str]:
    return [e.info["task_name"] for e in TASKS.entries() if e.info["track"] == track and e.obj.kind == "new"]


def prepare(
    method: str, task: str, track: str | None, config_file: str | None, overrides: list[str]
) -> tuple[Track, type, type, DictConfig]:
    """`resolve` on `track` (None: the default track), then the model the config names as a local folder, checked
    before anything is written: (track, method class, task class, config)."""
    track_obj = get_track(track)
    method_cls, task_cls, cfg = resolve(method, task, track_obj.name, config_file, overrides)
    if cfg.model:  # a named GGUF model or a .gguf file: its converted folder in the cache
        cfg.model = resolve_model(cfg.model, cache_root(cfg))
    check_model(track_obj, cfg.model or track_obj.model)
    return track_obj, method_cls, task_cls, cfg


def check_model(track: Track, model_path: str) -> None:
    """Before anything is written: a local model must be a saved model folder, and an embedded one must match
    its recorded sha256 (a corrupted or edited package is refused, not silently benchmarked)."""
    path = Path(model_path)
    if track.embedded or path.exists():
        if not (path.is_dir() and (path / "config.json").is_file()):
            raise UsageError(
                f"model {model_path!r} is not a model folder (no config.json); valid: a folder written "
                "by save_pretrained, or no --model for the track's default"
            )
    expected = track.recorded_sha256
    if expected and path.exists() and path.resolve() == Path(track.model).resolve():
        actual = model_sha256(path)
        if actual != expected:
            raise UsageError(
                f"the embedded model {str(path)!r} has sha256 {actual[:12]}…, not its recorded "
                f"{expected[:12]}…: reinstall razorbench"
            )


def train_and_evaluate(
    method: str,
    task: str,
    *,
    track: str | None = None,
    config_file: str | None = None,
    overrides: list[str] | None = None,
    progress: bool = True,
    force: bool = False,
) -> tuple[dict[str, Any], Path]:
    """Run one (method, task) on `track` (None: the default track) and return (record, record path)."""
    start = time.time()
    track_obj, method_cls, task_cls, cfg = prepare(method, task, track, config_file, list(overrides or []))
    track = track_obj.name
    # Lightning's DDP launcher re-executes this command once per extra rank: they inherit the id through the
    # environment, so every rank writes into the same run folder.
    run_id = cfg.run_id or os.environ.get(RUN_ID_ENV)
    run_id = run_id or f"{track}-{task}-{method}-s{cfg.seed}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    run = RunDirectory(Path(cfg.output_dir) / run_id)
    cfg.run_id = run_id
    if not launcher_rank_zero():
        # A rank that Lightning's DDP launcher started: rank 0 owns the folder (lock, status, record); this
        # process only computes its share.
        return _execute(cfg, method_cls, task_cls, run, start, progress)
    run.acquire()
    try:
        if run.record.exists() and not force:
            raise UsageError(f"run {run_id!r} already finished ({run.record}); pass --force to start it over")
        if force:
            run.clear()
        _check_same_config(run, cfg)
        OmegaConf.save(cfg, run.path / "config.yaml")
        (run.path / "failure.json").unlink(missing_ok=True)  # a rerun of a failed run starts a new attempt
        for stale in run.path.glob(".*.tmp"):  # half-written files of a killed attempt
            stale.unlink()
        run.set_status("running")
        os.environ[RUN_ID_ENV] = run_id
        try:
            with sigterm_raises():
                record, path = _execute(cfg, method_cls, task_cls, run, start, progress)
        except (UsageError, ConfigError):
            raise
        except RunInterrupted as e:
            resume = run.interrupt(str(e))
            where = f"step {resume['step']} ({resume['checkpoint']})" if resume else "the start (no checkpoint yet)"
            raise RunInterrupted(
                f"run {run_id!r} interrupted by {e}: rerun the same command to resume from {where}"
            ) from None
        except Exception as e:
            failure = run.fail(e)
            raise RunFailure(
                f"run {run_id!r} failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
                f"(details: {failure})"
            ) from e
        finally:
            os.environ.pop(RUN_ID_ENV, None)
        run.set_status("finished")
        return record, path
    finally:
        run.release()


def launcher_rank_zero() -> bool:
    """False in the processes a multi-process launch adds (Lightning's DDP launcher, torchrun, SLURM)."""
    return all(int(os.environ.get(name, "0") or 0) == 0 for name in ("LOCAL_RANK", "NODE_RANK", "RANK"))


def _check_same_config(run: RunDirectory, cfg: DictConfig) -> None:
    """A rerun with the same run id resumes only the same configuration."""
    saved = run.path / "config.yaml"
    if saved.exists() and OmegaConf.to_container(OmegaConf.load(saved)) != OmegaConf.to_container(cfg):
        raise UsageError(f"run {cfg.run_id!r} exists with a different config ({saved}); pass --force to start it over")


def _execute(
    cfg: DictConfig, method_cls: type, task_cls: type, run: RunDirectory, start: float, progress: bool
) -> tuple[dict[str, Any], Path]:
    """One run's phases, in order, once its config is resolved and its folder held: (record, record path)."""
    r = phases.set_up(cfg, task_cls, timings={})  # timings: seconds of each phase, in the record's provenance
    base = phases.evaluate_base(r)
    parts = phases.training_parts(r, method_cls, base)
    trainer = phases.make_trainer(r, run, parts, progress)
    phases.fit(r, trainer, parts.module, run)
    saved = phases.save_model(r, trainer, parts.adapter, run.path)
    peft = phases.merge_adapter(r.policy, parts.adapter)
    measured = phases.measure(r, parts.reference, base)
    record = phases.assemble_record(r, base, measured, parts, saved, peft)
    return phases.write_record(record, trainer, run, start, r.timings)
