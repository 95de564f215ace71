"""Fine-tune with TRL's SFTTrainer, then measure what it did with `razorbench eval`: a model trained elsewhere,
evaluated against its base into a normal razorbench record (new-task accuracy, priors, forgetting, forward KL and
its sampled-token estimates), and a trajectory over TRL's saved checkpoints.

The tiny track's model (shipped in the package) is fine-tuned on the `science` task's reference answers, as
conversations, so TRL applies the model's own chat template. TRL is in the `bench` extra:

    pip install -e ".[bench]"
    python examples/trl_sft_then_eval.py --out /tmp/trl-sft [--steps 40]

then, by hand, the same as the script's last step:

    razorbench eval --model /tmp/trl-sft/checkpoint-20 /tmp/trl-sft/checkpoint-40 --task science \\
        --output-dir /tmp/trl-sft/eval
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="trl-sft", help="TRL's output folder (checkpoints) and the eval records")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--eval", nargs="*", default=[], metavar="key=value", help="razorbench eval overrides")
    args = parser.parse_args()

    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from razorbench.api.registry import get_task, get_track

    track = get_track("tiny")
    task = get_task("science", "tiny")(get_task("science", "tiny").Config())
    rows = [
        {"messages": [{"role": "user", "content": e.prompt}, {"role": "assistant", "content": e.answer}]}
        for e in task.examples("train")
    ]
    model = AutoModelForCausalLM.from_pretrained(track.model)
    tokenizer = AutoTokenizer.from_pretrained(track.model)
    config = SFTConfig(
        output_dir=args.out,
        max_steps=args.steps,
        learning_rate=args.lr,
        lr_scheduler_type="constant",
        per_device_train_batch_size=16,
        save_steps=max(1, args.steps // 2),
        save_only_model=True,  # the weights and tokenizer: what `razorbench eval` reads
        logging_steps=10,
        report_to="none",
        use_cpu=True,
        seed=0,
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tokenizer)
    trainer.train()

    checkpoints = sorted(Path(args.out).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    command = [sys.executable, "-m", "razorbench.cli", "eval", "--model", *map(str, checkpoints), "--task", "science"]
    command += ["--output-dir", str(Path(args.out) / "eval"), "--force", *args.eval]
    print("$", " ".join(command[2:]).replace("razorbench.cli", "razorbench"), flush=True)
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
