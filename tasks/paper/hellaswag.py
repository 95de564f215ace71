"""Prior task `hellaswag` (paper track): commonsense sentence completion, scored by lm-eval.

HellaSwag (Zellers et al., 2019, arXiv 1905.07830): pick the most plausible of four endings for an
ActivityNet or WikiHow context. lm-eval's stock `hellaswag` task scores it by log-likelihood; the score is
`acc_norm` (accuracy with each ending's log-likelihood divided by its length in bytes), the figure usually
reported. Hub data: `Rowan/hellaswag` validation (10,042); local data: `hellaswag/validation.head.jsonl`
(its first 2,000 records, see SOURCES-priors.md).

Changelog: v1, first version.
"""

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LMEvalTask


@register_task("hellaswag", track="paper")
class HellaSwag(LMEvalTask):
    """HellaSwag validation, 4-way commonsense completion; lm-eval `hellaswag`, metric `acc_norm`."""

    version = 1
    lm_eval_task = "hellaswag"
    metric = "acc_norm"
    chance = 0.25  # four endings
    stock_yaml = "hellaswag/hellaswag.yaml"
    local_files = {"validation": "hellaswag/validation.head.jsonl"}
    local_overrides = {"training_split": None}  # no train file in the local copy
