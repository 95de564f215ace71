"""The smol board's seed entries, from the smol claims sweep's records (docs/REPRODUCTION-smol-plan.md): one
submission per method of the sweep, every run of it, written to leaderboard/submissions/smol/arith1-number/.

    python -m experiments.smol.board [--records DIR] [--submissions DIR]

The sweep is the protocol's grid for the smol track (`leaderboard/protocol.yaml`: the pre-registered four rates a
method, three seeds, the track's budgets), so its runs are the seed entries as they are: nothing is run here. Each
file carries the sweep's manifest (its grid, seeds, overrides and every run of the plan), so a sweep that has not
finished is refused, naming a run it lacks. The records are read as the sweep keeps them in git (six significant
digits, razorbench.util.compact_record); `razorbench leaderboard validate` and `verify` read them at that precision.
Then `razorbench leaderboard verify --stamp --all --data-dir DATA leaderboard/submissions/smol` re-executes every
record (leaderboard/SEEDS.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from razorbench.util.compact_record import read_kept

from .claims_plan import COMMON, LRS, METHODS, ORDER, RECORDS, SEEDS, TASK, TRACK, record_path, run_name

AUTHORS = "razorbench maintainers (seed submission)"
SUBMISSIONS = Path("leaderboard") / "submissions"  # from the repository's root, as `razorbench leaderboard` reads it


def manifest(method: str) -> dict[str, Any]:
    """The sweep of `method` as the plan fixes it: every run a submission must carry."""
    return {
        "method": method,
        "task": TASK,
        "track": TRACK,
        "grid": {"optim.lr": list(LRS[method])},
        "seeds": len(SEEDS),
        "first_seed": SEEDS[0],
        "overrides": list(COMMON),
        "runs": [run_name(m, lr, seed) for m, lr, seed in ORDER if m == method],
    }


def kept_records(method: str, records: Path = RECORDS) -> list[dict[str, Any]]:
    """The records of `method`'s runs kept under `records`, in the plan's order."""
    paths = [record_path(m, lr, seed, records) for m, lr, seed in ORDER if m == method]
    return [read_kept(p) for p in paths if p.exists()]


def write_entries(records: Path, submissions: Path) -> list[Path]:
    """One submission per method of the sweep, checked against the protocol beside `submissions`, then written
    (none is written unless all are). InvalidSubmissions or ValueError naming what is wrong."""
    from razorbench.leaderboard.protocol import load_protocol
    from razorbench.leaderboard.submission import submission_from_records, submission_path, write_submission

    protocol = load_protocol(submissions.parent / "protocol.yaml")
    entries = []
    for method in METHODS:
        found = kept_records(method, records)
        if not found:
            raise ValueError(
                f"no records of {method} under {records}: run the sweep (python -m experiments.smol.claims)"
            )
        entries.append(
            submission_from_records(found, method, sweeps=[manifest(method)], protocol=protocol, authors=AUTHORS)
        )
    return [write_submission(sub, submission_path(submissions, sub)) for sub in entries]


def main(argv: list[str] | None = None) -> int:
    from razorbench.leaderboard.validation import InvalidSubmissions

    parser = argparse.ArgumentParser(prog="python -m experiments.smol.board", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=Path, default=RECORDS, help="the sweep's kept records")
    parser.add_argument("--submissions", type=Path, default=SUBMISSIONS, help="the leaderboard's submissions folder")
    args = parser.parse_args(argv)
    try:
        written = write_entries(args.records, args.submissions)
    except InvalidSubmissions as e:
        for problem in e.problems:
            print(problem)
        return 1
    except ValueError as e:
        print(f"experiments.smol.board: {e}")
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
