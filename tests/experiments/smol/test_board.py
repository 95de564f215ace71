"""The smol board: its protocol is the pre-registered claims sweep's (base model, hardware, evaluation, grid and
targets as the records have them), the seed entries are made from the sweep's kept records and validate, a sweep
not finished is refused, and the pages show the board with each entry pending until it is re-executed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from experiments.smol import board
from experiments.smol import claims_plan as claims
from razorbench.leaderboard.pages import build
from razorbench.leaderboard.protocol import config_value, load_protocol
from razorbench.leaderboard.validation import load_submission_files, validate

REPO = Path(__file__).resolve().parents[3]
PROTOCOL = load_protocol(REPO / "leaderboard" / "protocol.yaml").task("smol", "arith1-number")
RECORDS = claims.load_records()


def test_the_protocol_states_what_the_sweeps_records_hold():
    assert RECORDS, "the sweep has kept records"
    for r in RECORDS:
        assert r["base_model"]["sha256"] == PROTOCOL.base_model["sha256"]
        assert r["provenance"]["device"] in PROTOCOL.hardware["device"]
        assert r["config"]["trainer"]["precision"] in PROTOCOL.hardware["precision"]  # "auto", as it resolved
        for key, value in PROTOCOL.evaluation.items():
            assert config_value(r["config"], key) == value, (r["run_id"], key)
        assert r["config"]["trainer"]["max_steps"] == PROTOCOL.budget(r["method"])
        assert r["config"]["curve"]["every"] == 0 == PROTOCOL.curve_points  # no curve points
    for method in claims.METHODS:
        yaml_steps = yaml.safe_load((REPO / "tasks" / "smol" / "methods" / f"{method}.yaml").read_text())
        assert PROTOCOL.method_grid(method, 0.0) == (list(claims.LRS[method]), yaml_steps["trainer"]["max_steps"])
    assert PROTOCOL.learning_rates == 4 and PROTOCOL.seeds == len(claims.SEEDS)


def test_the_targets_are_the_rule_on_the_finished_sweep():
    from razorbench.leaderboard.targets import task_targets

    assert len(RECORDS) == len(claims.ORDER)  # every run of the plan kept
    (result,) = task_targets(RECORDS).values()
    assert tuple(result["targets"]) == PROTOCOL.targets


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory) -> Path:
    """A leaderboard folder (the repository's protocol) holding the seed entries made from the sweep's records."""
    root = tmp_path_factory.mktemp("board")
    (root / "leaderboard").mkdir()
    shutil.copy(REPO / "leaderboard" / "protocol.yaml", root / "leaderboard" / "protocol.yaml")
    written = board.write_entries(claims.RECORDS, root / "leaderboard" / "submissions")
    assert [p.name for p in written] == ["sft.json", "rl.json", "oracle-sft.json"]
    return root / "leaderboard"


def test_the_seed_entries_carry_every_run_and_validate(board_dir: Path):
    assert validate([board_dir / "submissions"]) == []
    for path, sub in load_submission_files(board_dir / "submissions").items():
        method = path.stem
        assert (sub["track"], sub["task"], sub["name"], sub["authors"]) == (
            "smol",
            "arith1-number",
            method,
            board.AUTHORS,
        )
        assert sorted(r["run_id"] for r in sub["records"]) == sorted(board.manifest(method)["runs"])
        assert all(r["items"]["priors"] and r["items"]["new_task"] for r in sub["records"])  # per-item results kept


def test_a_sweep_not_finished_is_refused_naming_a_run(tmp_path: Path, board_dir: Path):
    records = shutil.copytree(claims.RECORDS, tmp_path / "records")
    claims.record_path("rl", claims.LRS["rl"][0], 2, records).unlink()
    (tmp_path / "leaderboard").mkdir()
    shutil.copy(board_dir / "protocol.yaml", tmp_path / "leaderboard" / "protocol.yaml")
    with pytest.raises(
        ValueError, match=r"sweep rl/arith1-number has 1 run\(s\) without a record \(e.g. 'rl_lr-3e-06_seed-2'\)"
    ):
        board.write_entries(records, tmp_path / "leaderboard" / "submissions")
    assert not (tmp_path / "leaderboard" / "submissions").exists()  # nothing written, not even sft's


def test_the_pages_show_the_smol_board_pending(board_dir: Path):
    written = build(board_dir / "submissions", board_dir)
    readme = (board_dir / "README.md").read_text()
    assert "## smol / arith1-number" in readme and "Base model SmolLM2-135M-Instruct" in readme
    assert "precision bf16-mixed, 2 threads" in readme and "no curve points asked for" in readme
    for method in claims.METHODS:
        assert f"| {method} | {method} | pending (0 of 12 records re-executed and agreed) | kept |" in readme
    assert "smol / arith1-number" in (board_dir / "index.html").read_text()
    assert {p.name for p in written} >= {"smol-arith1-number-frontier.svg", "smol-arith1-number-kl.svg"}
