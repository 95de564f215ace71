"""razorbench.util.compact_record: a kept record's bytes, its round trip, a write that never leaves half a record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from razorbench.util.compact_record import compact, keep_record, read_kept

RECORD = {"run_id": "x", "metrics": {"forgetting": 0.123456789, "prior_scores": {"a": {"base": 1 / 3}}}}


def test_a_kept_record_round_trips_rounded_and_is_the_same_bytes_each_time(tmp_path):
    path = tmp_path / "sft" / "x.json.gz"
    keep_record(path, RECORD)
    assert path.read_bytes() == compact(RECORD) == compact(read_kept(path))
    assert read_kept(path) == {
        "run_id": "x",
        "metrics": {"forgetting": 0.123457, "prior_scores": {"a": {"base": 0.333333}}},
    }


def test_a_kept_record_keeps_its_start_and_end_to_the_second(tmp_path):
    path = tmp_path / "x.json.gz"
    keep_record(path, {"provenance": {"start": 1796661234.6, "end": 1796662345.2, "wall_seconds": 1110.61234}})
    assert read_kept(path)["provenance"] == {"start": 1796661235, "end": 1796662345, "wall_seconds": 1110.61}


def test_a_write_that_fails_before_its_rename_leaves_the_old_record_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "x.json.gz"
    keep_record(path, {"run_id": "old"})

    def refuse(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        keep_record(path, RECORD)
    assert read_kept(path) == {"run_id": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json.gz"]


def test_a_process_killed_mid_write_leaves_no_record(tmp_path):
    path = tmp_path / "x.json.gz"
    script = "import sys; from pathlib import Path; from razorbench.util.compact_record import keep_record; "
    script += "keep_record(Path(sys.argv[1]), {'run_id': 'x'})"
    env = {**os.environ, "RAZORBENCH_KILL_AT": "kept_record_write"}
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, cwd=Path(__file__).parents[2])
    assert done.returncode == -9  # SIGKILL at the fault point: the temporary file complete, not yet renamed
    assert not path.exists() and list(tmp_path.glob("*.json.gz")) == []
