"""The base evaluation of a run's config alone, into the cache (`evaluate_base_model`): what a sweep does once before
its runs fan out, so that they all read it instead of waiting on each other's lock. Not on the path of one run, which
sets up the same way (`razorbench.runner.phases.set_up`) before it evaluates the base."""

from __future__ import annotations

from razorbench.runner.config import cache_root
from razorbench.runner.evaluate import base_evaluation
from razorbench.runner.phases import set_up
from razorbench.runner.run import prepare


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
    _, _, task_cls, cfg = prepare(method, task, track, config_file, list(overrides or []))
    r = set_up(cfg, task_cls, timings={})
    try:
        _, hit = base_evaluation(r.policy, r.sampler, r.policy.sha256, r.task, r.priors, r.settings, cache_root(cfg))
    finally:
        r.sampler.close()
        for scored in (r.task, *r.priors):
            scored.close_checker()
    return hit
