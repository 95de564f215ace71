"""The sweep folder read as done / running / failed / pending, from synthetic folders (no run is trained here)."""

import json
import subprocess
import sys
import time

from razorbench.cli import main
from razorbench.launch.state import point_state, sweep_state, write_launch_entry
from razorbench.util.atomic import write_json_atomic


def _sweep(tmp_path, runs):
    sweep = tmp_path / "s"
    write_json_atomic(sweep / "sweep.json", {"method": "sft", "task": "t", "track": "x", "runs": runs})
    return sweep


def test_each_state_and_its_reason(tmp_path):
    sweep = _sweep(tmp_path, ["done", "failed", "killed", "crashed", "queued", "fresh"])
    write_json_atomic(sweep / "done" / "record.json", {})
    write_json_atomic(sweep / "failed" / "status.json", {"state": "failed", "reason": "x"})
    write_json_atomic(sweep / "failed" / "failure.json", {"reason": "RunFailure: non-finite loss nan at step 3"})
    write_json_atomic(sweep / "killed" / "status.json", {"state": "running", "reason": None})
    (sweep / "killed" / "run.lock").touch()
    write_launch_entry(
        sweep, "killed", launcher="local", pid=None, ended=1.0, reason="worker process killed by SIGKILL"
    )
    write_launch_entry(
        sweep, "crashed", launcher="local", ended=1.0, reason="worker process exited with status 1: boom"
    )
    write_launch_entry(sweep, "queued", launcher="slurm", job="77_4")
    states = {s.run_id: s for s in [point_state(sweep, r, {"77_4": ("PENDING", "Priority")}) for r in json.loads(
        (sweep / "sweep.json").read_text())["runs"]]}  # fmt: skip
    assert states["done"].state == "done"
    assert (states["failed"].state, states["failed"].reason) == ("failed", "RunFailure: non-finite loss nan at step 3")
    assert states["killed"].state == "failed" and states["killed"].reason.startswith(
        "interrupted: worker process killed"
    )
    assert states["crashed"].state == "failed" and "status 1: boom" in states["crashed"].reason
    assert (states["queued"].state, states["queued"].active) == ("pending", True)
    assert "slurm job 77_4 (Priority)" in states["queued"].reason
    assert (states["fresh"].state, states["fresh"].active) == ("pending", False)
    # The same job, gone from the queue without a record: failed, to be submitted again.
    left = point_state(sweep, "queued", {})
    assert left.state == "failed" and not left.active


def test_a_held_run_lock_is_running(tmp_path):
    sweep = _sweep(tmp_path, ["busy"])
    (sweep / "busy").mkdir()
    write_json_atomic(sweep / "busy" / "status.json", {"state": "running", "reason": None})
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from filelock import FileLock; l=FileLock(sys.argv[1]); l.acquire();"
         " print('held', flush=True); time.sleep(60)", str(sweep / "busy" / "run.lock")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        [state] = sweep_state(sweep)
        assert (state.state, state.active) == ("running", True)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    [state] = sweep_state(sweep)
    assert state.state == "failed" and state.reason.startswith("interrupted")


def test_status_command(tmp_path, capsys):
    sweep = _sweep(tmp_path, ["a", "b"])
    write_json_atomic(sweep / "a" / "record.json", {})
    assert main(["sweep", "--status", str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "1 done, 0 running, 0 failed, 1 pending of 2" in out and "not started" in out
    assert main(["sweep", "--status", str(tmp_path / "nowhere")]) == 2
    assert "is not a sweep folder (no sweep.json)" in capsys.readouterr().err
