"""The phases of one run, a function each, in the order `razorbench.runner.run` calls them: the set-up (the new
task and its priors, the policy, its sampler), π0's evaluation, what trains (the method's module, its reference, the
curve, the monitor, LoRA), the Trainer, the fit, the saved model, the merged adapter, the measurement, the record
and its writing. Each reads the run's config and adds the seconds it took to the record's timings."""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
from omegaconf import DictConfig, OmegaConf

from razorbench.api.method import TrainSettings
from razorbench.api.policy import Policy, model_sha256
from razorbench.api.registry import get_task, get_track
from razorbench.api.sampler import Sampler
from razorbench.api.task import Task
from razorbench.api.track import Track
from razorbench.metrics.intervals import record_intervals
from razorbench.runner.callbacks import AtomicCheckpoint, FiniteGuard, RNGState
from razorbench.runner.checkpoint_origin import write_origin
from razorbench.runner.config import cache_root
from razorbench.runner.curve import LearningCurve
from razorbench.runner.evaluate import EvalSettings, base_evaluation
from razorbench.runner.export import save_policy
from razorbench.runner.loggers import build_loggers
from razorbench.runner.lora import apply_lora, lora_summary, merge_lora
from razorbench.runner.measure import Measurement, measure_against_base
from razorbench.runner.monitor_hook import build_monitor
from razorbench.runner.progress import StepProgressBar
from razorbench.runner.record_builder import build_record, checker_stats
from razorbench.runner.record_schema import provenance, validate_record
from razorbench.runner.run_directory import RunDirectory
from razorbench.sampling import build_sampler
from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import ConfigError
from razorbench.util.faults import fault_point
from razorbench.util.rng import streams_untouched


@dataclass
class RunContext:
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
class TrainingParts:
    """What the fit runs: the method's module, its reference π0 (None when it needs none), the learning curve and
    the forward-KL monitor (None when off), the LoRA adapter (None without LoRA)."""

    module: Any
    reference: Policy | None
    curve: LearningCurve | None
    monitor: Any
    adapter: Any


def set_up(cfg: DictConfig, task_cls: type, timings: dict[str, float]) -> RunContext:
    """The new task and its priors, the policy (seeded as every run is) and its sampler: what π0's evaluation and the
    training start from, in a run and in a sweep's base evaluation alone (`razorbench.runner.base_only`)."""
    task, priors = _new_task_and_priors(cfg, task_cls)
    quiet_lightning()
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    track, policy = _load_policy(cfg, timings)
    sampler = _start_sampler(cfg, policy, timings)
    return RunContext(cfg, track, task, priors, policy, sampler, EvalSettings.from_config(cfg), timings)


def quiet_lightning() -> None:
    """Lightning's info logs and the warnings that do not apply to a run, silenced."""
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    logging.getLogger("lightning.fabric").setLevel(logging.WARNING)
    # Prompts are Python lists built in-process: worker processes would only add start-up time.
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*`max_epochs` was not set.*")
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*")
    # On a machine with SLURM installed (a login node, a sweep's worker), a run not started by srun is intended.
    warnings.filterwarnings("ignore", message=".*The `srun` command is available on your system but is not used.*")


def _new_task_and_priors(cfg: DictConfig, task_cls: type) -> tuple[Task, list[Task]]:
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
    """The sampler `sampling.backend` names, over the policy being trained."""
    t = time.time()
    sampler = build_sampler(cfg.sampling.backend, policy)
    timings["sampler_start"] = time.time() - t  # a vLLM engine's start-up; ~0 for hf
    return sampler


def evaluate_base(r: RunContext) -> dict[str, Any]:
    """π0's scores: read from the cache, or measured into it."""
    t = time.time()
    with streams_untouched():  # cached or measured, training then draws the same (razorbench.util.rng)
        base, hit = base_evaluation(
            r.policy, r.sampler, r.policy.sha256, r.task, r.priors, r.settings, cache_root(r.cfg)
        )
    # The record counts the checks of this run's training and evaluation only: the base's are made once and
    # cached (by whichever run or sweep got there first), so counting them would make two runs of one point differ.
    checker_stats([r.task, *r.priors], reset=True)
    r.timings["base_eval_cached" if hit else "base_eval"] = time.time() - t
    return base


def training_parts(r: RunContext, method_cls: type, base: dict[str, Any]) -> TrainingParts:
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
    return TrainingParts(module, reference, curve, monitor, adapter)


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


def make_trainer(r: RunContext, run: RunDirectory, parts: TrainingParts, progress: bool) -> L.Trainer:
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


def fit(r: RunContext, trainer: L.Trainer, module: Any, run: RunDirectory) -> None:
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


def save_model(r: RunContext, trainer: L.Trainer, adapter: Any, run_dir: Path) -> Path | None:
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


def merge_adapter(policy: Policy, adapter: Any) -> dict[str, Any] | None:
    """A LoRA run's adapter summary, its update merged into the weights: everything after measures those."""
    if adapter is None:
        return None
    summary = lora_summary(adapter)
    merge_lora(policy, adapter)
    return summary


def measure(r: RunContext, reference: Policy | None, base: dict[str, Any]) -> Measurement:
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


def assemble_record(
    r: RunContext,
    base: dict[str, Any],
    measured: Measurement,
    parts: TrainingParts,
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


def write_record(
    record: dict[str, Any], trainer: L.Trainer, run: RunDirectory, start: float, timings: dict[str, float]
) -> tuple[dict[str, Any], Path]:
    """The record's provenance (device, processes, wall and phase times), the record checked and written by rank 0."""
    device, world_size = str(trainer.strategy.root_device), trainer.world_size
    record["provenance"] = provenance(device, world_size, start, time.time(), timings)
    validate_record(record)
    path = run.path / "record.json"
    if trainer.is_global_zero:
        write_json_atomic(path, record)
    return record, path
