"""Re-executing submissions: a consistent forgery of a real submission passes validation and is refused by verify,
naming the file, the record and the metric; a faithful rerun passes; the tolerance cannot move a rank; stamps,
unverifiable methods and the draw. The slow test runs `razorbench leaderboard verify` itself on real records. The
pull-request path is tests/leaderboard/test_pull_request.py, every-record stamping test_verify_all.py."""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import pytest

from razorbench.leaderboard.ranking import standings
from razorbench.leaderboard.stamps import file_sha256, load_stamps, save_stamps
from razorbench.leaderboard.validation import load_submissions, validate
from razorbench.leaderboard.verify import RELATIVE, disagreements, verify

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
# A real submission that forgets (protocol v1, archived; ~50 s a record on the seed machine).
REAL = "tiny/science/sft-v1.json"


def forge(submission: dict) -> dict:
    """The forgery of issue 34: every record's final prior scores set to the base's, per-prior forgetting and
    forgetting 0, and every curve point's prior scores aligned to step 0's."""
    forged = copy.deepcopy(submission)
    for r in forged["records"]:
        m = r["metrics"]
        for s in m["prior_scores"].values():
            s["final"] = s["base"]
        m["forgetting_per_prior"] = {name: 0.0 for name in m["prior_scores"]}
        m["forgetting"] = 0.0
        start = next(p for p in r["curve"] if p["step"] == 0)
        for p in r["curve"]:
            p["prior_scores"] = dict(start["prior_scores"])
            p["forgetting"] = 0.0
    return forged


def _board(tmp_path: Path, files: dict[str, dict]) -> Path:
    """A leaderboard folder with the repository's protocol and `files` (relative path -> submission)."""
    root = tmp_path / "leaderboard" / "submissions"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_LEADERBOARD / "protocol.yaml", root.parent / "protocol.yaml")
    for relative, sub in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(json.dumps(sub))
    return root


def _real() -> dict:
    return json.loads((REPO_LEADERBOARD / "submissions" / REAL).read_text())


def _faithful(record: dict, *_) -> dict:
    """A rerun that reproduces the real record: what the repository's code gives (the slow test runs it)."""
    real = next(r for r in _real()["records"] if r["run_id"] == record["run_id"])
    return copy.deepcopy(real)


def test_a_consistent_forgery_passes_validation_and_is_refused(tmp_path: Path):
    real = _real()
    root = _board(tmp_path, {REAL: real, "tiny/science/forged.json": {**forge(real), "name": "forged"}})
    assert validate([root]) == []  # its arithmetic is consistent: validation cannot see it
    outcome = verify(root, rng=random.Random(0), rerun_record=_faithful, archived=True, log=lambda _: None)
    assert list(outcome.agreed) == [REAL] and list(outcome.disagreed) == ["tiny/science/forged.json"]
    assert outcome.problems and all(p.file.endswith("forged.json") for p in outcome.problems)
    first = str(outcome.problems[0])
    assert "forged.json: records[" in first and "].metrics.prior_scores." in first and "must agree exactly" in first
    fields = {p.field.split("].", 1)[1] for p in outcome.problems}
    assert {"metrics.forgetting", "metrics.forgetting_per_prior.arithmetic"} <= fields
    assert any(".curve[" in p.field and "prior_scores" in p.field for p in outcome.problems)


def test_the_tolerance_cannot_move_a_rank():
    """Every continuous metric 0.9·RELATIVE off passes; one prior item (1/200) or one accuracy sample off is
    refused. Ranks are made of accuracy and prior scores only, which are compared exactly, and standings do not
    move when every accepted deviation is applied."""
    real = _real()
    record = real["records"][0]
    near = copy.deepcopy(record)
    for key in ("forward_kl", "forward_kl_per_token", "reverse_kl", "total_variation_per_token", "weight_l2"):
        near["metrics"][key] *= 1 + 0.9 * RELATIVE
    assert disagreements(record, near, "records[0]") == []
    far = copy.deepcopy(near)
    far["metrics"]["forward_kl"] = record["metrics"]["forward_kl"] * (1 + 2 * RELATIVE)
    assert [f for f, _ in disagreements(record, far, "records[0]")] == ["records[0].metrics.forward_kl"]
    one_item = copy.deepcopy(record)
    one_item["metrics"]["prior_scores"]["capitals"]["final"] -= 1 / 200
    assert [f for f, _ in disagreements(record, one_item, "records[0]")] == [
        "records[0].metrics.prior_scores.capitals.final"
    ]
    one_sample = copy.deepcopy(record)
    one_sample["metrics"]["new_task_accuracy"] += 1 / 800  # 200 prompts × 4 samples
    assert disagreements(record, one_sample, "records[0]")


def test_a_record_kept_at_six_digits_agrees_with_its_rerun_and_no_count_hides_in_the_rounding(tmp_path: Path):
    """The smol seed entries are records kept in git (6 significant digits): the rerun's full values agree with
    them; one prior item or one accuracy sample off does not."""
    from razorbench.util.compact_record import keep_record, read_kept

    record = _real()["records"][0]
    keep_record(tmp_path / "kept.json.gz", record)
    kept = read_kept(tmp_path / "kept.json.gz")
    assert kept["metrics"] != record["metrics"]  # rounded: 1/3 of 200 items is no longer what the rerun computes
    assert disagreements(kept, record, "records[0]") == []
    one_item = copy.deepcopy(record)
    one_item["metrics"]["prior_scores"]["capitals"]["final"] -= 1 / 200
    one_sample = copy.deepcopy(record)
    one_sample["metrics"]["new_task_accuracy"] += 1 / 800
    assert [f for f, _ in disagreements(kept, one_item, "records[0]")] == [
        "records[0].metrics.prior_scores.capitals.final"
    ]
    assert [f for f, _ in disagreements(kept, one_sample, "records[0]")] == ["records[0].metrics.new_task_accuracy"]


def test_accepted_deviations_leave_the_standings_as_they_are(tmp_path: Path):
    from razorbench.leaderboard.protocol import load_protocol

    protocol = load_protocol(REPO_LEADERBOARD / "protocol.yaml")
    subs = [s for s in load_submissions(REPO_LEADERBOARD / "submissions") if s["task"] == "science"]
    before = standings(subs, protocol)
    for sub in subs:
        for r in sub["records"]:
            for p in [r["metrics"], *r.get("curve", [])]:
                for key in ("forward_kl", "forward_kl_per_token", "reverse_kl"):
                    p[key] *= 1 + 0.9 * RELATIVE
    after = standings(subs, protocol)

    def ranks(groups: list[dict]) -> list:
        return [[(r["name"], r.get("rank"), r.get("letters")) for r in t["rows"]] for g in groups for t in g["targets"]]

    assert ranks(after) == ranks(before)


def test_stamps_unverifiable_methods_and_the_draw(tmp_path: Path):
    real = _real()
    outside = {**copy.deepcopy(real), "name": "outside"}
    outside["method"]["name"] = "a-trl-method"
    for r in outside["records"]:
        r["method"] = "a-trl-method"
    for s in outside["sweeps"]:
        s["method"] = "a-trl-method"
    root = _board(tmp_path, {REAL: real, "tiny/science/outside.json": outside})
    drawn: list[str] = []

    def rerun(record, *_):
        drawn.append(record["run_id"])
        return _faithful(record, *_)

    outcome = verify(root, records=2, rng=random.Random(1), rerun_record=rerun, archived=True, log=lambda _: None)
    assert outcome.problems == [] and outcome.unverifiable == ["tiny/science/outside.json"]
    assert len(set(drawn)) == 2 and sorted(outcome.agreed[REAL]["records"]) == sorted(drawn)
    # Two records of three agreed: recorded, the file is not verified yet, so it is re-executed again; once every
    # record agreed (--all runs only the one left), it is not; a changed file is, from scratch.
    save_stamps(root, outcome.agreed)
    drawn.clear()
    rest = verify(root, all_records=True, rerun_record=rerun, archived=True, log=lambda _: None)
    assert len(drawn) == 1 and len(rest.agreed[REAL]["records"]) == len(real["records"])
    save_stamps(root, rest.agreed)
    assert verify(root, rerun_record=rerun, archived=True, log=lambda _: None).agreed == {}
    (root / REAL).write_text(json.dumps({**real, "authors": "edited"}))
    assert list(verify(root, rerun_record=rerun, archived=True, log=lambda _: None).agreed) == [REAL]
    # Without `archived`, a file of an archived protocol version (the seed entries: v1) is left as it is.
    skipped = verify(root, rerun_record=rerun, log=lambda _: None)
    assert skipped.agreed == {} and skipped.archived == ["tiny/science/outside.json", REAL]


@pytest.mark.slow
def test_cli_verify_reruns_real_records(tmp_path: Path, monkeypatch, capsys):
    """The command CI runs, on a real submission and its forgery: the forgery refused naming the file, a record and
    a metric; then the real file alone passes every record (the maintainer's `--stamp --all`) and is stamped."""
    from razorbench.cli import main

    real = _real()
    root = _board(tmp_path, {"tiny/science/forged.json": {**forge(real), "name": "forged"}})
    monkeypatch.chdir(tmp_path)
    assert main(["leaderboard", "verify", "--archived"]) == 1
    err = capsys.readouterr().err
    assert "forged.json: records[" in err and "must agree exactly" in err
    (root / "tiny/science/forged.json").unlink()
    (root / REAL).parent.mkdir(parents=True, exist_ok=True)
    (root / REAL).write_text(json.dumps(real))
    assert main(["leaderboard", "verify", "--archived", "--stamp", "--all"]) == 0
    stamp = load_stamps(root)[REAL]
    assert stamp["sha256"] == file_sha256(root / REAL) and len(stamp["records"]) == len(real["records"])
