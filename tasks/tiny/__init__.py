"""The tiny track (the default; CPU; offline; minutes): razorbench's own tiny causal LM, shipped in `assets/tiny-lm`
with its sha256 and pretrained by `pretrain.py` on the priors, and synthetic new tasks with many correct responses
(`science`, `math`, `tool`). The track where methods are developed and CI runs everything end to end. Its
experiments (the reproduction, the diagnosis curves, the lifelong sequences) live apart, in the repository's
`experiments/tiny/`."""

from pathlib import Path

from razorbench.api.registry import register_track
from razorbench.api.track import Track

MODEL_DIR = Path(__file__).resolve().parent / "assets" / "tiny-lm"

TRACK = register_track(
    Track(
        name="tiny",
        description="razorbench's tiny causal LM on synthetic tasks (CPU, offline, minutes)",
        model=str(MODEL_DIR),
        model_name="razorbench-tiny-lm",
        embedded=True,
        tasks=tuple(
            f"{__name__}.{task}"
            for task in ("arithmetic", "reverse", "elements", "capitals", "science", "math", "tool")
        ),
        pretrain=f"{__name__}.pretrain_command:main",
        reproduce="experiments.tiny.reproduce:main",  # the repository's experiments/, run from its root
    )
)
