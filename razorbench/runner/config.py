"""Run configuration.

Merge order, later wins (stated once, here):

    RunConfig defaults  <-  track YAML  <-  task YAML  <-  method YAML  <-  --config FILE  <-  key=value overrides

The track YAML (`Track.run_defaults`) sizes every run of a track for its model; the method YAML is the track's own
file for the method where it has one (`Track.method_defaults`), else the one beside the method.

The schema is typed: `RunConfig` below for the shared sections (the same key names for every method:
`optim.lr`, `trainer.max_steps`, `seed`, ...), the method's `Config` dataclass for `method:` and the
task's for `task:`. An unknown key or a value of the wrong type raises `ConfigError` naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from razorbench.util.errors import ConfigError
from razorbench.util.hardware import resolve_precision


@dataclass
class TrainerConfig:
    """Passed through to `lightning.Trainer`."""

    max_steps: int = 30
    """Optimizer steps."""
    accelerator: str = "auto"
    devices: Any = 1
    """An int, a list of device ids, or "auto"."""
    strategy: str = "auto"
    """"auto", "ddp", "fsdp", "deepspeed", ... (Lightning strategy names), or "fsdp2": FSDP2 data parallelism
    (Lightning's ModelParallelStrategy; unlike "fsdp", it also runs on CPU)."""
    num_nodes: int = 1
    precision: str = "32-true"
    """A Lightning precision ("32-true", "bf16-mixed", ...), or "auto": bf16-mixed where the hardware multiplies bf16
    natively (a GPU with bf16, a CPU with AVX-512 BF16 or AMX), else 32-true (`razorbench.util.hardware`). Resolved
    when the config is composed, so the run's config.yaml and record name the precision that ran."""
    gradient_clip_val: float = 1.0
    log_every_n_steps: int = 1
    checkpoint_every: int = 10
    """Optimizer steps between checkpoints (a killed run resumes from the last one)."""
    head_on_targets_only: bool = False
    """Losses over prompt+answer rows (sft, dpo, simpo, ...) apply the LM head to the answer positions alone, not to
    every position (`Policy.target_logits`): the same values up to float rounding, for a fraction of the head's work
    when prompts are long and answers short. Off by default so that runs keep their exact numerics; not with a
    sharded strategy (fsdp, fsdp2, deepspeed), whose head weights only a whole-model forward gathers."""


@dataclass
class OptimConfig:
    """AdamW with a linear warm-up to a constant learning rate (the paper's schedule)."""

    lr: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0


@dataclass
class DataConfig:
    batch_size: int = 16
    """Prompts per optimizer step (global, over all devices)."""


@dataclass
class SamplingConfig:
    backend: str = "hf"
    """Sampler: "hf" (transformers generate) or "vllm"."""
    max_new_tokens: int = 24
    temperature: float = 1.0


@dataclass
class EvalConfig:
    new_task_prompts: int = 200
    """Held-out prompts for new-task accuracy."""
    samples_per_prompt: int = 4
    """Sampled responses per prompt for new-task accuracy (temperature = sampling.temperature)."""
    kl_prompts: int = 100
    """Held-out prompts for the forward KL; one response of the base policy is sampled per prompt."""
    prior_limit: int = 200
    """Examples per prior task (None-like 0 means all)."""
    prior_limits: dict[str, int] = field(default_factory=dict)
    """At most this many examples of the named priors (the smaller of it and `prior_limit` applies): a track sizes
    each prior by the precision of its forgetting (docs/SMOL-VIABILITY.md, rule P3), so a prior whose items change
    little needs fewer of them than one whose items change often."""
    drift_prompts: int = 0
    """Prompts of each prior on which representation drift is measured (the first of those it is scored on); 0 means
    all of them. A track whose model is slow on this hardware caps it: the drift runs both models over every prompt."""
    batch_size: int = 100
    kl_chunk_size: int = 4096
    """Tokens per group of sequences run through the two models for the exact KL, and scored positions per chunk
    of logits (capped so one policy's chunk logits stay under 128 MiB: 220 positions at a 150k vocabulary).
    Memory is one group's activations plus one chunk's logits, whatever the batch (`bench/forward_kl.py`)."""
    seed: int = 1234
    """Seed of evaluation sampling, apart from the training seed: every run of a sweep is scored on the
    same base samples, and the base evaluation is cached once for all of them."""


@dataclass
class CurveConfig:
    every: int = 0
    """Optimizer steps between learning-curve points (`razorbench.runner.curve`): the policy evaluated during
    training, stored in the record under `curve`; 0 (the default) measures none."""


@dataclass
class MonitorConfig:
    """The forward-KL monitor (`razorbench.monitor`): the exact forward KL to π0 on the run's KL samples (the final
    record's), logged during training with the forgetting a law forecasts from it."""

    every: int = 50
    """Optimizer steps between checks (also at step 0 and the last step); 0 turns the monitor off. 50: a check costs
    about 1.4 training steps of a default tiny run, so every 10 took 9-16% of its training time (docs/PERFORMANCE.md),
    over the 5% goal."""
    law: str | None = "auto"
    """The law the forecast uses: "auto" (the one razorbench ships for the run's track/task, if any), the path of an
    analysis.json from `razorbench analyze`, or null/"none" for no forecast."""
    kl_budget: float | None = None
    """Forward KL (nats/sequence) past which `action` is taken; null for none."""
    forgetting_budget: float | None = None
    """Forecast forgetting past which `action` is taken (needs a law); null for none."""
    forgetting_bound: str = "upper"
    """What `forgetting_budget` is held against: "upper" (the upper end of the forecast's 95% prediction interval: the
    budget counts as crossed as soon as the run's forgetting may exceed it) or "forecast" (the point forecast)."""
    action: str = "warn"
    """At the first check past a budget: "warn" (log it, keep training) or "stop" (end training with a checkpoint
    and evaluate the policy there). The step and the reason go into the record's `monitor.crossed`."""


@dataclass
class LoraConfig:
    """LoRA through peft (`razorbench.runner.lora`): W + (alpha/r)·B·A on the target modules, only B and A trained."""

    r: int = 0
    """Rank r of the adapters; 0 (the default) trains all weights (no LoRA)."""
    alpha: float = 16.0
    """Scale α (peft's lora_alpha): the update is (α/r)·B·A."""
    target_modules: list[str] | None = None
    """Names of the modules to adapt (e.g. [q_proj, v_proj]); None: peft's default for the architecture."""
    dropout: float = 0.0
    """Dropout on the adapters' input (peft's lora_dropout)."""


@dataclass
class PeftSettings:
    lora: LoraConfig = field(default_factory=LoraConfig)


@dataclass
class RunConfig:
    seed: int = 0
    track: str = MISSING
    """The track's registered name (set from `--track` or the default track when the config is composed)."""
    model: str | None = None
    """Path or hub id of the base model; None takes the track's default."""
    output_dir: str = "runs"
    run_id: str | None = None
    cache_dir: str | None = None
    """Base-model evaluation cache; None means ~/.cache/razorbench."""
    logger: str = "csv"
    """Training logs (`razorbench.runner.loggers`): csv (in the run folder; always written), or csv plus tensorboard,
    wandb or mlflow."""
    save_model: bool = False
    """Write the fine-tuned policy as standard HF files to `runs/<run-id>/model/` (a LoRA run: its PEFT adapter), for
    `razorbench eval` or any other tool."""
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    curve: CurveConfig = field(default_factory=CurveConfig)
    monitor: MonitorConfig = field(default_factory=MonitorConfig)
    peft: PeftSettings = field(default_factory=PeftSettings)
    method: Any = None
    task: Any = None


def cache_root(cfg: DictConfig) -> Path:
    """The base-evaluation cache of a run or an eval: `cache_dir`, else ~/.cache/razorbench."""
    return Path(cfg.cache_dir).expanduser() if cfg.cache_dir else Path.home() / ".cache" / "razorbench"


def _yaml(path: Path | str, what: str) -> DictConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} {str(path)!r} does not exist")
    try:
        loaded = OmegaConf.load(path)
    except Exception as e:  # a YAML syntax error: say which file
        raise ConfigError(f"{what} {str(path)!r} is not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(loaded, DictConfig):
        raise ConfigError(f"{what} {str(path)!r} must hold a mapping of config keys")
    return loaded


def _one_line(e: OmegaConfBaseException) -> str:
    """omegaconf errors are multi-line ("full_key: ..., object_type=..."); keep what names the problem."""
    message = str(e).splitlines()[0]
    key = getattr(e, "full_key", None)
    return f"config key {key!r}: {message}" if key else message


def compose(
    method_config: type,
    task_config: type,
    task_yaml: Path | None,
    method_yaml: Path | None,
    config_file: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    track_yaml: Path | str | None = None,
) -> DictConfig:
    """Build the resolved run config in the merge order of the module docstring."""
    schema = OmegaConf.structured(RunConfig)
    schema.method = OmegaConf.structured(method_config)
    schema.task = OmegaConf.structured(task_config)
    OmegaConf.set_struct(schema, True)  # unknown keys are errors from here on
    OmegaConf.set_struct(schema.eval.prior_limits, False)  # keyed by prior name; `resolve` checks the names
    layers = []
    sources = (
        (track_yaml, "track YAML"),
        (task_yaml, "task YAML"),
        (method_yaml, "method YAML"),
        (config_file, "--config file"),
    )
    for path, what in sources:
        if path is not None:
            layer = _yaml(path, what)
            if path is config_file:
                layer.pop("launcher", None)  # a sweep's launcher settings (razorbench.launch.config), not run keys
            layers.append(layer)
    for item in overrides:
        if "=" not in item or item.startswith("="):
            raise ConfigError(f"override {item!r} is not of the form key=value")
        try:
            layers.append(OmegaConf.from_dotlist([item]))
        except (OmegaConfBaseException, yaml.YAMLError) as e:
            raise ConfigError(f"override {item!r} is not a valid value: {str(e).splitlines()[0]}") from None
    try:
        merged = OmegaConf.merge(schema, *layers)
        OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)  # surface missing/interpolation errors
        OmegaConf.to_object(merged.method)  # runs the method Config's __post_init__ checks before any model loads
    except OmegaConfBaseException as e:
        raise ConfigError(_one_line(e)) from None
    check(merged)
    merged.trainer.precision = resolve_precision(merged.trainer.precision, str(merged.trainer.accelerator))
    return merged


def check(cfg: DictConfig) -> None:
    """Range checks the types cannot express (a positive batch, a finite learning rate, ...)."""
    positive = [
        "trainer.max_steps",
        "data.batch_size",
        "sampling.max_new_tokens",
        "eval.new_task_prompts",
        "eval.samples_per_prompt",
        "eval.kl_prompts",
        "eval.batch_size",
        "eval.kl_chunk_size",
        "trainer.num_nodes",
        "trainer.checkpoint_every",
    ]
    for key in positive:
        value = OmegaConf.select(cfg, key)
        if value is None or value <= 0:
            raise ConfigError(f"config key {key!r} must be > 0, got {value!r}")
    for key in ("optim.lr", "optim.weight_decay", "sampling.temperature"):
        value = OmegaConf.select(cfg, key)
        if not (value == value and value >= 0 and value != float("inf")):  # rejects NaN, inf, negatives
            raise ConfigError(f"config key {key!r} must be a finite number >= 0, got {value!r}")
    if cfg.optim.lr == 0:
        raise ConfigError("config key 'optim.lr' must be > 0, got 0.0")
    nonnegative = ["eval.prior_limit", "eval.drift_prompts", "optim.warmup_steps", "curve.every"]
    for key in nonnegative:
        value = OmegaConf.select(cfg, key)
        if value is None or value < 0:
            raise ConfigError(f"config key {key!r} must be >= 0, got {value!r}")
    for name, limit in cfg.eval.prior_limits.items():
        if limit < 0:
            raise ConfigError(f"config key 'eval.prior_limits.{name}' must be >= 0, got {limit!r}")
    from razorbench.runner.loggers import check_logger

    check_logger(cfg.logger)
    if cfg.trainer.head_on_targets_only and cfg.trainer.strategy.startswith(("fsdp", "deepspeed")):
        raise ConfigError(
            f"config key 'trainer.head_on_targets_only' needs an unsharded model: trainer.strategy="
            f"{cfg.trainer.strategy} gathers the LM head's weights only in a whole-model forward"
        )
    if cfg.sampling.backend not in ("hf", "vllm"):
        raise ConfigError(f"config key 'sampling.backend' must be one of hf, vllm; got {cfg.sampling.backend!r}")
