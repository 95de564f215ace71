"""How many steps before the end the monitor's forecast already held a run's final forgetting in its 95% prediction
interval, per method, on the tiny track (design and results: docs/MONITOR-forecast-lead.md).

Runs the default `razorbench run` (monitor on at its default `monitor.every`, the shipped tiny law) of each method on
each tiny task, seed 0, one process each, then `razorbench.analysis.monitor_lead.forecast_lead` on the records, and
writes the results section of the docs page (and `bench/records/forecast-lead.json`).

    python bench/forecast_lead.py --out runs/forecast-lead                      # the full design: 15 runs
    python bench/forecast_lead.py --out /tmp/fl --methods sft --tasks science --set trainer.max_steps=4   # a check
    python bench/forecast_lead.py --from-record     # the results section again from the kept rows, no run
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from razorbench.analysis.monitor_lead import forecast_lead

METHODS = ("sft", "rl", "reinforce", "simpo", "oracle-sft")
TASKS = ("science", "math", "tool")
DOC = Path(__file__).resolve().parents[1] / "docs" / "MONITOR-forecast-lead.md"
RECORD = Path(__file__).resolve().parent / "records" / "forecast-lead.json"  # the rows the results section shows
MARK = "## Results"


def run(method: str, task: str, out: Path, extra: list[str]) -> dict:
    run_id = f"{task}-{method}-s0"
    record = out / run_id / "record.json"
    if not record.exists():  # runs already on disk are reused
        command = [sys.executable, "-m", "razorbench.cli", "run", "--method", method, "--task", task, "--seed", "0",
                   "--no-progress", "--output-dir", str(out), "--run-id", run_id, *extra]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
    return json.loads(record.read_text())


def results(rows: list[dict], extra: list[str]) -> str:
    lines = [MARK, "", f"Written by `python bench/forecast_lead.py {' '.join(extra)}`".rstrip() + ".", ""]
    lines += ["| task | method | last step | final forgetting | forecast at the end [95% PI] | covered from step "
              "| lead (steps) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lead = r["lead"]
        if lead is None:
            lines.append(f"| {r['task']} | {r['method']} | - | {r['forgetting']:.3f} | no forecast | - | - |")
            continue
        covered = "never (outside at the end)" if lead["covered_from"] is None else lead["covered_from"]
        lines.append(
            f"| {r['task']} | {r['method']} | {lead['last_step']} | {lead['final_forgetting']:.3f} | "
            f"{lead['final_forecast']:.3f} [{r['low']:.3f}, {r['high']:.3f}] | {covered} | "
            f"{'-' if lead['lead_steps'] is None else lead['lead_steps']} |"
        )
    lines.append("")
    for method in dict.fromkeys(r["method"] for r in rows):
        leads = [r["lead"]["lead_steps"] for r in rows if r["method"] == method and r["lead"]]
        covered = [x for x in leads if x is not None]
        median = f"median lead {statistics.median(covered)} steps" if covered else "no lead"
        lines.append(f"- {method}: final forgetting inside the last interval in {len(covered)}/{len(leads)} runs; "
                     f"{median} (over the covered runs).")  # fmt: skip
    lines += ["", *spread(rows)]
    return "\n".join(lines) + "\n"


def spread(rows: list[dict]) -> list[str]:
    """How wide the last interval is per task, and how the point forecast at the end sits against the final
    forgetting: what the page's reading of the results rests on."""
    forecast = [r for r in rows if r["lead"]]
    lines = []
    for task in dict.fromkeys(r["task"] for r in forecast):
        half = statistics.mean((r["high"] - r["low"]) / 2 for r in forecast if r["task"] == task)
        lines.append(f"- {task}: the last 95% interval is ±{half:.2f} wide (half its width, mean over the runs).")
    over = [r["lead"]["final_forecast"] - r["lead"]["final_forgetting"] for r in forecast]
    above = [x for x in over if x > 0]
    below = [f"{r['task']} {r['method']} {x:+.3f}" for r, x in zip(forecast, over, strict=True) if x <= 0]
    reach = f" (by {min(above):.3f}–{max(above):.3f})" if above else ""
    lines.append(f"- The point forecast at the end lies above the final forgetting in {len(above)} of {len(over)} runs"
                 f"{reach}" + (f"; at or below it: {', '.join(below)}." if below else "."))  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/forecast-lead")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--set", nargs="*", default=[], metavar="key=value", help="overrides for every run (checks)")
    parser.add_argument("--doc", default=str(DOC))
    parser.add_argument("--record", default=str(RECORD), help="the rows as JSON")
    parser.add_argument("--from-record", action="store_true", help="rewrite the results from --record, no run")
    args = parser.parse_args()
    out = Path(args.out)
    rows = json.loads(Path(args.record).read_text()) if args.from_record else []
    for task in [] if args.from_record else args.tasks:
        for method in args.methods:
            record = run(method, task, out, args.set)
            checks = record["monitor"]["checks"]
            rows.append({"task": task, "method": method, "forgetting": record["metrics"]["forgetting"],
                         "lead": forecast_lead(record), "low": checks[-1].get("forgetting_low", 0.0),
                         "high": checks[-1].get("forgetting_high", 0.0)})  # fmt: skip
    doc = Path(args.doc)
    design = doc.read_text().split(MARK)[0] if doc.exists() else ""
    doc.write_text(design + results(rows, sys.argv[1:]))
    Path(args.record).write_text(json.dumps(rows, indent=1) + "\n")
    print(doc)


if __name__ == "__main__":
    main()
