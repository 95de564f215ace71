"""The paper track (GPU): Qwen2.5-3B-Instruct, RL's Razor's new tasks (SciKnowEval chemistry L3 `science`,
Open-Reasoner-Zero `math`, ToolAlpaca `tool`) and its prior suite scored by lm-eval (`lmeval.py`), HumanEval's
code run in `sandbox.py`. Data from the hub by default, or from a local `--data-dir`."""

from razorbench.api.registry import register_track
from razorbench.api.track import Track

TRACK = register_track(
    Track(
        name="paper",
        description="Qwen2.5-3B-Instruct on RL's Razor's tasks and priors (GPU; data from the hub or --data-dir)",
        model="Qwen/Qwen2.5-3B-Instruct",
        tasks=tuple(
            f"{__name__}.{task}"
            for task in ("science", "math", "tool", "hellaswag", "truthfulqa_mc2", "mmlu", "ifeval", "winogrande")
            + ("humaneval",)
        ),
    )
)
