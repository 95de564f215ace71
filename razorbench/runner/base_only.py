"""The base evaluation of a run's config alone, into the cache (`evaluate_base_model`): what a sweep does once before
its runs fan out, so that they all read it instead of waiting on each other's lock. Not on the path of one run, whose
first phase does the same (`razorbench.runner.run`)."""

from __future__ import annotations

import lightning as L

from razorbench.api.gguf_models import resolve_model
from razorbench.api.registry import get_task, get_track
from razorbench.runner.config import cache_root
from razorbench.runner.evaluate import EvalSettings, base_evaluation
from razorbench.runner.run import check_model, quiet_lightning, resolve
from razorbench.sampling import build_sampler


def evaluate_base_model(
    method: str,
    task: str,
    *,
    track: str | None = None,
    config_file: str | None = None,
    overrides: list[str] | None = None,
) -> bool:
    """The base evaluation a run of this config starts with, into the cache and nothing else: a sweep does it once
    before its runs fan out, so that they all read it instead of waiting on each other's lock. Returns whether
    the cache already held it."""
    track_obj = get_track(track)
    _, task_cls, cfg = resolve(method, task, track_obj.name, config_file, list(overrides or []))
    if cfg.model:  # as `run` does: a named GGUF model or a .gguf file is its converted folder in the cache
        cfg.model = resolve_model(cfg.model, cache_root(cfg))
    check_model(track_obj, cfg.model or track_obj.model)
    task_obj = task_cls(cfg.task)
    priors = [get_task(name, track_obj.name)(cfg.task) for name in cfg.task.priors]
    quiet_lightning()
    L.seed_everything(cfg.seed, workers=True, verbose=False)  # as a run does before its base evaluation
    policy = track_obj.load_policy(cfg.model or track_obj.model, data_dir=cfg.task.data_dir)
    sampler = build_sampler(cfg.sampling.backend, policy)
    try:
        _, hit = base_evaluation(
            policy, sampler, policy.sha256, task_obj, priors, EvalSettings.from_config(cfg), cache_root(cfg)
        )
    finally:
        sampler.close()
        for scored in (task_obj, *priors):
            scored.close_checker()
    return hit
