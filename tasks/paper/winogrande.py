"""Prior task `winogrande` (paper track): pronoun resolution, scored by lm-eval.

WinoGrande (Sakaguchi et al., 2019, arXiv 1907.10641): fill the blank of a sentence with one of two options.
lm-eval's stock `winogrande` task (winogrande_xl, validation, 1,267 problems) scores the continuation after
the blank under each option by log-likelihood; the score is `acc`. Hub data: `allenai/winogrande`; local
data: `winogrande/validation.jsonl`.

Changelog: v1, first version.
"""

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LMEvalTask


@register_task("winogrande", track="paper")
class WinoGrande(LMEvalTask):
    """WinoGrande (xl) validation, 2-way fill-in-the-blank; lm-eval `winogrande`, metric `acc`."""

    version = 1
    lm_eval_task = "winogrande"
    metric = "acc"
    chance = 0.5  # two options
    stock_yaml = "winogrande/default.yaml"
    local_files = {"validation": "winogrande/validation.jsonl"}
    local_overrides = {"training_split": None}  # no train file in the local copy
