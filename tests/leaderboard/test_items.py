"""Per-item results packed in a submission (razorbench/leaderboard/items.py): they decode to the scores they were
packed from, stay small, are refused by validation where they do not average to the record's scores, and a rerun
that scores other items the same on average is refused by verify."""

from __future__ import annotations

import copy
import random

import numpy as np

from razorbench.leaderboard.agreement import disagreements
from razorbench.leaderboard.items import check, differences, pack, pack_task, scores
from razorbench.leaderboard.record_checks import check_records


def _binary(n: int, rng: random.Random) -> dict[str, float]:
    return {f"item-{i}": float(rng.random() < 0.9) for i in range(n)}


def test_packed_items_decode_to_what_was_packed_and_stay_small():
    rng = random.Random(0)
    base, final = _binary(200, rng), _binary(200, rng)
    task = pack_task(base, final)
    assert task["n"] == 200 and task["levels"] == 1 and len(task["final"]) == 36  # 200 bits: 25 bytes, base64
    ids = sorted(final)
    assert list(scores(task, "final")) == [final[i] for i in ids]
    assert list(scores(task, "base")) == [base[i] for i in ids]
    # A new-task prompt's accuracy over 4 samples: 3 bits each.
    prompts = {f"p{i}": rng.randrange(5) / 4 for i in range(200)}
    task = pack_task(prompts, prompts)
    assert task["levels"] == 4 and len(task["final"]) == 100
    assert np.allclose(scores(task, "final"), [prompts[i] for i in sorted(prompts)])
    # Scores on no grid of at most 255 levels, or base and final on other items, are not packed.
    assert pack_task({"a": 0.123456}, {"a": 0.654321}) is None and pack_task({"a": 1.0}, {"b": 1.0}) is None
    assert pack({"priors": {"x": {"base": {"a": 0.123456}, "final": {"a": 0.5}}}}) is None


def _record(make_record) -> dict:
    """A record whose packed items average to its scores: arithmetic 7 of 10 right (base 8), capitals 9 (base 10)."""
    record = make_record("r", acc=0.5, finals=(0.7, 0.9), kl=1.0, items=10)
    arithmetic = {f"a{i}": float(i < 7) for i in range(10)}
    capitals = {f"c{i}": float(i < 9) for i in range(10)}
    record["per_example"] = {
        "new_task": {"base": {"p": 0.2, "q": 0.2}, "final": {"p": 0.5, "q": 0.5}},
        "priors": {
            "arithmetic": {"base": {f"a{i}": float(i < 8) for i in range(10)}, "final": arithmetic},
            "capitals": {"base": {f"c{i}": 1.0 for i in range(10)}, "final": capitals},
        },
    }
    record["items"] = pack(record.pop("per_example"))
    return record


def test_validation_refuses_items_that_do_not_average_to_the_scores(make_record):
    record = _record(make_record)
    assert check(record, "records[0]") == []
    sub = {"track": "tiny", "task": "science", "method": {"name": "sft"}, "base_model": record["base_model"]}
    assert check_records({**sub, "razorbench_version": "0.1.0", "records": [record]}, "f") == []
    bad = copy.deepcopy(record)
    bad["items"]["priors"]["arithmetic"]["final"] = bad["items"]["priors"]["arithmetic"]["base"]  # 8 right, not 7
    ((field, reason),) = check(bad, "records[0]")
    assert field == "records[0].items.priors.arithmetic.final" and "items average 0.8" in reason
    stray = copy.deepcopy(record)
    stray["items"]["priors"]["capitals"]["n"] = 9
    assert [f for f, _ in check(stray, "records[0]")] == ["records[0].items.priors.capitals.n"]


def test_verify_refuses_a_rerun_that_scores_other_items_alike(make_record):
    record = _record(make_record)
    rerun = copy.deepcopy(record)
    assert disagreements(record, rerun, "records[0]") == []
    # The rerun gets a0 wrong and a7 right: the same score, other items.
    theirs = {f"a{i}": float(i != 0 and i < 8) for i in range(10)}
    base = {f"a{i}": float(i < 8) for i in range(10)}
    rerun["items"]["priors"]["arithmetic"] = pack_task(base, theirs)
    assert [(f, r) for f, r in differences(record["items"], rerun["items"], "records[0]")] == [
        ("records[0].items.priors.arithmetic.final", "2 of 10 items differ from the rerun's")
    ]
    assert [f for f, _ in disagreements(record, rerun, "records[0]")] == ["records[0].items.priors.arithmetic.final"]
