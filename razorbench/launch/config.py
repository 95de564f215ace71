"""The `launcher:` config of a sweep: which launcher (`--launcher local|slurm|ray`) and its settings.

Keys come from the `launcher:` section of the sweep's `--config` file, then `launcher.key=value` overrides (later
wins), checked against the typed schema below: an unknown key or a bad value is one line naming it. They are
the sweep's, never a run's: runs and their records are the same whichever launcher started them.

    launcher:
      name: slurm                 # local | slurm | ray
      parallel: 1                 # local: runs at once on this machine
      threads_per_run: 0          # local: torch threads per run; 0: this machine's cores / parallel
      wait: true                  # slurm: wait for the array and report; false: submit and return
      slurm: {partition: gpu, time_min: 240, nodes: 1, tasks_per_node: 8, gpus_per_node: 8, cpus_per_task: 12,
              mem_gb: 0, account: null, array_parallelism: 64, sbatch: {qos: high}, setup: []}
      ray: {address: auto, num_cpus: 1, num_gpus: 0, resources: {}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from razorbench.util.errors import ConfigError

LAUNCHERS = {
    "local": "razorbench.launch.local:launch_local",
    "slurm": "razorbench.launch.slurm:launch_slurm",
    "ray": "razorbench.launch.ray_tasks:launch_ray",
}
"""`launcher.name` -> "module:function" of its `razorbench.launch.launcher.Launcher`, imported when a sweep uses it."""


@dataclass
class SlurmConfig:
    """One array element per run; a multi-node Lightning run is one element of `nodes` nodes."""

    partition: str | None = None
    time_min: int = 60
    """Time limit of each run's job, in minutes."""
    nodes: int = 1
    tasks_per_node: int = 1
    """Processes per node: one per device for a Lightning DDP/FSDP run (trainer.devices), else 1."""
    gpus_per_node: int = 0
    cpus_per_task: int = 1
    mem_gb: float = 0
    """Memory per node; 0: the partition's default."""
    account: str | None = None
    array_parallelism: int = 256
    """Array elements running at once (sbatch --array=...%N)."""
    sbatch: dict[str, Any] = field(default_factory=dict)
    """Extra sbatch flags, {flag: value}: {qos: high, constraint: a100} -> #SBATCH --qos=high --constraint=a100."""
    setup: list[str] = field(default_factory=list)
    """Shell lines run in the job before the run (module load, source a venv, export ...)."""


@dataclass
class RayConfig:
    address: str | None = "auto"
    """`ray.init(address=...)`: "auto" joins the cluster this machine belongs to, "ray://host:10001" a remote one;
    null starts a local Ray (or uses the one this process already started)."""
    num_cpus: float = 1
    num_gpus: float = 0
    resources: dict[str, float] = field(default_factory=dict)
    """Custom Ray resources each run needs."""


@dataclass
class LauncherConfig:
    name: str = "local"
    parallel: int = 1
    threads_per_run: int = 0
    wait: bool = True
    poll_seconds: float = 5.0
    """How often a waiting sweep looks at its folder and at the scheduler's queue."""
    slurm: SlurmConfig = field(default_factory=SlurmConfig)
    ray: RayConfig = field(default_factory=RayConfig)


def launcher_config(
    name: str | None = None, section: Any = None, overrides: list[str] | tuple[str, ...] = ()
) -> LauncherConfig:
    """The checked launcher config: defaults <- `section` (a config file's `launcher:` mapping) <- `overrides`
    (`launcher.key=value`) <- `name` (the --launcher flag, when given)."""
    schema = OmegaConf.structured(LauncherConfig)
    layers = [OmegaConf.create(section)] if section else []
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key.startswith("launcher."):
            raise ConfigError(f"launcher override {item!r} is not of the form launcher.key=value")
        try:
            layers.append(OmegaConf.from_dotlist([item]).launcher)
        except Exception as e:
            raise ConfigError(f"launcher override {item!r} is not a valid value: {str(e).splitlines()[0]}") from None
    if name is not None:
        layers.append(OmegaConf.create({"name": name}))
    try:
        merged: DictConfig = OmegaConf.merge(schema, *layers)
        cfg: LauncherConfig = OmegaConf.to_object(merged)
    except OmegaConfBaseException as e:
        key = getattr(e, "full_key", None)
        message = str(e).splitlines()[0]
        raise ConfigError(f"config key 'launcher.{key}': {message}" if key else message) from None
    _check(cfg)
    return cfg


def _check(cfg: LauncherConfig) -> None:
    if cfg.name not in LAUNCHERS:
        raise ConfigError(f"launcher {cfg.name!r} is unknown; valid: {', '.join(LAUNCHERS)}")
    positive = {
        "launcher.parallel": cfg.parallel,
        "launcher.poll_seconds": cfg.poll_seconds,
        "launcher.slurm.time_min": cfg.slurm.time_min,
        "launcher.slurm.nodes": cfg.slurm.nodes,
        "launcher.slurm.tasks_per_node": cfg.slurm.tasks_per_node,
        "launcher.slurm.cpus_per_task": cfg.slurm.cpus_per_task,
        "launcher.slurm.array_parallelism": cfg.slurm.array_parallelism,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"config key {key!r} must be > 0, got {value!r}")
    non_negative = {
        "launcher.threads_per_run": cfg.threads_per_run,
        "launcher.slurm.gpus_per_node": cfg.slurm.gpus_per_node,
        "launcher.slurm.mem_gb": cfg.slurm.mem_gb,
        "launcher.ray.num_cpus": cfg.ray.num_cpus,
        "launcher.ray.num_gpus": cfg.ray.num_gpus,
    }
    for key, value in non_negative.items():
        if value < 0:
            raise ConfigError(f"config key {key!r} must be >= 0, got {value!r}")


def split_launcher_overrides(overrides: list[str]) -> tuple[list[str], list[str]]:
    """(run overrides, `launcher.*` overrides) of a sweep's key=value list."""
    launcher = [o for o in overrides if o.startswith("launcher.")]
    return [o for o in overrides if not o.startswith("launcher.")], launcher


def config_file_launcher(config_file: str | None) -> Any:
    """The `launcher:` section of a sweep's --config file (None when it has none); runs ignore that section."""
    if config_file is None:
        return None
    try:
        loaded = OmegaConf.load(config_file)
    except Exception:
        return None  # the run's own config check reports a missing or malformed file, with its name
    section = loaded.get("launcher") if isinstance(loaded, DictConfig) else None
    return OmegaConf.to_container(section) if section is not None else None
