"""The targets' rule against a hand computation, read from run folders and kept records (`*.json.gz`) alike, and
written into a protocol file with every other line left as it is."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from razorbench.analysis.analyze import find_records
from razorbench.leaderboard.protocol import load_protocol
from razorbench.leaderboard.targets import main, set_targets, task_targets

REPO_PROTOCOL = Path(__file__).resolve().parents[2] / "leaderboard" / "protocol.yaml"


def _records(make_record) -> list[dict]:
    """Base accuracy 0.2 (every record's); sft's configurations average 0.55 and 0.8 over two seeds, rl's 0.65."""
    points = [("sft", 1e-4, (0.5, 0.6)), ("sft", 1e-3, (0.75, 0.85)), ("rl", 1e-4, (0.6, 0.7))]
    return [
        make_record(f"{method}-{lr}-{seed}", method=method, lr=lr, seed=seed, acc=acc, finals=(0.8, 1.0), kl=0.1)
        for method, lr, accs in points
        for seed, acc in enumerate(accs)
    ]


def test_the_rule_by_hand(make_record):
    (result,) = task_targets(_records(make_record)).values()
    # top = 0.8 (sft at 1e-3, seeds averaged); base + (1/4, 1/2, 3/4) of 0.6.
    assert result["best"] == pytest.approx({"rl": 0.65, "sft": 0.8})
    assert (result["base"], result["top"], result["runs"]) == (0.2, pytest.approx(0.8), 6)
    assert result["targets"] == [0.35, 0.5, 0.65]


def test_run_folders_and_kept_records_read_alike(tmp_path: Path, make_record, write_runs):
    records = _records(make_record)
    write_runs(tmp_path / "runs", records[:3])
    kept = tmp_path / "kept" / "sft"
    kept.mkdir(parents=True)
    for r in records[3:]:
        (kept / f"{r['run_id']}.json.gz").write_bytes(gzip.compress(json.dumps(r).encode()))
    read = find_records([tmp_path / "runs", tmp_path / "kept"])
    assert sorted(r["run_id"] for r in read) == sorted(r["run_id"] for r in records)
    assert task_targets(read) == task_targets(records)
    assert len(find_records([next(kept.iterdir())])) == 1  # one kept record named alone


def test_targets_written_into_a_protocol_change_that_line_alone():
    text = REPO_PROTOCOL.read_text()
    written = set_targets(text, "smol", "arith1-number", [0.3, 0.45, 0.6])
    changed = [(a, b) for a, b in zip(text.splitlines(), written.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].strip().startswith("targets: [0.30, 0.45, 0.60]")
    with pytest.raises(ValueError, match=r"no `targets: \[...\]` line for tracks\.smol\.tasks\.arith2"):
        set_targets(text, "smol", "arith2", [0.3, 0.45, 0.6])


def test_the_command_writes_the_doc_and_the_protocol(tmp_path: Path, make_record, write_runs, capsys):
    protocol = tmp_path / "protocol.yaml"
    protocol.write_text(REPO_PROTOCOL.read_text())
    records = [{**r, "task": "math"} for r in _records(make_record)]  # a task the protocol has, on its track
    write_runs(tmp_path / "runs", records)
    assert main([str(tmp_path / "runs"), "--doc", str(tmp_path / "t.md"), "--protocol", str(protocol)]) == 0
    assert (
        "| tiny/math | 6 | 0.200 | rl 0.650, sft 0.800 | 0.800 | 0.35, 0.50, 0.65 |" in (tmp_path / "t.md").read_text()
    )
    assert load_protocol(protocol).task("tiny", "math").targets == (0.35, 0.5, 0.65)
    before = load_protocol(REPO_PROTOCOL)
    assert load_protocol(protocol).task("tiny", "tool") == before.task("tiny", "tool")
