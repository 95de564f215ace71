"""`python -m razorbench.leaderboard.estimate`: a board's time from a reproduction's records, hand-computed on small
records, and from the tiny reproduction's kept records; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from razorbench.leaderboard import estimate

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "experiments" / "tiny" / "reproduce" / "records"


def record(task: str, method: str, lr: float, steps: int, start: float, end: float, every: int = 0) -> dict:
    """A record as the estimate reads it; each evaluated point cost it 1.5 + 0.25 + 0.25 = 2 s."""
    return {
        "task": task,
        "method": method,
        "config": {"optim": {"lr": lr}, "trainer": {"max_steps": steps}, "curve": {"every": every}},
        "provenance": {
            "start": start,
            "end": end,
            "wall_seconds": end - start,
            "timings": {"final_eval": 1.5, "kl": 0.25, "drift": 0.25, "training": end - start - 2},
        },
    }


def test_a_measured_run_is_the_median_of_its_seeds():
    runs = [
        record("math", "sft", 3e-4, 100, 0, 20),
        record("math", "sft", 3e-4, 100, 0, 22),
        record("math", "sft", 3e-4, 100, 0, 500),  # paused: the median ignores it
        record("math", "sft", 1e-4, 100, 0, 99),  # another rate
    ]
    assert estimate.run_seconds(runs, "math", "sft", 3e-4, 100) == (22, "measured")


def test_curve_points_the_records_lack_add_their_evaluation_time():
    runs = [record("math", "rl", 1e-4, 90, 0, 60, every=30)]  # points at 30 and 60 besides 0 and 90
    # every 15: points at 15, 30, 45, 60, 75, so 3 more at 2 s each
    assert estimate.run_seconds(runs, "math", "rl", 1e-4, 90, every=15) == (66, "measured, +3 curve points")
    assert estimate.run_seconds(runs, "math", "rl", 1e-4, 90, every=0) == (56, "measured, -2 curve points")


def test_a_run_the_records_lack_is_scaled_per_step_from_its_task():
    runs = [
        record("math", "rl", 1e-4, 100, 0, 20),
        record("math", "sft", 3e-4, 50, 0, 30),
        record("tool", "sft", 3e-4, 100, 0, 999),  # another task: not read
    ]
    # 70 steps: 20 / 100 * 70 = 14 and 30 / 50 * 70 = 42, median 28
    assert estimate.run_seconds(runs, "math", "dpo", 1e-4, 70) == pytest.approx((28, "scaled"))
    with pytest.raises(ValueError, match="no run of task 'science'"):
        estimate.run_seconds(runs, "science", "sft", 3e-4, 100)


def test_the_overlap_is_wall_clock_against_summed_time_per_process():
    one_after_another = [record("a", "m", 1.0, 1, 0, 100), record("a", "m", 1.0, 1, 100, 200)]
    assert estimate.overlap(one_after_another) == 1.0  # 200 s for 200 s, one at a time
    side_by_side = [record("a", "m", 1.0, 1, 0, 100), record("a", "m", 1.0, 1, 0, 100)]
    assert estimate.overlap(side_by_side) == 1.0  # 100 s for 200 s, two at a time
    a_pause_between = [*side_by_side, record("a", "m", 1.0, 1, 1000, 1100), record("a", "m", 1.0, 1, 1050, 1150)]
    assert estimate.overlap(a_pause_between) == pytest.approx(250 / (400 / 2))  # the gap is not counted


def test_the_tiny_boards_runs_are_all_measured_from_the_kept_reproduction(capsys):
    assert estimate.main([str(KEPT), "--methods", "sft,rl", "--track", "tiny"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "measured" in line]
    assert len(rows) == 3 * 2 * 2  # science, math, tool × sft, rl × the protocol's two learning rates


def test_the_cost_page_is_the_estimate_from_the_kept_reproduction(capsys, monkeypatch):
    # docs/LEADERBOARD-COST.md is `python -m razorbench.leaderboard.estimate experiments/tiny/reproduce/records`
    monkeypatch.chdir(ROOT)
    assert estimate.main(["experiments/tiny/reproduce/records"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "LEADERBOARD-COST.md").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/no/such/folder"], "'/no/such/folder' is neither a record file nor a folder"),
        (["EMPTY"], "no records (record.json or *.json.gz) under"),
        ([str(KEPT), "--track", "nope"], "the protocol has no track 'nope'; valid: smol, tiny"),
        ([str(KEPT), "--methods", "bogus"], "unknown method 'bogus'; valid: "),
        ([str(KEPT), "--jobs", "0"], "--jobs 0: runs at once, a whole number of at least 1"),
        ([str(KEPT), "--track", "smol"], "the records hold no run of track 'smol'"),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit):
        estimate.main([str(tmp_path) if a == "EMPTY" else a for a in argv])  # EMPTY: a folder with no record
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error:" in x]
    assert message in line
