"""Prior task `fashion-mnist` (toy track): the class of a Fashion-MNIST image.

The prior capability of RL's Razor's toy experiment (arXiv 2509.04259): the base MLP (`razorbench.tasks.toy.policy`) is
pretrained jointly on it and on MNIST parity; how much of it survives fine-tuning on `parity-mnist` is the
forgetting. Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017, arXiv 1708.07747): 28×28 greyscale images of 10 classes
of clothing (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle
boot). Exactly one label is correct; the score is greedy (argmax) accuracy, chance 0.1.

Data and splits: `razorbench.tasks.toy.data` (the test set from `task.data_dir` IDX files or the hub, split by a hash
of each image id): `pretrain` (~11%, the base model's) and `eval` (~22%); about 1,000 eval images on the shared
4,443-image copy.

Changelog: v1, first version.
"""

from __future__ import annotations

from razorbench.api.registry import register_task
from razorbench.api.task import Example, Task


def check(response: str, answer: str) -> bool:
    """True iff `response`, stripped of surrounding whitespace, is the class label `answer`.

    >>> check(" 9\\n", "9"), check("Ankle boot", "9"), check("8", "9")
    (True, False, False)
    """
    return response.strip() == answer


@register_task("fashion-mnist", track="toy")
class FashionMNIST(Task):
    """Classify a Fashion-MNIST image (10 classes); a prior capability whose retention is measured.

    Splits: `pretrain` and `eval`, disjoint.
    """

    kind = "prior"
    chance = 0.1
    version = 1
    SPLITS = ("eval", "pretrain")

    def _examples(self, split: str) -> list[Example]:
        # numpy only when data is read: `razorbench list` imports every task module
        from razorbench.tasks.toy.data import FASHION_CLASSES, load_toy_data

        data = load_toy_data(self.config.data_dir)
        return [
            Example(data.ids[r], data.ids[r], str(data.labels[r]), {"class": FASHION_CLASSES[data.labels[r]]})
            for r in data.rows("fashion", split)
        ]

    def check(self, response: str, example: Example) -> bool:
        return check(response, example.answer)
