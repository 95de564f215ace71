"""The pull-request path on a local two-branch repository, through the command CI runs
(`razorbench leaderboard verify --stamps-from <target>`, .github/workflows/leaderboard-pr.yml and .ci/run): a "main"
whose verified.json stamps an honest file; a pull request that adds a forged file and a stamp for it is refused,
naming the file, before anything is re-executed; one that adds the forged file alone has a record re-executed and
is refused, naming the file and the metric; one that leaves the honest file alone passes without re-executing it.
Re-execution is replaced by a stand-in that returns the honest record (the real one takes minutes), so whether a
record agrees is decided by the real rule."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from razorbench.cli import main
from razorbench.leaderboard import rerun as rerun_module
from razorbench.leaderboard.stamps import file_sha256, load_stamps, save_stamps
from razorbench.leaderboard.status import statuses
from razorbench.leaderboard.validation import load_submission_files

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
HONEST = "tiny/science/sft.json"  # protocol v2, six records, every one of them forgets
FORGED = "tiny/science/forged.json"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> tuple[Path, list[str]]:
    """A repository whose branch main holds the honest file and a stamp of all its records; the working directory
    is its root; `rerun.rerun` records what it is asked to run and returns the honest record."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "t")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "t@t")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    root = tmp_path / "repo"
    submissions = root / "leaderboard" / "submissions"
    (submissions / HONEST).parent.mkdir(parents=True)
    shutil.copy(REPO_LEADERBOARD / "protocol.yaml", root / "leaderboard" / "protocol.yaml")
    shutil.copy(REPO_LEADERBOARD / "submissions" / HONEST, submissions / HONEST)
    honest = json.loads((submissions / HONEST).read_text())
    stamp = {"sha256": file_sha256(submissions / HONEST), "outcome": "agreed"}
    save_stamps(submissions, {HONEST: {**stamp, "records": [r["run_id"] for r in honest["records"]]}})
    _git(root, "init", "-q")
    _git(root, "symbolic-ref", "HEAD", "refs/heads/main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "main: the honest file, stamped")
    monkeypatch.chdir(root)
    calls: list[str] = []

    def stand_in(record: dict, *_) -> dict:
        calls.append(record["run_id"])
        return next(r for r in honest["records"] if r["run_id"] == record["run_id"])

    monkeypatch.setattr(rerun_module, "rerun", stand_in)
    return root, calls


def _pull_request(root: Path, branch: str, *, forged: bool, self_stamp: bool) -> None:
    """Branch `branch` off main, adding the forged file (every record forged: its final prior scores the base's,
    consistently) and, with `self_stamp`, a stamp for it in verified.json."""
    _git(root, "checkout", "-q", "-b", branch, "main")
    submissions = root / "leaderboard" / "submissions"
    if forged:
        sub = json.loads((submissions / HONEST).read_text())
        sub["name"] = "forged"
        for r in sub["records"]:
            for s in r["metrics"]["prior_scores"].values():
                s["final"] = s["base"]
            r["metrics"]["forgetting_per_prior"] = dict.fromkeys(r["metrics"]["prior_scores"], 0.0)
            r["metrics"]["forgetting"] = 0.0
            for p in r["curve"]:
                p["prior_scores"] = {n: s["base"] for n, s in r["metrics"]["prior_scores"].items()}
                p["forgetting"] = 0.0
        (submissions / FORGED).write_text(json.dumps(sub))
    else:
        (root / "NOTES.md").write_text("an unrelated change\n")
    if self_stamp:
        stamps = load_stamps(submissions)
        ids = [r["run_id"] for r in json.loads((submissions / FORGED).read_text())["records"]]
        stamps[FORGED] = {"sha256": file_sha256(submissions / FORGED), "outcome": "agreed", "records": ids}
        save_stamps(submissions, stamps)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"pull request {branch}")


def test_a_forged_file_with_a_self_stamp_is_refused_naming_it(repo, capsys):
    root, calls = repo
    _pull_request(root, "forgery-stamped", forged=True, self_stamp=True)
    assert main(["leaderboard", "verify", "--stamps-from", "main"]) == 1
    err = capsys.readouterr().err
    assert f"leaderboard/submissions/{FORGED}: (stamp): " in err and "never by a change" in err
    assert calls == []  # refused as it stands: nothing re-executed


def test_a_forged_file_without_a_stamp_is_re_executed_and_refused(repo, capsys):
    root, calls = repo
    _pull_request(root, "forgery", forged=True, self_stamp=False)
    assert main(["leaderboard", "verify", "--stamps-from", "main"]) == 1
    err = capsys.readouterr().err
    assert f"{FORGED}: records[" in err and "].metrics.prior_scores." in err and "must agree exactly" in err
    assert len(calls) == 1  # one record of the new file, none of the honest one (unchanged since main)


def test_an_honest_file_stamped_on_the_target_passes_without_re_execution(repo, capsys):
    root, calls = repo
    _pull_request(root, "unrelated", forged=False, self_stamp=False)
    assert main(["leaderboard", "verify", "--stamps-from", "main"]) == 0
    assert calls == [] and "1 unchanged since main" in " ".join(capsys.readouterr().out.split())
    submissions = root / "leaderboard" / "submissions"
    (status,) = statuses(submissions, load_submission_files(submissions)).values()
    assert status.kind == "verified"


def test_an_unknown_target_is_one_line_naming_it(repo, capsys):
    assert main(["leaderboard", "verify", "--stamps-from", "no-such-branch"]) == 2
    err = capsys.readouterr().err.strip()
    assert "'no-such-branch' is not a commit" in err and "\n" not in err
