"""Write the forgetting law razorbench ships for a track (`razorbench/monitor/laws/<track>.json`), from the records
of a sweep: `razorbench analyze`'s forward-KL fits per task, with their prediction-interval terms.

    python -m experiments.tiny.ship_law RUNS_DIR --track TRACK

The tiny track's law was written from the reproduction sweep (docs/REPRODUCTION-tiny.md; its 162 final records,
curve points left out):

    python -m experiments.tiny.ship_law runs/reproduce-tiny --track tiny
"""

from __future__ import annotations

import argparse
import json
from importlib.resources import files
from pathlib import Path

from razorbench.analysis.analyze import analyze, find_records
from razorbench.monitor.forecast import LAWS_PACKAGE, PREDICTOR

# The monitor's package data (it reads the laws; this analysis step, above it, writes them).
LAWS = Path(str(files(LAWS_PACKAGE)))


def shipped_summary(runs: list[str], track: str) -> dict:
    """analysis.json's layout, reduced to each task's forward-KL fits (and where they came from)."""
    records = [r for r in find_records(runs) if r["track"] == track]
    if not records:
        raise SystemExit(f"no records of track {track!r} under {', '.join(runs)}")
    out = {}
    for key, group in analyze(records).items():
        if PREDICTOR in group["fits"]:
            out[key] = {
                "track": group["track"],
                "task": group["task"],
                "runs": group["runs"],
                "fits": {PREDICTOR: group["fits"][PREDICTOR]},
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="sweep folders or record files")
    parser.add_argument("--track", required=True, help="the track whose law this is (its records only)")
    args = parser.parse_args()
    LAWS.mkdir(exist_ok=True)
    path = LAWS / f"{args.track}.json"
    path.write_text(json.dumps(shipped_summary(args.runs, args.track), indent=1, default=lambda v: None) + "\n")
    print(path)


if __name__ == "__main__":
    main()
