"""The tiny-track lifelong experiment, as pre-registered in docs/LIFELONG-tiny.md: science -> tool -> math, five
methods at their default per-stage budgets, 3 seeds; then `razorbench.analysis.sequence` and a report.

    python -m experiments.tiny.lifelong --jobs 2          # the sequences not kept yet, then the report
    python -m experiments.tiny.lifelong --report-only     # the report from the kept records alone

Each finished sequence's record (`sequence.json`, its stages' evaluations) is kept compactly in
experiments/tiny/lifelong/records/<method>/seed-<seed>.json.gz as it ends, and a kept sequence is not run again,
so the command resumes on a fresh machine (a sequence begun and not finished resumes per stage from its folder);
the report and its plot are made from the kept records alone. `--set key=value` adds a config override to every
stage (a quick check of the machinery: `--set trainer.max_steps=2 --methods sft rl --seeds 1 --records DIR`: a
sequence record does not hold its overrides, so a check's records go to a folder of their own).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from razorbench.analysis.report_provenance import shown_folder
from razorbench.util.compact_record import SUFFIX, keep_record, read_kept
from razorbench.util.errors import ConfigError

TASKS = ("science", "tool", "math")
METHODS = ("sft", "rl", "reinforce", "simpo", "oracle-sft")
SEEDS = 3
DOC = "docs/LIFELONG-tiny-results.md"
OUT = "runs/lifelong-tiny"
RECORDS = Path(__file__).parent / "lifelong" / "records"


def kept_path(records: Path, method: str, seed: int) -> Path:
    return records / method / f"seed-{seed}{SUFFIX}"


def keep_sequence(records: Path, method: str, seed: int, sequence: dict[str, Any]) -> None:
    """Keep a finished sequence's record, refusing one that is not this (method, seed) over `TASKS`."""
    for key, wanted in (("method", method), ("seed", seed), ("tasks", list(TASKS)), ("state", "finished")):
        if sequence.get(key) != wanted:
            raise ConfigError(f"sequence {method}-s{seed}: its record has {key} {sequence.get(key)!r}, not {wanted!r}")
    keep_record(kept_path(records, method, seed), sequence)


def run_one(method: str, seed: int, out: Path, extra: list[str], threads: int, records: Path) -> float:
    """One sequence (resumed if begun, skipped if kept), kept in `records` when it finishes; returns its wall
    seconds here. A sequence finished in `out` but not kept is kept, not rerun."""
    import torch

    from razorbench.runner.sequence import SEQUENCE_FILE, run_sequence

    torch.set_num_threads(threads)
    began = time.time()
    record = out / f"{method}-s{seed}" / SEQUENCE_FILE
    if kept_path(records, method, seed).exists():
        return 0.0
    if record.exists() and json.loads(record.read_text())["state"] == "finished":
        keep_sequence(records, method, seed, json.loads(record.read_text()))
        return 0.0
    run_sequence(
        method,
        list(TASKS),
        overrides=[
            f"seed={seed}",
            f"output_dir={out}",
            f"run_id={method}-s{seed}",
            f"cache_dir={out / 'cache'}",
            *extra,
        ],
        progress=False,
    )
    keep_sequence(records, method, seed, json.loads(record.read_text()))
    return time.time() - began


def run_all(
    methods: list[str], seeds: int, out: Path, extra: list[str], jobs: int, records: Path, log=print
) -> dict[str, float]:
    threads = max(1, (os.cpu_count() or 1) // jobs)
    work = [(m, s) for s in range(seeds) for m in methods]
    seconds: dict[str, float] = {}
    # spawn: a forked child would inherit torch's thread pools and locks mid-state.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_one, m, s, out, extra, threads, records): f"{m}-s{s}" for m, s in work}
        for future, name in futures.items():
            seconds[name] = future.result()  # a failed sequence raises here, with its own one-line error
            log(f"{name}: {seconds[name]:.0f}s")
    return seconds


def load(records: Path, methods: list[str], seeds: int) -> list[dict[str, Any]]:
    """The kept sequence records of `methods` × seeds 0 … `seeds` − 1, of those kept, by method name and seed: one
    order whatever the order asked (the fits' bootstrap draws rows by position)."""
    paths = [kept_path(records, m, s) for m in sorted(methods) for s in range(seeds)]
    return [read_kept(p) for p in paths if p.exists()]


def render(result: dict[str, Any], sequences: list[dict[str, Any]], command: str, records: Path) -> str:
    """The report: what ran, per-method final numbers with 95% t intervals, the predictor fits, the comparison; from
    the kept sequence records alone (the same records give the same file)."""
    minutes = sum(s["provenance"]["wall_seconds"] for s in sequences) / 60
    lines = [
        "# Lifelong post-training on the tiny track: results",
        "",
        f"Generated by `{command}` from the {len(sequences)} sequence records kept in `{shown_folder(records)}`",
        f"({minutes:.1f} min summed over their recorded wall times; without `--report-only` the command runs the",
        "sequences not kept yet first). Design and hypotheses fixed beforehand in",
        "[LIFELONG-tiny.md](LIFELONG-tiny.md); plot: [stages.png](LIFELONG-tiny/stages.png).",
        "",
    ]
    for key, group in result.items():
        lines += [f"## {key}: {group['n_sequences']} finished sequences ({group['n_running']} unfinished)", ""]
        lines += [
            "| method | on-policy | n | final mean accuracy | prior forgetting | earlier-task forgetting |",
            "|---|---|---|---|---|---|",
        ]
        for method, m in group["methods"].items():
            cells = [_interval(m[k]) for k in ("mean_accuracy", "prior_forgetting", "task_forgetting")]
            lines.append(f"| {method} | {m['on_policy']} | {m['n']} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "Forgetting against each predictor (quadratic through 0 and linear; R² with 95% bootstrap CI):",
            "",
        ]
        lines += ["| capability | predictor | n | R² quadratic0 | R² linear |", "|---|---|---|---|---|"]
        for capability, fits in group["fits"].items():
            for name, f in fits.items():
                lines.append(f"| {capability} | {name} | {f['n']} | {_r2(f['quadratic0'])} | {_r2(f['linear'])} |")
        lines += ["", "On-policy (rl, reinforce) vs offline (sft, simpo, oracle-sft) at matched final accuracy", ""]
        lines += [
            "| outcome | advantage (> 0: on-policy forgets less) [95% CI] | common accuracy | verdict |",
            "|---|---|---|---|",
        ]
        for outcome, c in group["on_policy_vs_offline"].items():
            if "advantage" in c:
                lo, hi = c["common_accuracy"]
                advantage = f"{c['advantage']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}]"
                lines.append(f"| {outcome} | {advantage} | {lo:.3f}–{hi:.3f} | {c['verdict']} |")
            else:
                lines.append(f"| {outcome} | | | {c['verdict']}: {c['note']} |")
        lines.append("")
    return "\n".join(lines)


def _interval(e: dict[str, Any]) -> str:
    if e["ci_low"] is None:
        return f"{e['value']:.3f}"
    return f"{e['value']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]"


def _r2(f: dict[str, Any]) -> str:
    if f["r2"] is None:
        return "n/a"
    low, high = f.get("r2_low"), f.get("r2_high")
    return f"{f['r2']:.3f}" + ("" if low is None else f" [{low:.2f}, {high:.2f}]")


def analyze(sequences: list[dict[str, Any]]) -> dict[str, Any]:
    """`razorbench.analysis.sequence.analyze_sequences` of the kept sequences, each method's on-policy flag its own."""
    from razorbench.analysis.sequence import analyze_sequences
    from razorbench.api.method_index import method_infos

    result = analyze_sequences(sequences, {i["name"]: bool(i["on_policy"]) for i in method_infos()})
    for group in result.values():
        group.pop("rows")  # in the records already
    return result


def report_text(records: Path = RECORDS, command: str = "python -m experiments.tiny.lifelong --report-only") -> str:
    """The report the kept sequences of the pre-registered design give, written nowhere (what the doc must equal)."""
    sequences = load(records, list(METHODS), SEEDS)
    return render(analyze(sequences), sequences, command, records)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from razorbench.analysis.sequence import plot_sequences

    parser = argparse.ArgumentParser(prog="python -m experiments.tiny.lifelong", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="sequences at once, each in its own process")
    parser.add_argument("--out", default=OUT, help="sequence folders and the analysis (not kept)")
    parser.add_argument("--doc", default=DOC, help="the report to write")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--set", action="append", default=[], metavar="key=value", help="an override for every stage")
    parser.add_argument("--records", type=Path, default=RECORDS, help="where each finished sequence is kept")
    parser.add_argument("--report-only", action="store_true", help="no run: the report from the kept records alone")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not args.report_only:
        run_all(args.methods, args.seeds, out, list(args.set), args.jobs, args.records)
    sequences = load(args.records, args.methods, args.seeds)
    if not sequences:
        parser.error(f"no sequence is kept in {args.records}: run the experiment first (without --report-only)")
    result = analyze(sequences)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sequences.json").write_text(json.dumps(result, indent=1))
    doc = Path(args.doc)
    plot_sequences(sequences, doc.parent / doc.stem.replace("-results", ""))
    given = [a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--report-only",)]
    command = " ".join(["python -m experiments.tiny.lifelong", *_report_options(given), "--report-only"])
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render(result, sequences, command, args.records))
    print(f"wrote {doc}")
    return result


def _report_options(given: list[str]) -> list[str]:
    """The options of `given` that change the report (not --jobs or --out: how the sequences were run)."""
    out, skip = [], False
    for arg in given:
        if skip:
            skip = False
        elif arg in ("--jobs", "--out"):
            skip = True
        elif not arg.startswith(("--jobs=", "--out=")):
            out.append(arg)
    return out


if __name__ == "__main__":
    main()
