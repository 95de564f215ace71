import json

import pytest

from razorbench.runner.record_schema import check_finite, validate_record
from razorbench.util.atomic import write_json_atomic


def test_atomic_write_leaves_no_temporary_and_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "record.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"a": float("nan")})  # json refuses NaN -> nothing replaced
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_check_finite_names_the_field():
    with pytest.raises(ValueError, match=r"record.metrics.kl"):
        check_finite({"metrics": {"kl": float("inf")}})


def _record():
    return {
        "schema_version": 1,
        "run_id": "r",
        "track": "tiny",
        "task": "science",
        "method": "rl",
        "base_model": {"name": "m", "sha256": "x"},
        "config": {},
        "provenance": {},
        "metrics": {
            "new_task_accuracy": 0.5,
            "base_new_task_accuracy": 0.2,
            "forgetting": 0.0,
            "prior_scores": {"arithmetic": {"base": 0.9, "final": 0.8}},
            "forward_kl": 0.1,
            "forward_kl_per_token": 0.01,
        },
    }


def test_validate_record_accepts_a_full_record_and_names_what_is_wrong():
    validate_record(_record())
    bad = _record()
    bad["metrics"]["new_task_accuracy"] = 1.5
    with pytest.raises(ValueError, match="new_task_accuracy"):
        validate_record(bad)
    bad = _record()
    del bad["metrics"]["forward_kl"]
    with pytest.raises(ValueError, match="forward_kl"):
        validate_record(bad)


def test_checker_counts_read_new_records_and_those_written_before_the_rename():
    """`method_stats.checker` (was `method_stats.verifier`): a leaderboard submission of the old name still reads."""
    from pathlib import Path

    from razorbench.runner.record_schema import checker_counts

    counts = {"science": {"responses": 3, "timeouts": 0, "failures": 0, "timeout_seconds": 1.0, "seconds": 0.1}}
    assert checker_counts({"method_stats": {"checker": counts}}) == counts
    assert checker_counts({"method_stats": {"verifier": counts}}) == counts
    assert checker_counts({"method_stats": {}}) == {} == checker_counts({})
    submission = Path(__file__).parents[2] / "leaderboard" / "submissions" / "tiny" / "tool" / "rl.json"
    if submission.is_file():
        record = json.loads(submission.read_text())["records"][0]
        assert "verifier" in record["method_stats"] and checker_counts(record)["tool"]["responses"] > 0
