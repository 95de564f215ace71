"""Which tasks and priors are viable on the smol track: the measurement that docs/SMOL-VIABILITY.md pre-registers.

    python -m experiments.smol.viability base --data-dir ../shared/data       # every candidate's base
    python -m experiments.smol.viability pilots --data-dir ../shared/data     # sft and rl pilots
    python -m experiments.smol.viability precision --data-dir ../shared/data  # rule P3
    python -m experiments.smol.viability sized --data-dir ../shared/data      # part 1d's sizing
    python -m experiments.smol.viability resized --data-dir ../shared/data    # part 1g's, once
    python -m experiments.smol.viability_report                               # part 2 of the doc

Each step keeps compact records in experiments/smol/viability/records/<step>/ (one JSON per candidate, pilot or
check: the per-prompt and per-document values an interval is computed from) and skips what is already recorded, so
an interrupted step resumes and `viability_report` regenerates part 2 of the doc from the records alone.

It measures through the runner's one path, in this process: a policy's scores by
`razorbench.runner.measure.score_policy` (the scoring step of `measure_against_base`), a pilot by
`razorbench.runner.run.train_and_evaluate` (what `razorbench run` calls).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .viability_rules import (
    NEW_TASKS,
    PILOTS,
    PRIORS,
    RECORDS,
    RESIZE_CAP,
    SEED,
    SIZE_CAP,
    base_verdict,
    interval,
    paired,
    pilot_name,
    prior_chance,
    size_for,
)

PAPER_CAP, ARITH_CAP = 128, 32
PILOT_ORDER = (("sft", 1e-4), ("rl", 3e-5), ("sft", 3e-5), ("rl", 1e-5))  # see DEVIATIONS
# Evaluation sizes of the base measurement, cut for this CPU before any of their results was seen (DEVIATIONS):
# arith2 was measured at the track's 200 x 2; the rest at these.
REDUCED = {
    "arith": ["eval.new_task_prompts=100"],
    "paper": ["eval.new_task_prompts=50"],
    "prior": ["eval.prior_limit=100"],
}


def _config(task: str, data_dir: Path, extra: list[str]) -> Any:
    from razorbench.runner.run import resolve

    cap = ARITH_CAP if task.startswith("arith") else PAPER_CAP
    if task == "arith2":
        size: list[str] = []
    elif task in NEW_TASKS:
        size = REDUCED["arith" if task.startswith("arith") else "paper"]
    else:
        size = REDUCED["prior"]
    overrides = [f"task.data_dir={data_dir}", f"sampling.max_new_tokens={cap}", "task.priors=[]", *size, *extra]
    return resolve("sft", task if task in NEW_TASKS else "arith2", "smol", None, overrides)[2]


def prior_per_item(policy: Any, sampler: Any, prior: Any, settings: Any) -> dict[str, float]:
    """One prior's per-document scores of `policy`, by the runner's scoring step (`score_policy`)."""
    from razorbench.runner.measure import score_policy

    return score_policy(policy, sampler, None, [prior], settings)[1][prior.name]["per_example"]


def measure_base(data_dir: Path, only: list[str]) -> None:
    """Each candidate's base score with the track's settings, one record per candidate."""
    import torch

    from razorbench.api.registry import get_task, get_track
    from razorbench.runner.evaluate import EvalSettings
    from razorbench.runner.measure import score_policy
    from razorbench.sampling import build_sampler

    (RECORDS / "base").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    policy = get_track("smol").load_policy("smollm2")
    sampler = build_sampler("hf", policy)
    for name in only or (*NEW_TASKS, *PRIORS):
        out = RECORDS / "base" / f"{name}.json"
        if out.exists():
            continue
        cfg = _config(name, data_dir, [])
        settings = EvalSettings.from_config(cfg)
        task = get_task(name, "smol")(cfg.task)
        start = time.time()
        if task.kind == "new":
            new_task, _ = score_policy(policy, sampler, task, [], settings)
            per_item = new_task["per_prompt"]
            chance = getattr(task, "chance", None) or (0.25 if name == "science" else 0.0)
        else:
            per_item = prior_per_item(policy, sampler, task, settings)
            chance = prior_chance(data_dir, name, len(per_item))
        values = list(per_item.values())
        mean, low, high = interval(values)
        record = {
            "name": name,
            "kind": task.kind,
            "n": len(values),
            "score": mean,
            "ci": [low, high],
            "chance": chance,
            "seconds": round(time.time() - start, 1),
            "settings": {
                "max_new_tokens": settings.max_new_tokens,
                "samples_per_prompt": settings.samples_per_prompt,
                "prior_limit": settings.prior_limit,
            },
            "per_item": {k: round(v, 4) for k, v in per_item.items()},
        }
        out.write_text(json.dumps(record) + "\n")
        print(
            f"{name}: {mean:.3f} [{low:.3f}, {high:.3f}] (chance {chance:.3f}, n={len(values)}, {record['seconds']} s)",
            flush=True,
        )


def first_viable_task() -> str:
    """The first new-task candidate, in the pre-registered order, whose base passes rule N1."""
    for name in NEW_TASKS:
        path = RECORDS / "base" / f"{name}.json"
        if path.exists() and base_verdict(json.loads(path.read_text()))[0]:
            return name
    raise SystemExit("no new-task candidate passes rule N1: measure the base first (step 'base')")


def precision_checkpoint(runs: Path) -> tuple[str, Path]:
    """(its task, its folder): the end of the sft pilot at the higher rate, the checkpoint rule P3 scores priors on
    (the pilots ran on the first task to pass N1 when they started: see the deviations)."""
    name = pilot_name("sft", max(PILOTS["sft"]["lrs"]))
    record = RECORDS / "pilots" / f"{name}.json"
    if not record.exists():
        raise SystemExit(f"rule P3 needs the sft pilot {name}: run step 'pilots' first")
    task = json.loads(record.read_text())["task"]
    return task, runs / f"pilot-{task}-{name}" / "model"


def run_pilots(data_dir: Path, runs: Path, only: list[str]) -> None:
    """The accuracy-only pilots of `sft` and `rl` on the first viable new task, one compact record each."""
    from razorbench.cli.console import disable_progress_bars

    disable_progress_bars()  # as `razorbench run --no-progress`, before the runner's libraries are imported
    from razorbench.runner.run import train_and_evaluate

    task = first_viable_task()
    (RECORDS / "pilots").mkdir(parents=True, exist_ok=True)
    for method, lr in PILOT_ORDER:
        grid = PILOTS[method]
        name = pilot_name(method, lr)
        out = RECORDS / "pilots" / f"{name}.json"
        if out.exists() or (only and name not in only):
            continue
        # Curve points and the final evaluation at 100 prompts x 2 samples (a run evaluates both alike).
        overrides = [
            f"output_dir={runs}",
            f"run_id=pilot-{task}-{name}",
            f"task.data_dir={data_dir}",
            "task.priors=[]",
            f"optim.lr={lr}",
            f"trainer.max_steps={grid['steps']}",
            f"data.batch_size={grid['batch']}",
            f"curve.every={grid['every']}",
            "eval.new_task_prompts=100",
            "eval.kl_prompts=50",
            "monitor.every=0",
            "seed=0",
            *grid["extra"],
            f"save_model={'true' if lr == max(grid['lrs']) else 'false'}",
        ]
        start = time.time()
        # `razorbench run --method M --task T --track smol --no-progress --output-dir ... --run-id ... --data-dir ...
        # OVERRIDES`, called in this process (the command's flags first, as it passes them on)
        record, _ = train_and_evaluate(method, task, track="smol", overrides=overrides, progress=False)
        metrics = record["metrics"]
        compact = {
            "task": task,
            "method": method,
            "lr": lr,
            "steps": grid["steps"],
            "batch": grid["batch"],
            "base_accuracy": metrics["base_new_task_accuracy"],
            "curve": [[p["step"], p["new_task_accuracy"]] for p in record.get("curve") or []],
            "final": [grid["steps"], metrics["new_task_accuracy"]],
            "forward_kl": metrics["forward_kl"],
            "seconds": round(time.time() - start, 1),
            "timings": record["provenance"]["timings"],
        }
        out.write_text(json.dumps(compact) + "\n")
        gain = max(a for _, a in [*compact["curve"], compact["final"]]) - compact["base_accuracy"]
        print(
            f"pilot {name} on {task}: base {compact['base_accuracy']:.3f}, best gain {gain:+.3f}, "
            f"{compact['seconds']} s",
            flush=True,
        )


def passing_priors() -> list[str]:
    """The prior candidates whose base passes rule P1 (P2 holds for every candidate: none asks for arithmetic)."""
    names = []
    for name in PRIORS:
        path = RECORDS / "base" / f"{name}.json"
        if path.exists() and base_verdict(json.loads(path.read_text()))[0]:
            names.append(name)
    return names


def measure_precision(data_dir: Path, runs: Path) -> None:
    """Rule P3: the paired standard error of each prior's forgetting between the base and the sft pilot's end
    checkpoint (its higher rate), at the track's evaluation size."""
    from razorbench.api.registry import get_task, get_track
    from razorbench.runner.evaluate import EvalSettings
    from razorbench.sampling import build_sampler

    task, checkpoint = precision_checkpoint(runs)
    (RECORDS / "precision").mkdir(parents=True, exist_ok=True)
    policy = get_track("smol").load_policy(str(checkpoint))
    sampler = build_sampler("hf", policy)
    for name in passing_priors():
        out = RECORDS / "precision" / f"{name}.json"
        if out.exists():
            continue
        cfg = _config(name, data_dir, [])
        prior = get_task(name, "smol")(cfg.task)
        final = prior_per_item(policy, sampler, prior, EvalSettings.from_config(cfg))
        base = json.loads((RECORDS / "base" / f"{name}.json").read_text())["per_item"]
        record = {
            "name": name,
            "checkpoint": f"sft pilot on {task}, lr {max(PILOTS['sft']['lrs']):g}",
            **paired(base, final),
            "final_per_item": {i: round(final[i], 4) for i in base if i in final},
        }
        out.write_text(json.dumps(record) + "\n")
        print(f"precision {name}: paired SE {record['paired_se']:.4f} over {record['n']} items", flush=True)


def measure_sized(data_dir: Path, runs: Path, stage: str = "sized") -> None:
    """Part 1d (`sized`): each prior that passes P1 and fails P3 at 100 items, scored again (base and the same sft
    pilot checkpoint) at the size its spread asks for, where that is at most 300 documents and its whole item set.
    Part 1g (`resized`): each prior part 1d measured and found above 0.02, once more at the size part 1d's own
    spread asks for, where that is at most 600 documents and its whole item set."""
    from razorbench.api.registry import get_task

    _, checkpoint = precision_checkpoint(runs)
    source, cap = ("precision", SIZE_CAP) if stage == "sized" else ("sized", RESIZE_CAP)
    (RECORDS / stage).mkdir(parents=True, exist_ok=True)
    policies: dict[str, Any] = {}
    for name in passing_priors():
        check = RECORDS / source / f"{name}.json"
        out = RECORDS / stage / f"{name}.json"
        if not check.exists() or out.exists():
            continue
        earlier = json.loads(check.read_text())
        if not earlier.get("measured", True) or earlier["paired_se"] <= 0.02:
            continue
        cfg = _config(name, data_dir, [])
        prior = get_task(name, "smol")(cfg.task)
        whole = len(prior.examples("eval"))  # a log-likelihood prior lists at most 500 (part 1g's sciq asks 350)
        needed, limit = size_for(earlier["paired_se"], earlier["n"]), min(cap, whole)
        record: dict[str, Any] = {"name": name, "needed": needed, "limit": limit, "measured": needed <= limit}
        if needed <= limit:
            record |= score_at_size(name, needed, cfg, prior, checkpoint, policies, data_dir)
            record["checkpoint"] = earlier["checkpoint"]
            print(f"{stage} {name}: {needed} items, paired SE {record['paired_se']:.4f}", flush=True)
        else:
            print(f"{stage} {name}: needs {needed} items, more than {limit}; not measured", flush=True)
        out.write_text(json.dumps(record) + "\n")


def score_at_size(
    name: str, size: int, cfg: Any, prior: Any, checkpoint: Path, policies: dict[str, Any], data_dir: Path
) -> dict[str, Any]:
    """The base and the sft pilot checkpoint scored on the prior's first `size` items: P1's interval and P3's
    paired standard error at that size, with the per-item scores they come from."""
    from dataclasses import replace

    from razorbench.api.registry import get_track
    from razorbench.runner.evaluate import EvalSettings
    from razorbench.sampling import build_sampler

    settings = replace(EvalSettings.from_config(cfg), prior_limit=size, prior_limits={})  # the size asked, no cap
    start = time.time()
    scores = {}
    for which, path in (("base", "smollm2"), ("final", str(checkpoint))):
        if which not in policies:
            policies[which] = get_track("smol").load_policy(path)
        policy = policies[which]
        scores[which] = prior_per_item(policy, build_sampler("hf", policy), prior, settings)
    mean, low, high = interval(list(scores["base"].values()))
    return {
        "score": mean,
        "ci": [low, high],
        "chance": prior_chance(data_dir, name, size),
        "kind": "prior",
        **paired(scores["base"], scores["final"]),
        "seconds": round(time.time() - start, 1),
        "base_per_item": {k: round(v, 4) for k, v in scores["base"].items()},
        "final_per_item": {k: round(v, 4) for k, v in scores["final"].items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="viability", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("base", "pilots", "precision", "sized", "resized"))
    parser.add_argument("--data-dir", type=Path, default=None, help="local copy of the benchmark data")
    parser.add_argument("--runs", type=Path, default=Path("runs/smol-viability"), help="where the pilots run")
    parser.add_argument("--only", default="", help="comma-separated candidates (default: all)")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    if args.step == "base":
        measure_base(args.data_dir.resolve(), only)
    elif args.step == "pilots":
        run_pilots(args.data_dir.resolve(), args.runs.resolve(), only)
    elif args.step == "precision":
        measure_precision(args.data_dir.resolve(), args.runs.resolve())
    elif args.step in ("sized", "resized"):
        measure_sized(args.data_dir.resolve(), args.runs.resolve(), args.step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
