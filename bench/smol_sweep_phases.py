"""The smol track's default runs by phase, read from the claims sweep's committed records.

    python bench/smol_sweep_phases.py [--all]

Every run of the sweep (experiments/smol/claims.py) is a default run of its method on the smol track but for its
rate and seed, no resume checkpoints and the model saved; each ran alone on the machine's cores (the sweep had them,
at a raised priority), the base evaluation cached after the first. This prints, for each method at its default rate
(or every configuration with `--all`), the phases of the record's `provenance.timings` in seconds, the evaluation of
the trained policy (final_eval + kl: the new task, every prior, the KL), each prior's seconds, and the run's wall.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's root: `experiments` is not installed

from experiments.smol.claims_plan import LRS, load_records  # noqa: E402

DEFAULT_LR = {"sft": 1e-4, "rl": 3e-5, "oracle-sft": 1e-4}  # tasks/smol/methods/*.yaml
PHASES = (
    "model_load",
    "base_eval",
    "sampling",
    "training",
    "save_model",
    "reference_load",
    "final_eval",
    "kl",
    "drift",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every configuration, not only the default rates")
    args = parser.parse_args(argv)
    records = load_records()
    print("| method | lr | runs | " + " | ".join(PHASES) + " | evaluation (final_eval + kl) | priors (s each) | wall |")
    print("|---|--:|--:|" + "--:|" * len(PHASES) + "--:|---|--:|")
    for method, rates in LRS.items():
        for lr in rates:
            if not args.all and lr != DEFAULT_LR[method]:
                continue
            runs = [r for r in records if r["method"] == method and float(r["config"]["optim"]["lr"]) == lr]
            if not runs:
                continue
            timings = [r["provenance"]["timings"] for r in runs]

            def median(key: str, timings=timings) -> float:
                return statistics.median(t.get(key, 0.0) + t.get(f"{key}_cached", 0.0) for t in timings)

            evaluation = statistics.median(t["final_eval"] + t["kl"] for t in timings)
            priors = {p: statistics.median(r["prior_seconds"][p] for r in runs) for p in runs[0]["prior_seconds"]}
            wall = statistics.median(r["provenance"]["wall_seconds"] for r in runs)
            cells = " | ".join(f"{median(p):.1f}" for p in PHASES)
            listed = ", ".join(f"{p} {s:.0f}" for p, s in priors.items())
            print(f"| {method} | {lr:g} | {len(runs)} | {cells} | {evaluation:.1f} | {listed} | {wall:.1f} |")
    print("\nmedians over the configuration's recorded runs; seconds.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
