"""One run: compose the config -> load the base policy -> evaluate the base (cached) -> train the method with a
Lightning Trainer -> evaluate the fine-tuned policy -> write `runs/<run-id>/record.json`."""

from __future__ import annotations

import logging
import os
import secrets
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import lightning as L
from omegaconf import DictConfig, OmegaConf

from razorbench.api.gguf_models import resolve_model
from razorbench.api.method import TrainSettings
from razorbench.api.policy import Policy, model_sha256
from razorbench.api.registry import METHODS, TASKS, get_task, get_track, task_yaml
from razorbench.api.sampler import Sampler
from razorbench.api.task import Task, yaml_beside
from razorbench.api.track import Track
from razorbench.metrics.intervals import record_intervals
from razorbench.runner.callbacks import AtomicCheckpoint, FiniteGuard, RNGState
from razorbench.runner.checkpoint_origin import write_origin
from razorbench.runner.config import cache_root, compose
from razorbench.runner.config_checks import check_prior_limits, check_strategy
from razorbench.runner.curve import LearningCurve
from razorbench.runner.evaluate import EvalSettings, base_evaluation
from razorbench.runner.export import save_policy
from razorbench.runner.loggers import build_loggers
from razorbench.runner.lora import apply_lora, check_lora, lora_summary, merge_lora
from razorbench.runner.measure import Measurement, measure_against_base
from razorbench.runner.monitor_hook import build_monitor, check_monitor_config
from razorbench.runner.progress import StepProgressBar
from razorbench.runner.record_builder import build_record, checker_stats
from razorbench.runner.record_schema import provenance, validate_record
from razorbench.runner.run_directory import RunDirectory
from razorbench.sampling import build_sampler
from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import ConfigError, RunFailure, RunInterrupted, UsageError
from razorbench.util.faults import fault_point
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


def quiet_lightning() -> None:
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    logging.getLogger("lightning.fabric").setLevel(logging.WARNING)
    # Prompts are Python lists built in-process: worker processes would only add start-up time.
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*`max_epochs` was not set.*")
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*")
    # On a machine with SLURM installed (a login node, a sweep's worker), a run not started by srun is intended.
    warnings.filterwarnings("ignore", message=".*The `srun` command is available on your system but is not used.*")


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
    track_obj = get_track(track)
    track = track_obj.name
    method_cls, task_cls, cfg = resolve(method, task, track, config_file, list(overrides or []))
    # Lightning's DDP launcher re-executes this command once per extra rank: they inherit the id through the
    # environment, so every rank writes into the same run folder.
    run_id = cfg.run_id or os.environ.get(RUN_ID_ENV)
    run_id = run_id or f"{track}-{task}-{method}-s{cfg.seed}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    if cfg.model:  # a named GGUF model or a .gguf file: its converted folder in the cache
        cfg.model = resolve_model(cfg.model, cache_root(cfg))
    check_model(track_obj, cfg.model or track_obj.model)
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


def _strategy(trainer_cfg: DictConfig) -> Any:
    """The Lightning strategy `trainer.strategy` names. "fsdp2" (no Lightning name of its own) is Lightning's
    ModelParallelStrategy as pure data parallelism: FSDP2 (`fully_shard`, applied in `RazorModule.configure_model`),
    which unlike Lightning's "fsdp" (FSDP1, GPU only) also runs on CPU with gloo."""
    if trainer_cfg.strategy != "fsdp2":
        return trainer_cfg.strategy
    from lightning.pytorch.strategies import ModelParallelStrategy

    devices = trainer_cfg.devices
    devices = len(devices) if isinstance(devices, (list, tuple)) or OmegaConf.is_list(devices) else devices
    if not isinstance(devices, int) or devices < 1:
        raise ConfigError(f"trainer.strategy=fsdp2 needs a device count: trainer.devices={devices!r}; valid: 1, 2, ...")
    # Full checkpoint files (gathered on rank 0): AtomicCheckpoint renames one file, not a sharded folder.
    return ModelParallelStrategy(
        data_parallel_size=devices * trainer_cfg.num_nodes, tensor_parallel_size=1, save_distributed_checkpoint=False
    )


def launcher_rank_zero() -> bool:
    """False in the processes a multi-process launch adds (Lightning's DDP launcher, torchrun, SLURM)."""
    return all(int(os.environ.get(name, "0") or 0) == 0 for name in ("LOCAL_RANK", "NODE_RANK", "RANK"))


def _check_same_config(run: RunDirectory, cfg: DictConfig) -> None:
    """A rerun with the same run id resumes only the same configuration."""
    saved = run.path / "config.yaml"
    if saved.exists() and OmegaConf.to_container(OmegaConf.load(saved)) != OmegaConf.to_container(cfg):
        raise UsageError(f"run {cfg.run_id!r} exists with a different config ({saved}); pass --force to start it over")


def _train_settings(cfg: DictConfig, cache_dir: Path) -> TrainSettings:
    """The settings every method shares, read from the run config's shared sections."""
    return TrainSettings(
        lr=cfg.optim.lr,
        weight_decay=cfg.optim.weight_decay,
        warmup_steps=cfg.optim.warmup_steps,
        batch_size=cfg.data.batch_size,
        max_new_tokens=cfg.sampling.max_new_tokens,
        temperature=cfg.sampling.temperature,
        cache_dir=str(cache_dir),
        data_seed=cfg.seed,
    )


def _execute(cfg: DictConfig, method_cls: type, task_cls: type, run: RunDirectory, start: float, progress: bool):
    """One run's phases, in order, once its config is resolved and its folder held: (record, record path)."""
    timings: dict[str, float] = {}  # seconds of each phase, in the record's provenance
    task_obj, priors = _tasks(cfg, task_cls)
    quiet_lightning()
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    track_obj, policy = _load_policy(cfg, timings)
    settings = EvalSettings.from_config(cfg)
    sampler = _start_sampler(cfg, policy, timings)
    r = _Run(cfg, track_obj, task_obj, priors, policy, sampler, settings, timings)
    base = _evaluate_base(r)
    parts = _training_parts(r, method_cls, base)
    trainer = _trainer(r, run, parts, progress)
    _fit(r, trainer, parts.module, run)
    saved = _save_model(r, trainer, parts.adapter, run.path)
    peft = _merge_adapter(policy, parts.adapter)
    measured = _measure(r, parts.reference, base)
    record = _record(r, base, measured, parts, saved, peft)
    return _write(record, trainer, run, start, timings)


@dataclass
class _Run:
    """What the phases after loading share: the config, the track, the new task and its priors, the policy being
    trained and its sampler, the evaluation settings, and the seconds of each phase so far."""

    cfg: DictConfig
    track: Track
    task: Task
    priors: list[Task]
    policy: Policy
    sampler: Sampler
    settings: EvalSettings
    timings: dict[str, float]


@dataclass
class _TrainingParts:
    """What the fit runs: the method's module, its reference π0 (None when it needs none), the learning curve and
    the forward-KL monitor (None when off), the LoRA adapter (None without LoRA)."""

    module: Any
    reference: Policy | None
    curve: LearningCurve | None
    monitor: Any
    adapter: Any


def _tasks(cfg: DictConfig, task_cls: type) -> tuple[Task, list[Task]]:
    """The new task and its priors. The priors get the new task's config too: it carries data_dir and the track's
    prior settings."""
    return task_cls(cfg.task), [get_task(name, cfg.track)(cfg.task) for name in cfg.task.priors]


def _load_policy(cfg: DictConfig, timings: dict[str, float]) -> tuple[Track, Policy]:
    """The track and the policy to train: the run's model, else the track's."""
    t = time.time()
    track_obj = get_track(cfg.track)
    policy = track_obj.load_policy(cfg.model or track_obj.model, data_dir=cfg.task.data_dir)
    policy.head_on_targets_only = cfg.trainer.head_on_targets_only  # before its frozen copies (π0) are made
    timings["model_load"] = time.time() - t
    if cfg.save_model and not callable(getattr(policy.model, "save_pretrained", None)):
        raise ConfigError(
            f"save_model=true needs a transformers model; track {cfg.track!r}'s {type(policy.model).__name__} cannot "
            "be saved as HF files"
        )
    return track_obj, policy


def _start_sampler(cfg: DictConfig, policy: Policy, timings: dict[str, float]) -> Sampler:
    t = time.time()
    sampler = build_sampler(cfg.sampling.backend, policy)
    timings["sampler_start"] = time.time() - t  # a vLLM engine's start-up; ~0 for hf
    return sampler


def _evaluate_base(r: _Run) -> dict[str, Any]:
    """π0's scores: read from the cache, or measured into it."""
    t = time.time()
    base, hit = base_evaluation(r.policy, r.sampler, r.policy.sha256, r.task, r.priors, r.settings, cache_root(r.cfg))
    # The record counts the checks of this run's training and evaluation only: the base's are made once and
    # cached (by whichever run or sweep got there first), so counting them would make two runs of one point differ.
    checker_stats([r.task, *r.priors], reset=True)
    r.timings["base_eval_cached" if hit else "base_eval"] = time.time() - t
    return base


def _training_parts(r: _Run, method_cls: type, base: dict[str, Any]) -> _TrainingParts:
    """The method's module and what watches it train, each copy of π0 made before any update or adapter."""
    cfg, policy = r.cfg, r.policy
    method_config = OmegaConf.to_object(cfg.method)  # an instance of method_cls.Config
    reference = policy.frozen_copy() if method_cls.needs_reference(method_config) else None
    curve = None
    if cfg.curve.every:
        # π0 beside the policy for the curve's KL: the method's own reference, else a frozen copy of the base.
        curve = LearningCurve(
            cfg.curve.every,
            policy=policy,
            reference=reference or policy.frozen_copy(),
            sampler=r.sampler,
            task=r.task,
            priors=r.priors,
            settings=r.settings,
            base=base,
        )
    monitor = build_monitor(cfg, r.task.name, policy, reference, base, r.settings)  # π0's side, before any update
    # After the copies of π0 above: LoRA goes into the policy's own model, in place.
    adapter = apply_lora(policy, cfg.peft.lora) if cfg.peft.lora.r else None
    if curve is not None and adapter is not None:
        curve.with_drift = False
    settings = _train_settings(cfg, cache_root(cfg))
    module = method_cls(policy, r.task, r.sampler, reference, config=method_config, settings=settings)
    return _TrainingParts(module, reference, curve, monitor, adapter)


def _trainer(r: _Run, run: RunDirectory, parts: _TrainingParts, progress: bool) -> L.Trainer:
    """The Lightning Trainer of the run's `trainer:` settings, its callbacks in the order they must run."""
    cfg = r.cfg
    return L.Trainer(
        max_steps=cfg.trainer.max_steps,
        max_epochs=-1,
        accelerator=cfg.trainer.accelerator,
        devices=cfg.trainer.devices,
        strategy=_strategy(cfg.trainer),
        num_nodes=cfg.trainer.num_nodes,
        precision=cfg.trainer.precision,
        gradient_clip_val=cfg.trainer.gradient_clip_val,
        log_every_n_steps=cfg.trainer.log_every_n_steps,
        # One log folder per attempt: a resumed run keeps the logs of the attempt that was killed.
        logger=build_loggers(cfg.logger, run.path, cfg.run_id),
        use_distributed_sampler=False,  # PromptOrder shards each global batch itself, in a fixed order
        enable_checkpointing=False,  # AtomicCheckpoint below writes the one checkpoint a resume needs
        enable_progress_bar=progress,
        callbacks=[
            FiniteGuard(),  # before the checkpoint: a non-finite step is never saved
            *([parts.curve] if parts.curve else []),  # before the checkpoint too: a resumed run keeps its points
            *([parts.monitor] if parts.monitor else []),  # before the checkpoint: its budget stop is saved, checks too
            RNGState(),
            AtomicCheckpoint(run.checkpoint, cfg.trainer.checkpoint_every),
            *r.sampler.callbacks(),  # e.g. vLLM: push the weights after every optimizer step
            *([StepProgressBar()] if progress else []),
        ],
        enable_model_summary=False,
        default_root_dir=run.path,
    )


def _fit(r: _Run, trainer: L.Trainer, module: Any, run: RunDirectory) -> None:
    """Train, from the run's checkpoint where an earlier attempt left one."""
    t = time.time()
    sampler = r.sampler
    sampler.seconds = sampler.sync_seconds = 0.0  # from here on: on-policy sampling during training only
    r.policy.model.train()  # from_pretrained returns eval mode; Lightning expects a module in training mode
    resume = run.checkpoint if run.checkpoint.exists() else None
    if resume:
        r.timings["resumed_from_checkpoint"] = 1.0
    run.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    # The checkpoint is this run's own (it holds RNG states, which weights-only loading refuses).
    trainer.fit(module, ckpt_path=resume, weights_only=False)
    r.timings["sampling"] = sampler.seconds
    r.timings["weight_sync"] = sampler.sync_seconds
    r.timings["training"] = time.time() - t - sampler.seconds - sampler.sync_seconds


def _save_model(r: _Run, trainer: L.Trainer, adapter: Any, run_dir: Path) -> Path | None:
    """With `save_model`: the fine-tuned policy as HF files (a LoRA run: its adapter), and the base it came from."""
    if not r.cfg.save_model:
        return None
    t = time.time()
    saved = save_policy(r.policy, run_dir / "model", write=trainer.is_global_zero, adapter=adapter)
    if trainer.is_global_zero:  # the base it was fine-tuned from, for `razorbench eval` to check
        base_name = r.track.model_name if r.cfg.model is None and r.track.model_name else r.policy.name
        write_origin(saved, base_name, r.policy.sha256)
    r.timings["save_model"] = time.time() - t
    return saved


def _merge_adapter(policy: Policy, adapter: Any) -> dict[str, Any] | None:
    """A LoRA run's adapter summary, its update merged into the weights: everything after measures those."""
    if adapter is None:
        return None
    summary = lora_summary(adapter)
    merge_lora(policy, adapter)
    return summary


def _measure(r: _Run, reference: Policy | None, base: dict[str, Any]) -> Measurement:
    """The trained policy against π0, through the one evaluation path (`measure_against_base`)."""
    fault_point("final_eval")
    if reference is None:  # π0 again, for the KL and the drift: loaded only now, so training never held it
        t = time.time()
        reference = r.track.load_policy(r.cfg.model or r.track.model, data_dir=r.cfg.task.data_dir)
        r.timings["reference_load"] = time.time() - t
    # The sampler closes before the KL: it frees an inference engine, and in-process sweeps would pile engines up.
    return measure_against_base(
        r.policy, reference, r.sampler, r.task, r.priors, base, r.settings, close_sampler=True, timings=r.timings
    )


def _record(
    r: _Run,
    base: dict[str, Any],
    measured: Measurement,
    parts: _TrainingParts,
    saved: Path | None,
    peft: dict[str, Any] | None,
) -> dict[str, Any]:
    """The record (less its provenance): the measurement, the method's and the checks' counts, and what the run
    kept beside it (adapter, saved model, curve, monitor), with the intervals of its metrics."""
    method, task = type(parts.module).registry_name, r.task.name
    record = build_record(r.cfg, method, task, r.track, r.policy, base, measured)
    record["method_stats"] = {**parts.module.method_stats(), **checker_stats([r.task, *r.priors])}
    for scored in (r.task, *r.priors):
        scored.close_checker()
    if peft is not None:
        record["peft"] = peft
    if saved is not None:
        # What `razorbench eval --model <run>/model` records as its checkpoint's sha256.
        record["saved_model"] = {"path": str(saved), "sha256": model_sha256(saved)}
    if parts.curve:
        record["curve"] = parts.curve.points
    if parts.monitor:
        record["monitor"] = parts.monitor.monitor.record()
        r.timings["monitor"] = parts.monitor.monitor.seconds  # inside `training`
    record["uncertainty"] = record_intervals(record, chance={p.name: p.chance for p in r.priors if p.chance})
    return record


def _write(record: dict[str, Any], trainer: L.Trainer, run: RunDirectory, start: float, timings: dict[str, float]):
    """The record's provenance (device, processes, wall and phase times), the record checked and written by rank 0."""
    device, world_size = str(trainer.strategy.root_device), trainer.world_size
    record["provenance"] = provenance(device, world_size, start, time.time(), timings)
    validate_record(record)
    path = run.path / "record.json"
    if trainer.is_global_zero:
        write_json_atomic(path, record)
    return record, path
