"""Prior task `mmlu` (paper track): knowledge across 57 subjects, scored by lm-eval.

MMLU (Hendrycks et al., 2020, arXiv 2009.03300): 14,042 four-way multiple-choice test questions in 57
subjects. lm-eval's stock `mmlu` group scores each subject by the log-likelihood of the answer letter
(zero-shot) and reports `acc` averaged over all questions (`weight_by_size`). Hub data: `cais/mmlu`; local
data: `mmlu/test/<subject>.jsonl` (+ `mmlu/dev/<subject>.jsonl`, the few-shot pool).

`limit` (razorbench's examples per benchmark) is spread over the subjects: ceil(limit / 57) questions of
each, so a small limit still samples every subject.

Changelog: v1, first version.
"""

import math
from pathlib import Path
from typing import Any

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LOCAL_SUFFIX, LMEvalTask

SUBJECTS = (
    "abstract_algebra anatomy astronomy business_ethics clinical_knowledge college_biology college_chemistry "
    "college_computer_science college_mathematics college_medicine college_physics computer_security "
    "conceptual_physics econometrics electrical_engineering elementary_mathematics formal_logic global_facts "
    "high_school_biology high_school_chemistry high_school_computer_science high_school_european_history "
    "high_school_geography high_school_government_and_politics high_school_macroeconomics "
    "high_school_mathematics high_school_microeconomics high_school_physics high_school_psychology "
    "high_school_statistics high_school_us_history high_school_world_history human_aging human_sexuality "
    "international_law jurisprudence logical_fallacies machine_learning management marketing medical_genetics "
    "miscellaneous moral_disputes moral_scenarios nutrition philosophy prehistory professional_accounting "
    "professional_law professional_medicine professional_psychology public_relations security_studies "
    "sociology us_foreign_policy virology world_religions"
).split()


@register_task("mmlu", track="paper")
class MMLU(LMEvalTask):
    """MMLU, 57 subjects, zero-shot; lm-eval `mmlu`, metric `acc` over all questions."""

    version = 1
    lm_eval_task = "mmlu"
    metric = "acc"
    chance = 0.25  # four options

    def task_yamls(self, data_dir: Path | None) -> tuple[str, dict[str, dict[str, Any] | str]]:
        if data_dir is None:
            return self.lm_eval_task, {}
        yamls: dict[str, dict[str, Any] | str] = {}
        for subject in SUBJECTS:
            name = f"mmlu_{subject}{LOCAL_SUFFIX}"
            files = {"test": f"mmlu/test/{subject}.jsonl", "dev": f"mmlu/dev/{subject}.jsonl"}
            yamls[f"{name}.yaml"] = self.local_yaml(name, f"mmlu/default/mmlu_{subject}.yaml", files, data_dir)
        group = "mmlu" + LOCAL_SUFFIX
        # One flat group in place of the stock mmlu -> 4 categories -> 57 subjects: same questions, same mean.
        yamls[f"{group}.yaml"] = {
            "group": group,
            "task": [f"mmlu_{s}{LOCAL_SUFFIX}" for s in SUBJECTS],
            "aggregate_metric_list": [{"metric": "acc", "weight_by_size": True}],
            "metadata": {"version": 2},
        }
        return group, yamls

    def lm_eval_limit(self, limit: int | None) -> int | None:
        return None if limit is None else math.ceil(limit / len(SUBJECTS))

    def doc_key(self, task_name: str, doc_id: int) -> str:
        return f"{task_name.removeprefix('mmlu_')}/{doc_id}"
