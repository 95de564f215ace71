"""'Verified' means every record agreed: a file with one forged record in six is never stamped by the maintainer's
`verify --stamp --all`, wherever the forged record is, although a one-record draw passes it five times in six; the
honest file is stamped with all six records; `--stamp` alone is refused. Re-execution is replaced by a stand-in that
returns the honest record (the real one takes minutes), so agreement is decided by the real rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from razorbench.cli import main
from razorbench.leaderboard import rerun as rerun_module
from razorbench.leaderboard.stamps import file_sha256, load_stamps
from razorbench.leaderboard.status import statuses
from razorbench.leaderboard.validation import load_submission_files, validate
from razorbench.leaderboard.verify import verify

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
FILE = "tiny/science/sft.json"  # protocol v2, six records, every one of them forgets
HONEST = json.loads((REPO_LEADERBOARD / "submissions" / FILE).read_text())


def _board(tmp_path: Path, sub: dict) -> Path:
    root = tmp_path / "leaderboard" / "submissions"
    (root / FILE).parent.mkdir(parents=True)
    shutil.copy(REPO_LEADERBOARD / "protocol.yaml", root.parent / "protocol.yaml")
    (root / FILE).write_text(json.dumps(sub))
    return root


def _honest_rerun(record: dict, *_) -> dict:
    return next(r for r in HONEST["records"] if r["run_id"] == record["run_id"])


class _Draw:
    """A stand-in for the OS random source that draws record `j`."""

    def __init__(self, j: int) -> None:
        self.j = j

    def sample(self, population: range, k: int) -> list[int]:
        return [self.j]


def test_one_forged_record_in_six_is_never_stamped(tmp_path: Path, forge_record):
    for forged_at in range(6):
        forged = forge_record(HONEST, forged_at)
        assert forged["records"][forged_at]["metrics"] != HONEST["records"][forged_at]["metrics"]
        root = _board(tmp_path / str(forged_at), forged)
        if forged_at == 0:
            assert validate([root]) == []  # consistent: validation cannot see it
        outcome = verify(root, all_records=True, rerun_record=_honest_rerun, log=lambda _: None)
        assert outcome.agreed == {} and outcome.disagreed[FILE]["record"] == HONEST["records"][forged_at]["run_id"]
        assert outcome.problems and all(p.field.startswith(f"records[{forged_at}].") for p in outcome.problems)


def test_a_one_record_draw_passes_it_five_times_in_six(tmp_path: Path, forge_record):
    root = _board(tmp_path, forge_record(HONEST, 4))
    passed = [not verify(root, rng=_Draw(j), rerun_record=_honest_rerun, log=lambda _: None).problems for j in range(6)]
    assert passed == [j != 4 for j in range(6)]  # which is why a draw never stamps


def test_the_stamping_run_records_every_outcome(tmp_path: Path, forge_record, monkeypatch, capsys):
    root = _board(tmp_path, forge_record(HONEST, 3))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rerun_module, "rerun", _honest_rerun)
    assert main(["leaderboard", "verify", "--stamp"]) == 2  # a stamp needs every record
    assert "--stamp needs --all" in capsys.readouterr().err and not (root.parent / "verified.json").exists()
    assert main(["leaderboard", "verify", "--stamp", "--all"]) == 1
    stamp = load_stamps(root)[FILE]
    assert stamp["outcome"] == "disagreed" and stamp["field"].startswith("records[3].metrics.prior_scores.")
    (status,) = statuses(root, load_submission_files(root)).values()
    assert status.kind == "disagreed" and stamp["field"] in status.text
    # The honest bytes: every record re-executed, stamped, verified.
    (root / FILE).write_text(json.dumps(HONEST))
    assert main(["leaderboard", "verify", "--stamp", "--all"]) == 0
    stamp = load_stamps(root)[FILE]
    assert stamp["sha256"] == file_sha256(root / FILE)
    assert stamp["records"] == sorted(r["run_id"] for r in HONEST["records"])
    (status,) = statuses(root, load_submission_files(root)).values()
    assert status.kind == "verified"
