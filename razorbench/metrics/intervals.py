"""Intervals for a run record's headline numbers, computed from the per-example results it keeps.

`record_intervals(record)` gives, for each number, its standard error, a 95% interval and n (see
`razorbench.metrics.stats` for how each interval is made):

- new-task accuracy (base, final) and its gain final − base: the unit is the prompt, so the per-prompt means
  are what is resampled. Treating every sampled response as independent would understate the SE, since the
  responses to one prompt share its difficulty;
- each prior's score (base, final): a mean of 0/1 items, Wilson;
- each prior's forgetting base − final: paired over examples, with a paired test of "no change" (McNemar's,
  with the right→wrong / wrong→right counts, for 0/1 items), its p-values Holm-corrected across priors;
- the mean forgetting over priors: a stratified bootstrap (each prior's examples resampled on their own);
- forward KL: per-prompt sequence KLs, bootstrapped over prompts.

Each quantity draws from its own seeded stream, keyed by its name, so adding a prior does not move the
others' intervals.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from razorbench.metrics.stats import (
    chance_adjusted,
    chance_adjusted_forgetting,
    holm,
    mean_estimate,
    mean_of_paired_differences,
    paired_difference,
    paired_test,
    transitions,
)


def stream(seed: int, name: str) -> list[int]:
    """A seed for the quantity `name`: stable across runs and Python versions (unlike `hash`)."""
    return [seed, zlib.crc32(name.encode())]


def align(a: Mapping[str, float], b: Mapping[str, float], *, what: str, strict: bool) -> tuple[np.ndarray, ...]:
    """Two id-keyed score dicts as aligned arrays. `strict` refuses different id sets; otherwise the ids in
    both are kept (sorted) and an empty overlap is refused."""
    if strict and set(a) != set(b):
        missing = sorted(set(a) ^ set(b))
        raise ValueError(
            f"{what}: the two sides score different examples ({len(missing)} unpaired, e.g. {missing[0]!r})"
        )
    ids = sorted(set(a) & set(b))
    if not ids and (a or b):
        raise ValueError(f"{what}: no example ids in common")
    return np.array([a[i] for i in ids], dtype=np.float64), np.array([b[i] for i in ids], dtype=np.float64)


def per_example(record: Mapping[str, Any]) -> Mapping[str, Any]:
    if "per_example" not in record:
        raise ValueError(f"record {record.get('run_id')!r} keeps no per-example results (needed for intervals)")
    return record["per_example"]


def new_task_is_binary(record: Mapping[str, Any]) -> bool | None:
    """Whether the new task's per-prompt results are single 0/1 samples (one sample per prompt), from the
    record's config; None when the config does not say. Decided by design, not by looking at the values:
    per-prompt means of several samples can all be 0 or 1 by chance and are still not 0/1 items."""
    samples = record.get("config", {}).get("eval", {}).get("samples_per_prompt")
    return None if samples is None else samples == 1


def record_intervals(
    record: Mapping[str, Any],
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    chance: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """SE, interval and n of every headline number of `record` (a JSON-ready dict; undefined values are None).

    `chance` maps a multiple-choice prior to its chance level; those priors also get a chance-adjusted
    forgetting, and the mean over priors is repeated on that scale (priors without a level count as c = 0).
    """
    data = per_example(record)
    chance = dict(chance or {})
    kw = {"confidence": confidence, "n_boot": n_boot}
    out: dict[str, Any] = {"confidence": confidence, "n_boot": n_boot, "seed": seed}

    base, final = align(data["new_task"]["base"], data["new_task"]["final"], what="new task", strict=True)
    binary = new_task_is_binary(record)
    out["new_task_accuracy"] = {
        "base": mean_estimate(base, seed=stream(seed, "new_task.base"), binary=binary, **kw).to_dict(),
        "final": mean_estimate(final, seed=stream(seed, "new_task.final"), binary=binary, **kw).to_dict(),
        "gain": paired_difference(final, base, seed=stream(seed, "new_task.gain"), **kw).to_dict(),
    }

    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out["prior_scores"], out["forgetting_per_prior"] = {}, {}
    for name, sides in data["priors"].items():
        base, final = align(sides["base"], sides["final"], what=f"prior {name}", strict=True)
        pairs[name] = (base, final)
        out["prior_scores"][name] = {
            side: mean_estimate(v, seed=stream(seed, f"{name}.{side}"), **kw).to_dict()
            for side, v in (("base", base), ("final", final))
        }
        forgetting = paired_difference(base, final, seed=stream(seed, f"{name}.forgetting"), **kw)
        test = paired_test(base, final, seed=stream(seed, f"{name}.test"))
        entry = {**forgetting.to_dict(), "test": test.method, "statistic": test.statistic, "p_value": test.p_value}
        if test.method.startswith("mcnemar"):  # 0/1 items: which way they flipped
            entry["transitions"] = transitions(base, final)
        if name in chance:
            entry["chance"] = chance[name]
            entry["chance_adjusted"] = chance_adjusted_forgetting(forgetting, chance[name]).to_dict()
        out["forgetting_per_prior"][name] = entry
    for name, p in holm({n: e["p_value"] for n, e in out["forgetting_per_prior"].items()}).items():
        out["forgetting_per_prior"][name]["p_holm"] = p

    if pairs:
        out["forgetting"] = mean_of_paired_differences(
            list(pairs.values()), seed=stream(seed, "forgetting"), **kw
        ).to_dict()
        if chance:
            adjusted = [
                (chance_adjusted(b, chance.get(n, 0.0)), chance_adjusted(f, chance.get(n, 0.0)))
                for n, (b, f) in pairs.items()
            ]
            out["forgetting_chance_adjusted"] = mean_of_paired_differences(
                adjusted, seed=stream(seed, "forgetting"), **kw
            ).to_dict()

    kl = np.array(list(data["forward_kl"].values()), dtype=np.float64)
    if kl.size:
        out["forward_kl"] = mean_estimate(kl, seed=stream(seed, "forward_kl"), binary=False, **kw).to_dict()
    return out
