"""`leaderboard make` keeps each (task, method) sweep in one folder, `<runs>/<task>/<method>`, whichever tasks a
command asks for: a rerun for one task after a run of all resumes their sweeps instead of running them again."""

from pathlib import Path

from razorbench.leaderboard import make as make_module
from razorbench.leaderboard.protocol import load_protocol

REPO_PROTOCOL = Path(__file__).resolve().parents[2] / "leaderboard" / "protocol.yaml"


def _sweep_folders(monkeypatch, tmp_path: Path, tasks: list[str]) -> set[Path]:
    """The sweep folders `make` would run and read, for `tasks` (the runs and the submissions themselves left out)."""
    from razorbench.launch import plan as plans
    from razorbench.leaderboard import submission

    seen: set[Path] = set()

    def run_sweeps(plan, data_dir, out_dir, log, **_):
        seen.update(plans.sweep_dir(plan, out_dir, t, m) for t in plan.tasks for m in plan.methods)

    def make_submission(sweep_dirs, method, **_):
        seen.update(sweep_dirs)
        return {"track": "tiny", "task": "t", "name": method}

    monkeypatch.setattr(plans, "run_sweeps", run_sweeps)
    monkeypatch.setattr(submission, "make_submission", make_submission)
    monkeypatch.setattr(submission, "write_submission", lambda sub, path: path)
    make_module.make(
        ["sft"],
        protocol=load_protocol(REPO_PROTOCOL),
        track="tiny",
        tasks=tasks,
        runs_dir=tmp_path / "runs",
        submissions_dir=tmp_path / "subs",
        log=lambda _: None,
    )
    return seen


def test_one_task_and_all_tasks_share_the_sweep_folders(monkeypatch, tmp_path):
    one = _sweep_folders(monkeypatch, tmp_path, ["math"])
    both = _sweep_folders(monkeypatch, tmp_path, ["math", "science"])
    assert one == {tmp_path / "runs" / "math" / "sft"}
    assert one < both
