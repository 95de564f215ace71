"""Validation: hostile and inconsistent submissions rejected, each problem named by file and field; the
repository's seed submissions pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from razorbench.leaderboard.validation import MAX_FILE_BYTES, InvalidSubmissions, load_submissions, validate

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"


def good(root: Path) -> dict:
    return json.loads((root / "tiny/science/good.json").read_text())


def put(root: Path, data: dict, name: str = "bad", folder: str = "tiny/science") -> Path:
    path = root / folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**data, "name": name}
    path.write_text(json.dumps(data))
    return path


def problems_of(root: Path, path: Path) -> list[str]:
    return [str(p) for p in validate([path], root=root)]


def test_bad_schema_is_rejected_by_field(submissions: Path):
    data = good(submissions)
    del data["records"]
    assert problems_of(submissions, put(submissions, data)) == [
        f"{submissions}/tiny/science/bad.json: (top level): 'records' is a required property"
    ]
    data = good(submissions)
    data["link"] = "javascript:alert(1)"
    (problem,) = problems_of(submissions, put(submissions, data))
    assert ": link: 'javascript:alert(1)' does not match" in problem


def test_out_of_range_numbers_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["metrics"]["new_task_accuracy"] = 1.5
    data["records"][0]["metrics"]["forward_kl"] = -0.5
    assert [p.split(": ", 1)[1] for p in problems_of(submissions, put(submissions, data))] == [
        "records[0].metrics.forward_kl: -0.5 is less than the minimum of -1e-06",
        "records[1].metrics.new_task_accuracy: 1.5 is greater than the maximum of 1",
    ]


def test_nan_and_infinity_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][0]["metrics"]["forward_kl"] = float("nan")
    data["records"][1]["metrics"]["prior_scores"]["capitals"]["final"] = float("inf")
    problems = problems_of(submissions, put(submissions, data))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "records[0].metrics.forward_kl: nan is not a finite number",
        "records[1].metrics.prior_scores.capitals.final: inf is not a finite number",
    ]


def test_duplicate_run_id_is_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["run_id"] = data["records"][0]["run_id"]
    data["sweeps"] = []
    (problem,) = problems_of(submissions, put(submissions, data))
    assert problem.endswith("records[1].run_id: 'lr-0.0001_seed-0' duplicates records[0]")


def test_mixed_tracks_and_versions_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["track"] = "paper"
    data["records"][0]["provenance"]["razorbench_version"] = "0.2.0"
    problems = problems_of(submissions, put(submissions, data))
    assert any("records[1].track: 'paper', but the submission is track 'tiny'" in p for p in problems)
    assert any(
        "records[0].provenance.razorbench_version: '0.2.0'" in p and "versions must agree" in p for p in problems
    )
    # A submission in the wrong folder, or evaluated unlike the others of its track and task.
    data = good(submissions)
    assert any(
        "track: 'tiny', but the file is under submissions/paper/science/" in p
        for p in problems_of(submissions, put(submissions, data, folder="paper/science"))
    )
    data = good(submissions)
    for r in data["records"]:
        r["config"]["eval"]["prior_limit"] = 200
    other = put(submissions, data, name="other")
    assert f"{other}: records[0].config.eval.prior_limit: 200, but protocol v1 evaluates with 10" in [
        str(p) for p in validate([submissions])
    ]


def test_recomputation_mismatch_is_rejected(submissions: Path):
    data = good(submissions)
    # Its priors did not move: forgetting is 0. 1e-5 is above what 6 significant digits of rounding explain.
    data["records"][0]["metrics"]["forgetting"] = 1e-5
    data["records"][3]["metrics"]["forgetting_per_prior"]["capitals"] = 0.0  # records[3]: lr 1e-3, seed 0
    data["records"][3]["per_example"] = {"new_task": {"final": {"a": 0.0, "b": 0.0}}}
    assert [p.split(": ", 1)[1] for p in problems_of(submissions, put(submissions, data))] == [
        "records[0].metrics.forgetting: 1e-05, but the mean over priors of base - final is 0.0",
        "records[3].metrics.forgetting_per_prior.capitals: 0.0, but base - final = 0.09999999999999998",
        "records[3].metrics.new_task_accuracy: 0.5, but the mean of per_example is 0.0",
    ]


def test_path_traversal_and_symlinks_are_rejected(submissions: Path, tmp_path: Path):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(good(submissions)))
    (submissions / "tiny/science/link.json").symlink_to(outside)
    (submissions / "tiny/linked").symlink_to(tmp_path / "runs", target_is_directory=True)
    problems = [str(p) for p in validate([submissions])]
    assert any(
        p.endswith("link.json: (path): tiny/science/link.json is a symbolic link: submissions are plain files")
        for p in problems
    )
    assert any(p.endswith("tiny/linked: (path): a symbolic link: submissions are plain files") for p in problems)
    sneaky = submissions / "tiny" / "science" / ".." / ".." / ".." / ".." / "outside.json"
    assert [str(p) for p in validate([sneaky])] == [
        f"{sneaky}: (path): contains '..': name submissions by plain paths inside submissions/"
    ]
    assert problems_of(submissions, outside) == [f"{outside}: (path): outside the submissions folder {submissions}"]


def test_oversized_file_is_rejected(submissions: Path):
    path = submissions / "tiny/science/huge.json"
    path.write_text(json.dumps(good(submissions)) + " " * MAX_FILE_BYTES)
    assert problems_of(submissions, path) == [
        f"{path}: (file): {path.stat().st_size} bytes; the limit is {MAX_FILE_BYTES} (drop per_example maps)"
    ]


def test_non_json_files_are_rejected(submissions: Path):
    (submissions / "tiny/science/run.py").write_text("import os\n")
    (submissions / "tiny/science/broken.json").write_text('{"name": "broken",')
    (submissions / "tiny/science/twice.json").write_text('{"name": "a", "name": "b"}')
    problems = [str(p) for p in validate([submissions])]
    assert any(
        p.endswith("run.py: (file): not a .json file: submissions/ holds data only, one JSON file per submission")
        for p in problems
    )
    assert any("broken.json: (file): not valid JSON: Expecting" in p for p in problems)
    assert any("twice.json: (file): not valid JSON: key 'name' appears twice in one object" in p for p in problems)
    with pytest.raises(InvalidSubmissions, match="broken.json"):
        load_submissions(submissions)


def test_repository_submissions_validate():
    """Whatever the repository holds conforms to its protocol (none until the seed entries of SEEDS.md are made)."""
    root = REPO_LEADERBOARD / "submissions"
    assert validate([root]) == [] if root.is_dir() else not list(REPO_LEADERBOARD.glob("submissions/**/*.json"))
