"""The `task:` section of a paper-track run, shared by every paper task (new tasks and lm-eval priors alike) and
by the smol track's tasks, which score the same priors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from razorbench.api.task import TaskConfig


@dataclass
class PaperTaskConfig(TaskConfig):
    """The `task:` section of a paper-track run: the common keys plus how the prior suite is scored."""

    prior_chat_template: bool = True
    """Score priors through the policy's chat template (lm-eval `apply_chat_template`): an instruct model
    is scored the way it is used, and as the new task trains it."""
    prior_max_gen_toks: int | None = None
    """Cap on generated tokens for the generative priors (IFEval, HumanEval); None keeps lm-eval's (1280, 1024)."""


def config_value(config: Any, key: str, default: Any) -> Any:
    """`config.key`, or `default` where the config lacks the key or leaves it None: a prior is built with the new
    task's config (a `PaperTaskConfig`) or with none (a plain `TaskConfig`)."""
    value = getattr(config, key, None)
    return default if value is None else value
