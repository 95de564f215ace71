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
