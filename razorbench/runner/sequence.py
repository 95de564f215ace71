"""A sequence of new tasks: `razorbench run --method M --task science,tool,math`, lifelong post-training.

Stage k is a normal run (`train_and_evaluate`) on the k-th task, whose base model is the policy stage k−1 saved
(stage 1: the sequence's base π0), with the method's per-stage budget. Its record therefore measures forgetting and
the forward KL against the stage it started from. Then the stage's policy is scored against π0 on every task seen so
far and on the original priors (`razorbench.runner.stage_eval`).

`<output_dir>/<sequence-id>/` holds:
- `sequence.yaml`: what was asked (method, tasks, track, config file, overrides); a rerun must ask the same;
- `stage-K-TASK/`: stage K's run folder (its `record.json`, `model/`, checkpoints) and `stage.json`, its evaluation
  against π0 (schema below);
- `sequence.json`: the sequence record, rewritten after every stage, `state` "running" until the last is done.

Resumable per stage: a rerun skips every stage whose run has a record and whose evaluation is written, resumes a
killed stage run from its checkpoint, and redoes only an evaluation that was cut off.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from razorbench.api.gguf_models import resolve_model
from razorbench.api.policy import model_sha256
from razorbench.api.registry import get_track
from razorbench.runner.config import cache_root
from razorbench.runner.record_schema import load_record, provenance
from razorbench.runner.run import check_model, resolve, train_and_evaluate
from razorbench.runner.run_directory import RunDirectory
from razorbench.runner.stage_eval import Stage, evaluate_stage
from razorbench.util.atomic import write_json_atomic
from razorbench.util.errors import ConfigError, UsageError
from razorbench.util.faults import SCOPE_ENV

SEQUENCE_SCHEMA_VERSION = 1
SEQUENCE_FILE = "sequence.json"
STAGE_FILE = "stage.json"


def parse_tasks(spec: str) -> list[str]:
    """`science,tool,math` -> the tasks in order; a task named twice is refused (its forgetting would be ambiguous)."""
    tasks = [t.strip() for t in spec.split(",")]
    if any(not t for t in tasks):
        raise UsageError(f"--task {spec!r} has an empty name; valid: new tasks separated by commas, e.g. science,tool")
    repeated = sorted({t for t in tasks if tasks.count(t) > 1})
    if repeated:
        raise UsageError(f"--task {spec!r} names {', '.join(repeated)} twice; valid: each new task once")
    return tasks


def stage_name(k: int, task: str) -> str:
    return f"stage-{k}-{task}"


def run_sequence(
    method: str,
    tasks: list[str],
    *,
    track: str | None = None,
    config_file: str | None = None,
    overrides: list[str] | None = None,
    progress: bool = True,
    force: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Any], Path]:
    """Train `method` on `tasks` in order, each stage from the previous one's policy; returns (sequence record,
    its path). Every stage's config is resolved (and refused, in one line) before anything trains."""
    began = time.time()
    track_obj = get_track(track)
    overrides = list(overrides or [])
    # The user's config, resolved once per task: names, keys and values checked before the first stage.
    configs = [resolve(method, task, track_obj.name, config_file, overrides)[2] for task in tasks]
    first = configs[0]
    _check_sequence_config(first)
    base_model = resolve_model(first.model, cache_root(first)) if first.model else track_obj.model
    check_model(track_obj, base_model)
    sequence_id = first.run_id or (
        f"{track_obj.name}-{'-'.join(tasks)}-{method}-s{first.seed}-{datetime.now():%Y%m%d-%H%M%S}"
        f"-{secrets.token_hex(2)}"
    )
    folder = RunDirectory(Path(first.output_dir) / sequence_id)
    asked = {"method": method, "tasks": tasks, "track": track_obj.name, "config": config_file, "overrides": overrides}
    folder.acquire()
    try:
        existing = folder.path / SEQUENCE_FILE
        if existing.exists() and not force and load_record(existing)["state"] == "finished":
            raise UsageError(f"sequence {sequence_id!r} already finished ({existing}); pass --force to start it over")
        if force:
            folder.clear()
        _check_same_request(folder.path, asked, sequence_id)
        OmegaConf.save(OmegaConf.create(asked), folder.path / "sequence.yaml")
        stages: list[Stage] = []
        evaluations: list[dict[str, Any]] = []
        for k, task in enumerate(tasks, start=1):
            name = stage_name(k, task)
            stage_overrides = [
                *overrides,
                f"output_dir={folder.path}",
                f"run_id={name}",
                "save_model=true",
                *([f"model={stages[-1].model}"] if stages else []),
            ]
            with _fault_scope(f"stage-{k}"):
                run_dir = folder.path / name
                if not (run_dir / "record.json").exists():
                    log(f"stage {k}/{len(tasks)}: {method} on {task}")
                    train_and_evaluate(
                        method,
                        task,
                        track=track_obj.name,
                        config_file=config_file,
                        overrides=stage_overrides,
                        progress=progress,
                    )
                cfg = resolve(method, task, track_obj.name, config_file, stage_overrides)[2]
                stages.append(Stage(task, cfg, run_dir / "model"))
                evaluation_path = run_dir / STAGE_FILE
                if evaluation_path.exists():
                    evaluations.append(load_record(evaluation_path))
                else:
                    log(f"stage {k}/{len(tasks)}: scoring against the base on {', '.join(tasks[:k])}")
                    evaluation = evaluate_stage(track_obj, base_model, stages, evaluations)
                    evaluation = {**_stage_header(sequence_id, method, track_obj.name, run_dir), **evaluation}
                    write_json_atomic(evaluation_path, evaluation)
                    evaluations.append(evaluation)
            record = sequence_record(sequence_id, method, tasks, track_obj.name, base_model, first, evaluations, began)
            write_json_atomic(existing, record)
        return record, existing
    finally:
        folder.release()


def _check_sequence_config(cfg) -> None:
    """What a sequence cannot do yet, refused before any work: a stage's base must be a full model folder (a LoRA
    stage saves an adapter) and the stages run in this process (a multi-process launch re-executes the command)."""
    if cfg.peft.lora.r:
        raise ConfigError(f"peft.lora.r={cfg.peft.lora.r} in a sequence; valid: 0 (each stage saves a full model)")
    devices = cfg.trainer.devices
    if cfg.trainer.num_nodes != 1 or (isinstance(devices, int) and devices > 1) or OmegaConf.is_list(devices):
        raise ConfigError(
            f"trainer.devices={devices}, trainer.num_nodes={cfg.trainer.num_nodes} in a sequence; valid: one device "
            "on one node (sequences run their stages in one process)"
        )


def _check_same_request(folder: Path, asked: dict[str, Any], sequence_id: str) -> None:
    saved = folder / "sequence.yaml"
    if saved.exists() and OmegaConf.to_container(OmegaConf.load(saved)) != asked:
        raise UsageError(
            f"sequence {sequence_id!r} exists with a different method, tasks or config ({saved}); pass --force to start"
            " it over"
        )


@contextmanager
def _fault_scope(scope: str) -> Iterator[None]:
    """RAZORBENCH_FAULT_SCOPE for the duration of a stage, so a kill test can name `stage-2/training`."""
    previous = os.environ.get(SCOPE_ENV)
    os.environ[SCOPE_ENV] = scope
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(SCOPE_ENV, None)
        else:
            os.environ[SCOPE_ENV] = previous


def _stage_header(sequence_id: str, method: str, track: str, run_dir: Path) -> dict[str, Any]:
    run = load_record(run_dir)
    return {
        "schema_version": SEQUENCE_SCHEMA_VERSION,
        "kind": "stage",
        "sequence_id": sequence_id,
        "method": method,
        "track": track,
        "run_id": run["run_id"],
        "model_sha256": run["saved_model"]["sha256"],
        "started_from": run["base_model"],
        "run_metrics": {  # what the stage's own run measured, against the policy it started from
            key: run["metrics"][key]
            for key in ("new_task_accuracy", "base_new_task_accuracy", "forgetting", "forward_kl")
        },
        "finished_at": datetime.now(UTC).isoformat(),
    }


def sequence_record(
    sequence_id: str,
    method: str,
    tasks: list[str],
    track: str,
    base_model: str,
    cfg,
    evaluations: list[dict[str, Any]],
    began: float,
) -> dict[str, Any]:
    """The sequence record: what was run and every finished stage's evaluation without its per-prompt detail."""
    stages = [{k: v for k, v in e.items() if k not in ("tasks",)} for e in evaluations]
    for stage, evaluation in zip(stages, evaluations, strict=True):
        stage["tasks"] = {
            t: {k: v for k, v in scores.items() if k != "per_prompt"} for t, scores in evaluation["tasks"].items()
        }
    done = len(evaluations) == len(tasks)
    last = stages[-1] if stages else None
    return {
        "schema_version": SEQUENCE_SCHEMA_VERSION,
        "kind": "sequence",
        "sequence_id": sequence_id,
        "state": "finished" if done else "running",
        "track": track,
        "method": method,
        "tasks": tasks,
        "seed": cfg.seed,
        "base_model": {"path": base_model, "sha256": model_sha256(base_model)},
        "stages": stages,
        "final": None if not done else final_summary(last),
        "provenance": provenance(str(cfg.trainer.accelerator), 1, began, time.time(), {}),
    }


def final_summary(stage: dict[str, Any]) -> dict[str, Any]:
    """The last stage's headline numbers: mean accuracy over every task, forgetting of the priors, mean forgetting
    of the earlier tasks (None for a one-stage sequence)."""
    scores = stage["tasks"].values()
    forgotten = [s["forgetting"] for s in scores if s["forgetting"] is not None]
    return {
        "mean_accuracy": sum(s["accuracy"] for s in scores) / len(scores),
        "prior_forgetting": stage["prior_forgetting"],
        "task_forgetting": sum(forgotten) / len(forgotten) if forgotten else None,
        "cumulative_stage_kl": stage["cumulative_stage_kl"],
    }


def stage_table(record: dict[str, Any]) -> Any:
    """A sequence record as a rich table, one row per stage: accuracy on each task (its forgetting since its own
    stage in brackets), forgetting of the priors, the KL to π0 on the stage's task and the cumulative stage KL."""
    from rich.table import Table

    tasks = record["tasks"]
    table = Table(title=f"{record['method']} on {record['track']}/{','.join(tasks)}  ({record['sequence_id']})")
    for column in ("stage", *(f"acc {t}" for t in tasks), "prior forgetting", "KL to π0", "cumulative KL"):
        table.add_column(column, justify="right")
    for stage in record["stages"]:
        cells = []
        for t in tasks:
            s = stage["tasks"].get(t)
            cells.append(
                ""
                if s is None
                else f"{s['accuracy']:.3f}" + ("" if s["forgetting"] is None else f" ({s['forgetting']:+.3f})")
            )
        table.add_row(
            f"{stage['stage']} {stage['task']}",
            *cells,
            f"{stage['prior_forgetting']:.4f}",
            f"{stage['tasks'][stage['task']]['forward_kl_to_base']:.4f}",
            f"{stage['cumulative_stage_kl']:.4f}",
        )
    return table
