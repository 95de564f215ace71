"""New task `parity-mnist` (toy track): answer any label of the digit's parity.

RL's Razor's controlled experiment (Shenfeld, Pari, Agrawal; arXiv 2509.04259, "ParityMNIST"): the policy is a
small MLP classifier (`razorbench.tasks.toy.policy`), a prompt is an MNIST test image (by id, ``mnist-00042``) and a
response is one of the 10 labels. A label is correct when its parity is the digit's: for a 7, any of 1, 3, 5, 7, 9. Five
responses out of ten are correct for every image, so a method can solve the task with the labels the base policy
already favours (its pretraining spread the mass of each image over the labels of the right parity) or by
collapsing onto one. The reference answer, the SFT target, is one fixed label per parity class: 0 for an even
digit, 1 for an odd one. The oracle of the paper, π*(y|x) ∝ π0(y|x)·1[y correct], is exact here
(`ToyPolicy.oracle_distribution`).

Data and splits: `razorbench.tasks.toy.data` (MNIST's test set from `task.data_dir` IDX files or the hub, split by a
hash of each image id): `pretrain` (~5%, the base model's), `eval` (~10%) and `train` (the rest), disjoint.

Changelog: v1, first version.
"""

from __future__ import annotations

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task

SFT_LABELS = {0: "0", 1: "1"}  # digit parity -> the one reference label


def check(response: str, digit: int) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is one label 0-9 of the digit's parity.

    >>> check(" 3\\n", 7), check("8", 7), check("0", 4)
    (True, False, True)
    >>> check("7 or 9", 7)  # one label, nothing else
    False
    """
    text = response.strip()
    return len(text) == 1 and text.isdigit() and int(text) % 2 == digit % 2


@register_task("parity-mnist", track="toy")
class ParityMNIST(Task):
    """Name a label of an MNIST digit's parity; five of ten labels are correct.

    Splits: `train`, `eval` (reference = 0 for an even digit, 1 for an odd one) and `pretrain`, disjoint.
    """

    kind = "new"
    version = 1
    SPLITS = ("train", "eval", "pretrain")

    def _examples(self, split: str) -> list[Example]:
        # numpy only when data is read: `razorbench list` imports every task module
        from razorbench.tasks.toy.data import load_toy_data

        data = load_toy_data(self.config.data_dir)
        return [
            Example(data.ids[r], data.ids[r], SFT_LABELS[int(data.labels[r]) % 2], {"digit": int(data.labels[r])})
            for r in data.rows("mnist", split)
        ]

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.meta["digit"])
