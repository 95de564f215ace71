"""Atomic file writes: a reader (or a process killed mid-write) never sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from razorbench.util.faults import fault_point


def write_bytes_atomic(path: Path, data: bytes, *, fault: str | None = None) -> None:
    """Write `data` to a temporary file in the same folder, fsync, then rename: readers never see half a file.
    `fault` names the fault point between the complete temporary file and the rename (the kill tests')."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if fault is not None:
            fault_point(fault)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON atomically (`write_bytes_atomic`); a run's record.json passes the fault point "record_write"."""
    text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n"
    write_bytes_atomic(path, text.encode(), fault="record_write" if path.name == "record.json" else None)
