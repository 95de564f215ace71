"""The paper's claims on SmolLM2 (docs/REPRODUCTION-smol-plan.md, pre-registered): the sweep, run as resumable jobs.

    python -m experiments.smol.claims run --data-dir DATA --runs RUNS [--commit]   # resume the sweep
    python -m experiments.smol.claims status                                      # what is recorded
    python -m experiments.smol.claims report                                      # docs/REPRODUCTION-smol.md

`run` goes through the plan's runs in its fixed order (`ORDER`) and skips every run whose compact record is in
experiments/smol/claims/records/ (committed: a fresh machine resumes from the repository). Each run goes through the
library's one run path (`razorbench.launch.worker.run_point`, the sweep launcher's unit), its folder under `RUNS`
(outside the repository: checkpoints, the model, logs); when it ends its record is written compactly (gzipped JSON)
into the records folder and, with `--commit`, committed at once, so a job that is stopped loses at most the run in
flight. A run whose record exists under `RUNS` but was not yet compacted is compacted, not rerun.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from pathlib import Path

from .claims_plan import COMMON, ORDER, RECORDS, TASK, TRACK, compact, record_path, run_name


def _commit(path: Path, message: str) -> None:
    """Commit `path` alone (`git commit -- path`: nothing else staged or changed goes in) in the repository that holds
    it; retried while another git process holds the index."""
    repo = path.parent
    for _ in range(30):
        added = subprocess.run(["git", "-C", str(repo), "add", str(path)], capture_output=True, text=True)
        done = added.returncode == 0 and (
            subprocess.run(
                ["git", "-C", str(repo), "commit", "-q", "-m", message, "--", str(path)],
                capture_output=True,
                text=True,
            ).returncode
            == 0
        )
        if done:
            return
        time.sleep(2)
    print(f"could not commit {path}; commit it by hand", flush=True)


def run(data_dir: Path, runs: Path, *, records: Path, commit: bool) -> None:
    from razorbench.launch.worker import RunSpec, run_point

    for method, lr, seed in ORDER:
        out = record_path(method, lr, seed, records)
        if out.exists():
            continue
        name = run_name(method, lr, seed)
        spec = RunSpec(
            method=method,
            task=TASK,
            track=TRACK,
            config_file=None,
            overrides=(
                f"optim.lr={lr}",
                f"seed={seed}",
                f"task.data_dir={data_dir.resolve()}",
                f"cache_dir={(runs / 'cache').resolve()}",
                f"output_dir={(runs / method).resolve()}",
                f"run_id={name}",
                *COMMON,
            ),
            run_dir=str((runs / method / name).resolve()),
            cwd=str(Path.cwd()),
        )
        began = time.time()
        print(f"{time.strftime('%H:%M:%S')} {name}: running", flush=True)
        record = json.loads(Path(run_point(spec, threads=2)).read_text())
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial")
        partial.write_bytes(compact(record))
        partial.replace(out)
        # A finished run is never resumed: its last resume checkpoint (1.6 GB: weights and AdamW state) only fills
        # the disk (36 of them would not fit beside the saved models).
        shutil.rmtree(Path(spec.run_dir) / "checkpoints", ignore_errors=True)
        m = record["metrics"]
        print(
            f"{time.strftime('%H:%M:%S')} {name}: accuracy {m['base_new_task_accuracy']:.3f} -> "
            f"{m['new_task_accuracy']:.3f}, forgetting {m['forgetting']:+.4f}, forward KL {m['forward_kl']:.2f}, "
            f"{time.time() - began:.0f} s here",
            flush=True,
        )
        if commit:
            _commit(out, f"smol claims sweep: {name} recorded (accuracy {m['new_task_accuracy']:.3f})")


def status() -> None:
    done = [p for p in ORDER if record_path(*p).exists()]
    print(f"{len(done)} of {len(ORDER)} runs recorded")
    for method, lr, seed in ORDER:
        mark = "x" if record_path(method, lr, seed).exists() else " "
        print(f"[{mark}] {run_name(method, lr, seed)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="experiments.smol.claims", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("run", "status", "report"))
    parser.add_argument("--data-dir", type=Path, default=None, help="every prior's and the task's local copies")
    parser.add_argument("--runs", type=Path, default=Path("runs/smol-claims"), help="run folders (not committed)")
    parser.add_argument("--commit", action="store_true", help="commit each record as soon as it is written")
    parser.add_argument(
        "--records",
        type=Path,
        default=RECORDS,
        help="the records folder (default: this checkout's; a sweep run from "
        "a second worktree names the main checkout's, where its commits go)",
    )
    args = parser.parse_args(argv)
    if args.step == "run":
        if args.data_dir is None or not args.data_dir.is_dir():
            parser.error(f"run needs --data-dir DATA, a folder; got {args.data_dir}")
        run(args.data_dir, args.runs, records=args.records.resolve(), commit=args.commit)
    elif args.step == "status":
        status()
    else:
        from .claims_report import write_report

        write_report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
