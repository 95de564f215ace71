"""The forms a forgetting law takes, as least-squares designs: "linear", y = a + b·x (coefficients [a, b]), and
"quadratic0", y = a·x + b·x², the paper's quadratic through the origin (coefficients [a, b]).

Both sides of a law use them: `razorbench.analysis.fit` fits one over runs, and the monitor
(`razorbench.monitor.forecast`) evaluates one at a new forward KL, so they sit below both."""

from __future__ import annotations

from typing import Any

import numpy as np

FORMS = ("linear", "quadratic0")


def design_matrix(x: Any, form: str) -> np.ndarray:
    """The least-squares design of `form` at the points x: (n, 2) float64."""
    x = np.asarray(x, dtype=np.float64)
    if form == "linear":
        return np.stack([np.ones_like(x), x], axis=1)
    if form == "quadratic0":
        return np.stack([x, x * x], axis=1)
    raise ValueError(f"unknown fit form {form!r}; valid: {', '.join(FORMS)}")
