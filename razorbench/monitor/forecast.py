"""The forgetting a forward KL implies, with its 95% prediction interval, from a law fitted by `razorbench analyze`.

A law is one least-squares fit of forgetting against the forward KL (nats/sequence) over runs: its form
(`razorbench.metrics.fit_forms`: "quadratic0", y = a·x + b·x², or "linear"), coefficients, the number of runs n, the
residual variance s² and the unscaled covariance (XᵀX)⁻¹. At a new KL x0, with design row d(x0):

    ŷ = d(x0)·coefs,   ŷ ± t(0.975, n − 2) · s · sqrt(1 + d(x0)ᵀ (XᵀX)⁻¹ d(x0))

the textbook prediction interval for a new run's forgetting, under the fit's assumptions (independent runs, constant
residual variance: the tiny track's residuals grow with the KL, so its interval is too narrow at large KL and too wide
near 0). A law comes from an `analysis.json` (`razorbench analyze`'s summary; its group for the run's track/task) or
from a law file shipped with razorbench (`laws/<track>.json`, written by `python -m experiments.tiny.ship_law`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from razorbench.metrics.fit_forms import FORMS, design_matrix
from razorbench.util.errors import ConfigError

PREDICTOR = "forward_kl"  # the monitor measures the forward KL per sequence: the law must be fitted on the same
LAWS_PACKAGE = "razorbench.monitor.laws"


@dataclass(frozen=True)
class Law:
    form: str
    coefs: list[float]
    n: int
    residual_variance: float
    unscaled_covariance: list[list[float]]
    source: str = ""

    @classmethod
    def from_fit(cls, fit: dict[str, Any], form: str, source: str = "") -> Law:
        """From one entry of analysis.json's `fits.forward_kl[form]`; a clear error when it lacks the interval's terms
        (an analysis.json written before razorbench stored them: rerun `razorbench analyze`)."""
        if form not in FORMS:
            raise ConfigError(f"unknown law form {form!r}; valid: {', '.join(FORMS)}")
        missing = [k for k in ("coefs", "n", "residual_variance", "unscaled_covariance") if fit.get(k) is None]
        if missing:
            raise ConfigError(
                f"the law in {source or 'the summary'} lacks {', '.join(missing)}: rerun `razorbench analyze` on its "
                "runs to write a summary with the prediction-interval terms"
            )
        return cls(
            form,
            list(fit["coefs"]),
            int(fit["n"]),
            float(fit["residual_variance"]),
            [list(r) for r in fit["unscaled_covariance"]],
            source,
        )

    def predict(self, kl: float) -> dict[str, float]:
        """{"forgetting", "forgetting_low", "forgetting_high"}: the forecast at forward KL `kl` and its 95%
        prediction interval."""
        from scipy.stats import t as student_t

        d = design_matrix([kl], self.form)[0]
        value = float(d @ np.asarray(self.coefs))
        leverage = float(d @ np.asarray(self.unscaled_covariance) @ d)
        half = float(student_t.ppf(0.975, self.n - len(self.coefs))) * math.sqrt(
            self.residual_variance * (1 + leverage)
        )
        return {"forgetting": value, "forgetting_low": value - half, "forgetting_high": value + half}

    def to_dict(self) -> dict[str, Any]:
        return {"predictor": PREDICTOR, **self.__dict__}


def law_from_summary(path: str | Path, group: str, form: str = "quadratic0") -> Law:
    """The forward-KL law of `group` ("track/task") in an analysis.json (or a shipped law file, the same layout)."""
    path = Path(path)
    if path.is_dir():
        path = path / "analysis.json"
    if not path.is_file():
        raise ConfigError(f"monitor.law={str(path)!r} is not a file; valid: an analysis.json, 'auto' or null")
    summary = json.loads(path.read_text())
    if group not in summary:
        raise ConfigError(f"{str(path)!r} has no law for {group!r}; valid: {', '.join(sorted(summary)) or 'none'}")
    fit = summary[group].get("fits", {}).get(PREDICTOR)
    if not fit:
        raise ConfigError(f"{str(path)!r} has no {PREDICTOR} fit for {group!r} (fewer than 3 runs)")
    return Law.from_fit(fit[form], form, source=f"{path}:{group}")


def shipped_law(track: str, task: str, form: str = "quadratic0") -> Law | None:
    """The law shipped for `track`/`task`, None when razorbench ships none for it."""
    resource = files(LAWS_PACKAGE) / f"{track}.json"
    if not resource.is_file():
        return None
    summary = json.loads(resource.read_text())
    fit = summary.get(f"{track}/{task}", {}).get("fits", {}).get(PREDICTOR)
    return Law.from_fit(fit[form], form, source=f"razorbench/monitor/laws/{track}.json:{track}/{task}") if fit else None


def resolve_law(spec: str | None, track: str, task: str) -> Law | None:
    """`monitor.law`: None/"none" (no forecast), "auto" (the shipped law for the run's track/task, if any), or the
    path of an analysis.json."""
    if spec is None or spec == "none":
        return None
    if spec == "auto":
        return shipped_law(track, task)
    return law_from_summary(spec, f"{track}/{task}")
