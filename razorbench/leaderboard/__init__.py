"""The leaderboard, one module per role; imports run one way (make -> submission -> validation -> protocol;
pages -> ranking -> protocol).

- `protocol`: the standard protocol (`leaderboard/protocol.yaml`): evaluation settings, seeds, versions, fixed
  target accuracies, the grid `make` runs; `targets` computes the targets from a reproduction, `estimate` the
  time `make` takes;
- `make`: a conforming submission from a method name (`razorbench leaderboard make`);
- `submission`: make a submission from a sweep's records and write it (`razorbench submit`);
- `validation`: check submission files: schema (`schema.json`, shipped beside it as package data), consistency,
  recomputed numbers, plain JSON data at its own path (`razorbench leaderboard validate`);
- `items`: per-item results packed in a submission's records;
- `verify` (`razorbench leaderboard verify`): re-execute records (`rerun`), judged by `agreement`; the pull-request
  check reads the target branch's stamps and re-executes what a change adds or edits (`changes`); the maintainer's
  `--stamp --all` records each file's outcome in verified.json (`stamps`);
- `status`: each entry's label (verified, pending, disagreed, archived) from those recorded outcomes;
- `ranking`: the standings per (track, task), at the protocol's fixed target accuracies, compared by the interval
  over seeds and items of `interval` (an entry read at a target: `sides`);
- `pages`: render README.md, index.html and plots from the standings, `build` them and `check` them
  (`razorbench leaderboard build [--check]`).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DIR = Path("leaderboard")  # relative to the repository root, like `runs/`: submissions/ and the pages
