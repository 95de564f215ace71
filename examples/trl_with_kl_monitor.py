"""TRL's SFTTrainer or GRPOTrainer on the tiny model with razorbench's forward-KL monitor as a callback: the exact
E_x KL(π0 ‖ π) on held-out science prompts every `--every` steps, with the forgetting the tiny track's law forecasts
from it, logged into the trainer's log history (and its loggers). TRL is in the `bench` extra:

    pip install -e ".[bench]"
    python examples/trl_with_kl_monitor.py --trainer sft --steps 20 --out /tmp/trl-monitor
    python examples/trl_with_kl_monitor.py --trainer grpo --steps 10 --out /tmp/trl-monitor --kl-budget 2 --action stop

With GRPO the check at step 1 is often 0 (-7e-9 nats/sequence measured, seed 0). Not a step-counting slip: TRL's
`global_step` 1 is after the first optimizer update. The tiny model starts out answering none of the first prompts
right, so every group's rewards are equal (TRL logs reward 0, frac_reward_zero_std 1, grad_norm 0 at step 1); the
advantages (r − mean)/std are then 0, so are the gradient and Adam's first update, and the weights stay at θ0
(|θ − θ0| = 0 at step 1, 0.055 at step 2, where one group's rewards differed). A later step with a zero gradient still
moves the weights (Adam's momentum): step 3 here, |θ − θ0| 0.089.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainer", choices=["sft", "grpo"], default="sft")
    parser.add_argument("--out", default="trl-monitor")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--kl-budget", type=float, default=None, help="nats/sequence")
    parser.add_argument("--action", choices=["warn", "stop"], default="warn")
    args = parser.parse_args()

    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from razorbench.api.registry import get_task, get_track
    from razorbench.monitor.forecast import shipped_law
    from razorbench.monitor.transformers import ForwardKLTrainerCallback

    path = get_track("tiny").model
    task = get_task("science", "tiny")(get_task("science", "tiny").Config())
    model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    monitor = ForwardKLTrainerCallback(
        [e.prompt for e in task.examples("eval")[:100]],  # held out from training
        tokenizer,
        every=args.every,
        law=shipped_law("tiny", "science"),
        kl_budget=args.kl_budget,
        action=args.action,
    )
    common = dict(output_dir=args.out, max_steps=args.steps, report_to="none", use_cpu=True, seed=0, logging_steps=5)
    train = task.examples("train")
    if args.trainer == "sft":
        from trl import SFTConfig, SFTTrainer

        rows = [{"messages": [{"role": "user", "content": e.prompt}, {"role": "assistant", "content": e.answer}]}
                for e in train]  # fmt: skip
        config = SFTConfig(learning_rate=3e-4, per_device_train_batch_size=16, save_strategy="no", **common)
        data = Dataset.from_list(rows)
        trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)
        trainer.add_callback(monitor)
    else:
        from trl import GRPOConfig, GRPOTrainer

        by_prompt = {e.prompt: e for e in train}

        def reward(prompts, completions, **kwargs):  # the task's own checker: 1 for a correct answer
            asked = [p[-1]["content"] for p in prompts]
            texts = [c[-1]["content"] for c in completions]
            return [float(v) for v in task.check_all(texts, [by_prompt[p] for p in asked])]

        rows = [{"prompt": [{"role": "user", "content": e.prompt}]} for e in train]
        config = GRPOConfig(learning_rate=1e-4, per_device_train_batch_size=8, num_generations=4,
                            max_completion_length=24, save_strategy="no", **common)  # fmt: skip
        trainer = GRPOTrainer(model=model, args=config, reward_funcs=reward, train_dataset=Dataset.from_list(rows),
                              processing_class=tokenizer, callbacks=[monitor])  # fmt: skip
    monitor.attach(trainer)
    trainer.train()
    for c in monitor.monitor.checks:
        print(f"step {c['step']:4d}  forward KL {c['forward_kl']:.4f} nats/seq  forecast forgetting "
              f"{c['forgetting']:.3f} [{c['forgetting_low']:.3f}, {c['forgetting_high']:.3f}]")  # fmt: skip
    if monitor.monitor.crossing:
        print("budget:", monitor.monitor.crossing)


if __name__ == "__main__":
    main()
