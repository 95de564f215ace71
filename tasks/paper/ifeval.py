"""Prior task `ifeval` (paper track): verifiable instruction following, scored by lm-eval.

IFEval (Zhou et al., 2023, arXiv 2311.07911): 541 prompts carrying 25 kinds of checkable instructions
("answer in fewer than 300 words", "wrap the answer in JSON"). The model generates greedily; lm-eval's stock
`ifeval` task checks every instruction. The score is `prompt_level_strict_acc`, the fraction of prompts
whose instructions are all followed, checked strictly. Hub data: `google/IFEval`; local data:
`ifeval/train.jsonl`. The sentence-counting checks need NLTK's `punkt_tab`: with `data_dir` set it is read
from `data_dir/nltk_data` (never downloaded); without, lm-eval downloads it.

Changelog: v1, first version.
"""

from pathlib import Path

from razorbench.api.registry import register_task
from razorbench.tasks.paper.lmeval import LMEvalTask, use_local_nltk_data


@register_task("ifeval", track="paper")
class IFEval(LMEvalTask):
    """IFEval, 541 prompts with verifiable instructions; lm-eval `ifeval`, metric `prompt_level_strict_acc`."""

    version = 1
    lm_eval_task = "ifeval"
    metric = "prompt_level_strict_acc"
    stock_yaml = "ifeval/ifeval.yaml"
    local_files = {"train": "ifeval/train.jsonl"}

    def prepare(self, data_dir: Path | None) -> None:
        if data_dir is not None and (data_dir / "nltk_data").is_dir():
            use_local_nltk_data(data_dir / "nltk_data")
