"""A run's record assembled from its measurements: the base evaluation and the measurement against the base
(`razorbench.runner.measure`) of one run (`razorbench.runner.run`) or of a checkpoint trained elsewhere
(`razorbench.runner.checkpoint_eval`), into the schema `razorbench.runner.record_schema` validates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from omegaconf import DictConfig, OmegaConf

from razorbench.api.policy import Policy, model_sha256
from razorbench.api.track import Track
from razorbench.metrics.kl_estimators import ESTIMATORS
from razorbench.runner.measure import Measurement
from razorbench.runner.record_schema import METRIC_INFO, SCHEMA_VERSION


def left_out(base: dict[str, Any], final: dict[str, Any]) -> dict[str, Any]:
    """What a prior's scorer could not score as defined, base and final together: `skipped` (the documents left
    out, e.g. longer than the model's context) and `truncated` (how many were scored with their context cut)."""
    out: dict[str, Any] = {}
    skipped = sorted({*base.get("skipped", {}), *final.get("skipped", {})})
    truncated = {*base.get("truncated", []), *final.get("truncated", [])}
    if skipped:
        out["skipped"] = skipped
    if truncated:
        out["truncated"] = len(truncated)
    return out


def checker_stats(tasks: list, *, reset: bool = False) -> dict[str, Any]:
    """`{"checker": {task: counts}}` for the tasks whose checker scored responses in this run (the record's
    `method_stats`): how many, how many ran past the task's time bound or failed (each counted wrong)."""
    stats = {t.name: s for t in tasks if (s := t.checker_stats(reset=reset))}
    return {"checker": stats} if stats else {}


def build_record(
    cfg: DictConfig, method: str, task: str, track: Track, policy: Policy, base: dict, measured: Measurement
) -> dict[str, Any]:
    """The record of one run: `base` is the evaluation of π0 on the new task and the priors, `measured` that of π
    against π0 (`razorbench.runner.measure`)."""
    final_new, final_priors, kl = measured.new_task, measured.priors, measured.divergences
    prior = {
        name: {
            "base": base["priors"][name]["score"],
            "final": final_priors[name]["score"],
            "n": len(final_priors[name]["per_example"]),
            **left_out(base["priors"][name], final_priors[name]),
        }
        for name in final_priors
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": cfg.run_id,
        "track": track.name,
        "task": task,
        "method": method,
        "base_model": {
            # The track's name for its own model; any other model is named by its path or hub id.
            "name": track.model_name if cfg.model is None and track.model_name else policy.name,
            "path": policy.name,
            "sha256": model_sha256(policy.name),
        },
        "config": OmegaConf.to_container(cfg, resolve=True),
        "metrics": {
            "new_task_accuracy": final_new["accuracy"],
            "base_new_task_accuracy": base["new_task"]["accuracy"],
            "prior_scores": prior,
            "forgetting_per_prior": measured.forgetting_per_prior,
            "forgetting": measured.forgetting,
            "forward_kl": kl["forward_kl"],
            "forward_kl_per_token": kl["forward_kl_per_token"],
            "reverse_kl": kl["reverse_kl"],
            "reverse_kl_per_token": kl["reverse_kl_per_token"],
            "total_variation_per_token": kl["total_variation_per_token"],
            # The sampled-token estimates trainers log, on the same base samples (razorbench.metrics.kl_estimators).
            **{key: kl[key] for name in ESTIMATORS for key in (name, f"{name}_per_token")},
            **measured.drift,
            "n_new_task_prompts": len(final_new["per_prompt"]),
            "n_kl_prompts": len(kl["per_prompt"]),
        },
        "metric_info": METRIC_INFO,
        "per_example": {
            "new_task": {"base": base["new_task"]["per_prompt"], "final": final_new["per_prompt"]},
            "priors": {
                n: {"base": base["priors"][n]["per_example"], "final": final_priors[n]["per_example"]}
                for n in final_priors
            },
            "forward_kl": kl["per_prompt"],
        },
        # Seconds spent scoring π on each prior, apart from the metrics (a timing is not a result): what sizes a
        # prior for an evaluation budget (docs/SMOL-PRIORS.md); `run` prints them under its wall line.
        "prior_seconds": {n: round(s["seconds"], 3) for n, s in final_priors.items() if "seconds" in s},
        "finished_at": datetime.now(UTC).isoformat(),
    }
