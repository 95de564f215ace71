"""The toy track: RL's Razor's controlled experiment, ParityMNIST -> FashionMNIST with a small MLP policy
(`policy.py`, shipped in `assets/toy-mlp`), where the KL-minimal oracle distribution is exact. Its experiment (the
reproduction) lives apart, in the repository's `experiments/toy/`."""

from pathlib import Path

from razorbench.api.registry import register_track
from razorbench.api.track import Track

MODEL_DIR = Path(__file__).resolve().parent / "assets" / "toy-mlp"

TRACK = register_track(
    Track(
        name="toy",
        description="ParityMNIST -> FashionMNIST with an MLP policy, the paper's toy experiment (CPU, seconds)",
        model=str(MODEL_DIR),
        model_name="razorbench-toy-mlp",
        embedded=True,
        tasks=(f"{__name__}.parity_mnist", f"{__name__}.fashion_mnist"),
        policy_loader=f"{__name__}.policy:ToyPolicy.load",
        pretrain=f"{__name__}.pretrain_command:main",
        reproduce="experiments.toy.reproduce:main",  # the repository's experiments/, run from its root
    )
)
