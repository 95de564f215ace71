"""Where a run's training logs go: `logger=csv|tensorboard|wandb|mlflow`, Lightning's own loggers.

A CSV log is always written in the run folder (`logs/attempt-N/`, one folder per attempt, so a resumed run keeps
the logs of the attempt that was killed); `logger=` adds one more:
- `tensorboard`: event files beside it, in `logs/attempt-N/` (needs `tensorboard` or `tensorboardX`);
- `wandb`: a Weights & Biases run named by the run id, its files under the run folder (`WANDB_MODE=offline` keeps it
  on disk; needs `wandb`);
- `mlflow`: an MLflow run named by the run id in experiment `razorbench`, tracked at `MLFLOW_TRACKING_URI`, else in a
  local file store in the run folder (`mlruns/`; needs `mlflow` or `mlflow-skinny`).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from lightning.pytorch.loggers import CSVLogger, Logger

from razorbench.util.errors import ConfigError

LOGGERS = ("csv", "tensorboard", "wandb", "mlflow")
# The packages each logger needs (any one of them).
_NEEDS = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",), "mlflow": ("mlflow",)}


def check_logger(name: str) -> None:
    """Refuse, before any work, an unknown logger or one whose package is missing."""
    if name not in LOGGERS:
        raise ConfigError(f"config key 'logger' must be one of {', '.join(LOGGERS)}; got {name!r}")
    packages = _NEEDS.get(name, ())
    if packages and not any(importlib.util.find_spec(p) for p in packages):
        raise ConfigError(f"logger={name} needs the package {packages[0]!r} (pip install {packages[0]})")


def build_loggers(name: str, run_dir: Path, run_id: str) -> list[Logger]:
    """The CSV logger of this attempt, and the one `name` adds."""
    version = f"attempt-{len(list(run_dir.glob('logs/attempt-*')))}"
    loggers: list[Logger] = [CSVLogger(run_dir, name="logs", version=version)]
    if name == "tensorboard":
        from lightning.pytorch.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(run_dir, name="logs", version=version, default_hp_metric=False))
    elif name == "wandb":
        from lightning.pytorch.loggers import WandbLogger

        loggers.append(WandbLogger(name=run_id, project="razorbench", save_dir=str(run_dir)))
    elif name == "mlflow":
        from lightning.pytorch.loggers import MLFlowLogger

        uri = os.environ.get("MLFLOW_TRACKING_URI")
        if not uri:
            uri = (run_dir / "mlruns").resolve().as_uri()
            # MLflow >= 3.10 refuses its file store unless asked: a file in the run folder is what is wanted here.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        loggers.append(MLFlowLogger(experiment_name="razorbench", run_name=run_id, tracking_uri=uri))
    return loggers
