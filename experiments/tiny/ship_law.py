"""Write the forgetting law razorbench ships for the tiny track (`razorbench/monitor/laws/tiny.json`), from the tiny
reproduction's kept records (`experiments/tiny/reproduce/records/`): `razorbench analyze`'s forward-KL fits per task,
with their prediction-interval terms, over the plan's final records (curve points left out).

    python -m experiments.tiny.ship_law            # rewrite the shipped law from the kept records
    python -m experiments.tiny.ship_law --check    # exit 1 where the shipped law is not what the records give

The law is made from kept records only, like the reports, so anyone can remake it without a run.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

from experiments.tiny.reproduce import TINY
from razorbench.analysis.analyze import analyze
from razorbench.launch.kept import load_kept
from razorbench.monitor.forecast import LAWS_PACKAGE, PREDICTOR

# The monitor's package data (it reads the laws; this experiment, above it, writes them).
LAWS = Path(str(files(LAWS_PACKAGE)))
TRACK = "tiny"


def shipped_summary(records: list[dict[str, Any]], track: str = TRACK) -> dict[str, Any]:
    """analysis.json's layout, reduced to each task's forward-KL fits (and how many runs each stands on)."""
    records = [r for r in records if r["track"] == track]
    if not records:
        raise SystemExit(f"no records of track {track!r}: run `razorbench reproduce {track} --jobs 2` first")
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


def law_text(records: list[dict[str, Any]] | None = None) -> str:
    """The law file the kept records give (the tiny plan's, unless `records` are given), written nowhere."""
    if records is None:
        records = load_kept(TINY, TINY.records)
    return json.dumps(shipped_summary(records), indent=1, default=lambda v: None) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped law instead of writing it")
    args = parser.parse_args(argv)
    path, text = LAWS / f"{TRACK}.json", law_text()
    if args.check:
        same = path.is_file() and path.read_text() == text
        print(f"{path}: {'the rendering of the kept records' if same else 'NOT what the kept records give'}")
        return 0 if same else 1
    path.write_text(text)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
