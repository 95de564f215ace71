"""A record as an experiment keeps it in git (`experiments/<track>/<experiment>/records/`): the whole record (per-item
results included, what paired intervals need), floats to 6 significant digits, compact JSON gzipped without a
timestamp, so that the same record gives the same bytes and a rerun that changes nothing changes no file.

Written atomically (`razorbench.util.atomic`): a job stopped mid-write leaves no record, never half of one, so
a resumed experiment sees the run as not done and runs it again.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from razorbench.util.atomic import write_bytes_atomic

SUFFIX = ".json.gz"


def compact(record: dict[str, Any]) -> bytes:
    """`record` as kept: floats to 6 significant digits, keys sorted, gzipped with mtime 0.

    >>> json.loads(gzip.decompress(compact({"b": 1 / 3, "a": [2.0, "x"]})))
    {'a': [2.0, 'x'], 'b': 0.333333}
    """

    def rounded(x: Any) -> Any:
        if isinstance(x, float):
            return float(f"{x:.6g}")
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in x.items()}
        if isinstance(x, list):
            return [rounded(v) for v in x]
        return x

    text = json.dumps(rounded(record), separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode(), mtime=0)


def keep_record(path: Path, record: dict[str, Any]) -> None:
    """Write `record` compactly to `path` (a `SUFFIX` file), atomically. Its provenance's start and end are kept to
    the second, as whole numbers: 6 significant digits would round a Unix time to hours, and a report reads from
    them which runs went on at once."""
    provenance = record.get("provenance")
    if isinstance(provenance, dict):
        whole = {k: round(provenance[k]) for k in ("start", "end") if isinstance(provenance.get(k), float)}
        record = {**record, "provenance": {**provenance, **whole}}
    write_bytes_atomic(path, compact(record), fault="kept_record_write")


def read_kept(path: Path) -> dict[str, Any]:
    """A kept record, as it was written (its floats rounded)."""
    return json.loads(gzip.decompress(path.read_bytes()))
