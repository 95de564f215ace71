"""What a protocol may say: "no curve points" (curve_points 0) and the threads runs are made with, each parsed with a
one-line error naming a bad value; its evaluation settings as run overrides that read back as the same values."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from razorbench.leaderboard.protocol import ProtocolError, grid_problems, parse_protocol


@pytest.fixture
def fixture_yaml(protocol) -> dict:
    """The leaderboard fixtures' protocol file, parsed as YAML."""
    return yaml.safe_load(Path(protocol.path).read_text())


def _data(fixture_yaml: dict, **hardware) -> dict:
    data = copy.deepcopy(fixture_yaml)
    data["tracks"]["tiny"]["hardware"].update(hardware)
    return data


def _grid(data: dict) -> dict:
    return data["tracks"]["tiny"]["tasks"]["science"]["grid"]


def test_threads_default_to_one_and_a_bad_count_is_refused_by_name(fixture_yaml):
    assert parse_protocol(_data(fixture_yaml)).task("tiny", "science").threads == 1
    assert parse_protocol(_data(fixture_yaml, threads=2)).task("tiny", "science").threads == 2
    for bad in (0, 1.5, "2", True):
        with pytest.raises(ProtocolError, match=rf"tracks\.tiny\.hardware\.threads: {bad!r}; a whole number"):
            parse_protocol(_data(fixture_yaml, threads=bad))


def test_curve_points_zero_asks_for_none_and_negative_is_refused(fixture_yaml):
    data = _data(fixture_yaml)
    _grid(data)["curve_points"] = 0
    p = parse_protocol(data).task("tiny", "science")
    assert (p.curve_points, p.curve_every(10)) == (0, 0)
    _grid(data)["curve_points"] = -1
    with pytest.raises(ProtocolError, match=r"grid\.curve_points: -1; 0 \(none asked for\) or more"):
        parse_protocol(data)


def _submission(every: int, lrs: tuple[float, ...] = (1e-4, 1e-3)) -> dict:
    config = {"optim": {"lr": 0.0}, "trainer": {"max_steps": 10}, "curve": {"every": every}}
    records = [copy.deepcopy({"config": config}) for _ in lrs]
    for r, lr in zip(records, lrs, strict=True):
        r["config"]["optim"]["lr"] = lr
    return {"method": {"name": "sft"}, "records": records}


def test_the_curve_rule_with_and_without_curve_points(fixture_yaml):
    data = _data(fixture_yaml)
    spaced = parse_protocol(data).task("tiny", "science")  # curve_points 2: a point every 5 steps or more often
    assert grid_problems(_submission(5), spaced) == []
    (problem,) = grid_problems(_submission(0), spaced)
    assert problem == (
        "records[0].config.curve.every",
        "None; protocol v1 asks for a curve point every 5 steps or more often",
    )
    _grid(data)["curve_points"] = 0
    none = parse_protocol(data).task("tiny", "science")
    assert grid_problems(_submission(0), none) == [] == grid_problems(_submission(5), none)
    # The rest of the grid still holds without curve points: the rates and the budget.
    assert grid_problems(_submission(0, lrs=(1e-4, 1e-4)), none)[0][1].startswith("1 learning rate(s)")


def test_the_evaluation_settings_read_back_as_a_run_reads_its_overrides(fixture_yaml):
    from omegaconf import OmegaConf

    data = _data(fixture_yaml)
    evaluation = data["tracks"]["tiny"]["tasks"]["science"]["evaluation"]
    evaluation.update({"eval.prior_limits": {"capitals": 180, "copa": 100}, "task.prior_chat_template": False})
    p = parse_protocol(data).task("tiny", "science")
    read = OmegaConf.to_container(OmegaConf.from_dotlist(p.overrides()))
    for key, value in p.evaluation.items():
        section, name = key.split(".", 1)
        assert read[section][name] == value, key
