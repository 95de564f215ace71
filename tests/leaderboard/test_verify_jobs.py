"""A stamping run cut into jobs: `verify --stamp --all --max-records N [PATH]` re-executes at most N records a call,
writes each agreement as it is found (a stopped job loses only the record in flight) and resumes where the stamps
left off; each rerun gets this machine's task data and the protocol's threads. Re-execution is replaced by a
stand-in that returns the honest record (a real one takes minutes), so agreement is decided by the real rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from razorbench.cli import main
from razorbench.leaderboard import rerun as rerun_module
from razorbench.leaderboard.stamps import load_stamps
from razorbench.leaderboard.status import statuses
from razorbench.leaderboard.validation import load_submission_files
from razorbench.leaderboard.verify import verify

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
SCIENCE, MATH = "tiny/science/sft.json", "tiny/math/sft.json"  # protocol v2, six records each
HONEST = {f: json.loads((REPO_LEADERBOARD / "submissions" / f).read_text()) for f in (SCIENCE, MATH)}


def _board(tmp_path: Path, files: tuple[str, ...] = (SCIENCE,)) -> Path:
    root = tmp_path / "leaderboard" / "submissions"
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_LEADERBOARD / "submissions" / f, root / f)
    shutil.copy(REPO_LEADERBOARD / "protocol.yaml", root.parent / "protocol.yaml")
    return root


class _Honest:
    """Returns the honest record; after `stop_after` reruns, stops the job (as a machine's time limit would)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after, self.calls, self.here = stop_after, [], []

    def __call__(self, record: dict, out_dir: Path, time_cap: float, cache_dir: Path, here) -> dict:
        if self.stop_after is not None and len(self.calls) == self.stop_after:
            raise KeyboardInterrupt
        self.calls.append(record["run_id"])
        self.here.append(here)
        honest = next(f for f in HONEST.values() if f["task"] == record["task"])  # run ids repeat across tasks
        return next(r for r in honest["records"] if r["run_id"] == record["run_id"])


def _agreed(root: Path, relative: str = SCIENCE) -> list[str]:
    return load_stamps(root).get(relative, {}).get("records", [])


def _kind(root: Path) -> str:
    (status,) = statuses(root, load_submission_files(root)).values()
    return status.kind


def test_jobs_of_two_records_resume_until_every_record_agreed(tmp_path: Path):
    root = _board(tmp_path)
    for job in range(3):
        rerun = _Honest()
        outcome = verify(root, all_records=True, stamp=True, max_records=2, rerun_record=rerun, log=lambda _: None)
        assert outcome.reexecuted == 2 and len(rerun.calls) == 2 and not set(rerun.calls) & set(_agreed(root)[:-2])
        assert len(_agreed(root)) == 2 * (job + 1)
        assert _kind(root) == ("verified" if job == 2 else "pending")
    rerun = _Honest()
    assert verify(root, all_records=True, stamp=True, rerun_record=rerun, log=lambda _: None).reexecuted == 0
    assert rerun.calls == [] and _agreed(root) == sorted(r["run_id"] for r in HONEST[SCIENCE]["records"])


def test_a_stopped_job_loses_only_the_record_in_flight(tmp_path: Path):
    root = _board(tmp_path)
    stopped = _Honest(stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        verify(root, all_records=True, stamp=True, rerun_record=stopped, log=lambda _: None)
    assert _agreed(root) == sorted(stopped.calls) and len(stopped.calls) == 3
    resumed = _Honest()
    verify(root, all_records=True, stamp=True, rerun_record=resumed, log=lambda _: None)
    assert sorted(resumed.calls + stopped.calls) == sorted(r["run_id"] for r in HONEST[SCIENCE]["records"])
    assert _kind(root) == "verified"


def test_paths_name_the_files_and_the_rest_wait(tmp_path: Path):
    root = _board(tmp_path, (SCIENCE, MATH))
    rerun = _Honest()
    outcome = verify(root, all_records=True, paths=[root / "tiny" / "math"], rerun_record=rerun, log=lambda _: None)
    assert list(outcome.agreed) == [MATH] and len(rerun.calls) == 6
    assert set(rerun.calls) == {r["run_id"] for r in HONEST[MATH]["records"]}
    # Nothing was stamped: math's six again (files go in path order), then the budget is spent and science waits.
    budget = verify(root, all_records=True, max_records=6, rerun_record=_Honest(), log=lambda _: None)
    assert (budget.reexecuted, list(budget.agreed), budget.postponed) == (6, [MATH], [SCIENCE])
    with pytest.raises(ValueError, match="not inside"):
        verify(root, paths=[tmp_path], rerun_record=rerun, log=lambda _: None)


def test_a_rerun_gets_this_machines_data_and_the_protocols_threads(tmp_path: Path):
    root = _board(tmp_path)
    protocol = root.parent / "protocol.yaml"
    protocol.write_text(
        protocol.read_text().replace("precision: [32-true], threads: 1", "precision: [32-true], threads: 3")
    )
    rerun = _Honest()
    verify(root, max_records=1, all_records=True, data_dir=tmp_path / "data", rerun_record=rerun, log=lambda _: None)
    assert rerun.here == [rerun_module.Here(tmp_path / "data", 3)]


def test_a_record_that_read_task_data_needs_this_machines_copy(tmp_path: Path):
    record = {
        "run_id": "smol-run",
        "config": {"seed": 0, "output_dir": "/theirs/runs", "task": {"data_dir": "/theirs"}},
    }
    with pytest.raises(rerun_module.RerunFailed, match="read its task data from /theirs: name this machine's copy"):
        rerun_module.rerun(record, tmp_path / "out", 10.0, tmp_path / "cache")
    assert not (tmp_path / "out").exists()  # refused before anything ran
    config = rerun_module.rerun_config(record, tmp_path / "data")
    assert config == {"seed": 0, "task": {"data_dir": str(tmp_path / "data")}}


def test_a_bf16_record_is_refused_where_bf16_is_emulated(tmp_path: Path, monkeypatch):
    from razorbench.util import hardware

    record = {"run_id": "smol-run", "config": {"trainer": {"precision": "bf16-mixed"}}, "provenance": {"device": "cpu"}}
    monkeypatch.setattr(hardware, "native_bf16", lambda accelerator: False)
    with pytest.raises(rerun_module.RerunFailed, match="trained in bf16-mixed on cpu, which this machine does not"):
        rerun_module.rerun(record, tmp_path / "out", 10.0, tmp_path / "cache")
    assert not (tmp_path / "out").exists()


def test_the_command_runs_a_job(tmp_path: Path, monkeypatch, capsys):
    root = _board(tmp_path, (SCIENCE, MATH))
    monkeypatch.chdir(tmp_path)
    rerun = _Honest()
    monkeypatch.setattr(rerun_module, "rerun", rerun)
    assert main(["leaderboard", "verify", "--max-records", "2"]) == 2
    assert "--max-records 2: at least 1, with --all" in capsys.readouterr().err
    job = ["leaderboard", "verify", "--stamp", "--all", "--max-records", "2", "--data-dir", "data"]
    assert main([*job, "leaderboard/submissions/tiny/math"]) == 0
    assert "2 record(s) re-executed" in " ".join(capsys.readouterr().out.split())  # the console wraps lines
    assert len(_agreed(root, MATH)) == 2 and _agreed(root, SCIENCE) == []
    assert rerun.here[0].data_dir == (tmp_path / "data").resolve()
