"""Making a submission from records: every run of a sweep, the method's source hashed, mixtures refused; and
the submitter's path on the command line (submit, validate, build, build --check)."""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
from pathlib import Path

import pytest

from razorbench.leaderboard.submission import make_submission
from razorbench.leaderboard.validation import validate


def test_make_submission_keeps_every_run_and_hashes_the_method(
    submissions: Path, tmp_path: Path, sweep, write_runs, make_record, protocol
):
    sub = json.loads((submissions / "tiny/science/good.json").read_text())
    from razorbench.api.registry import METHODS

    source = Path(inspect.getfile(METHODS.get("sft"))).read_bytes()
    assert sub["method"] == {
        "name": "sft",
        "module": "razorbench.methods.sft",
        "source_sha256": hashlib.sha256(source).hexdigest(),
    }
    assert [r["run_id"] for r in sub["records"]] == [
        f"lr-{lr}_seed-{s}" for lr in ("0.0001", "0.001") for s in range(3)
    ]
    assert sub["protocol_version"] == 1 and sub["task_versions"] == {"science": 2, "arithmetic": 2, "capitals": 1}
    assert all("per_example" not in r for r in sub["records"])
    assert sub["base_model"]["sha256"] == "ab" * 32 and sub["razorbench_version"] == "0.1.0"
    assert validate([submissions]) == []

    # A sweep folder whose manifest lists a run without a record is refused: every run, not a chosen few.
    runs = sweep(tmp_path / "partial", [(1e-4, 0.3, (0.8, 1.0), 0.1)], seeds=3)
    (runs / "sweep.json").write_text(
        json.dumps(
            {"method": "sft", "task": "science", "track": "tiny", "runs": ["lr-0.0001_seed-0", "lr-0.001_seed-0"]}
        )
    )
    with pytest.raises(ValueError, match="1 run.* without a record .*'lr-0.001_seed-0'"):
        make_submission([runs], "partial", protocol=protocol)
    with pytest.raises(ValueError, match="one method on one track"):
        make_submission(
            [
                tmp_path / "runs",
                write_runs(tmp_path / "rl", [make_record("x", acc=0.1, finals=(0.8, 1.0), kl=0.0, method="rl")]),
            ],
            "mix",
            protocol=protocol,
        )


def test_submissions_off_the_protocol_are_refused_by_submit_and_validate(
    tmp_path: Path, sweep, protocol, submissions: Path, monkeypatch, capsys
):
    """Fewer seeds, another evaluation, an old task version, another base model, another protocol version, fewer
    learning rates than the tuning budget, a run over its step budget, sparse curve points, inadmissible hardware or
    precision: each refused with its field named, by `submit` (one line) and by `leaderboard validate`."""
    from razorbench.cli import main
    from razorbench.leaderboard.validation import InvalidSubmissions

    one_seed = sweep(tmp_path / "one-seed", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)], seeds=1)
    with pytest.raises(InvalidSubmissions, match=r"records: configuration of run 'lr-0.0001_seed-0' has 1 seed"):
        make_submission([one_seed], "few", protocol=protocol)
    other_eval = sweep(tmp_path / "other-eval", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)], seeds=3)
    for f in other_eval.rglob("record.json"):
        r = json.loads(f.read_text())
        r["config"]["eval"]["kl_prompts"] = 5
        f.write_text(json.dumps(r))
    monkeypatch.chdir(tmp_path)  # leaderboard/protocol.yaml is here
    assert main(["submit", str(other_eval), "--name", "x"]) == 2
    err = capsys.readouterr().err
    assert (
        "records[0].config.eval.kl_prompts: 5, but protocol v1 evaluates with 10" in err and len(err.splitlines()) == 1
    )

    good = json.loads((submissions / "tiny/science/good.json").read_text())
    cases = {
        "old-task": ("task_versions", "science", 1, "task_versions.science: 1, but the protocol is science version 2"),
        "other-base": ("base_model", "sha256", "cd" * 32, "base_model.sha256: cdcdcdcdcdcdcdcd…, but the protocol's"),
        "old-protocol": (None, "protocol_version", 2, "protocol_version: 2, but "),
    }
    for name, (parent, key, value, expected) in cases.items():
        bad = copy.deepcopy(good)
        for where in [bad] + (bad["records"] if parent == "base_model" else []):  # records name their base model too
            (where[parent] if parent else where)[key] = value
        bad["name"] = name
        (submissions / f"tiny/science/{name}.json").write_text(json.dumps(bad))
        problems = [str(p) for p in validate([submissions / f"tiny/science/{name}.json"])]
        assert any(expected in p for p in problems), (name, problems)
    in_records = {
        "one-rate": (("optim", "lr"), 1e-4, "records: 1 learning rate(s); protocol v1 gives every method 2"),
        "long": (("trainer", "max_steps"), 20, "records[0].config.trainer.max_steps: 20, over the budget of 10"),
        "sparse": (("curve", "every"), 8, "records[0].config.curve.every: 8; protocol v1 asks for a curve point"),
        "bf16": (("trainer", "precision"), "bf16-mixed", "config.trainer.precision: 'bf16-mixed'; protocol v1 admits"),
    }
    for name, ((section, key), value, expected) in in_records.items():
        bad = copy.deepcopy(good)
        for r in bad["records"]:
            r["config"][section][key] = value
        bad["name"] = name
        (submissions / f"tiny/science/{name}.json").write_text(json.dumps(bad))
        problems = [str(p) for p in validate([submissions / f"tiny/science/{name}.json"])]
        assert any(expected in p for p in problems), (name, problems)
    gpu = copy.deepcopy(good)
    gpu["records"][1]["provenance"]["device"] = "cuda:0"
    gpu["name"] = "gpu"
    (submissions / "tiny/science/gpu.json").write_text(json.dumps(gpu))
    problems = [str(p) for p in validate([submissions / "tiny/science/gpu.json"])]
    assert any("records[1].provenance.device: 'cuda:0'; protocol v1 admits device cpu" in p for p in problems)
    assert main(["leaderboard", "validate"]) == 1
    assert "task_versions.science" in capsys.readouterr().err


# --- the command line ------------------------------------------------------------------------------------


def test_cli_submit_validate_and_check(tmp_path: Path, monkeypatch, capsys, sweep, protocol):
    from razorbench.cli import main

    runs = sweep(tmp_path / "runs", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)], seeds=3)
    # tmp_path/leaderboard holds the protocol (the `protocol` fixture), no schema: the package ships it
    monkeypatch.chdir(tmp_path)
    assert main(["submit", str(runs), "--name", "mine", "--link", "https://example.org", "--authors", "me"]) == 0
    assert Path("leaderboard/submissions/tiny/science/mine.json").is_file()
    assert main(["leaderboard", "validate"]) == 0
    assert main(["leaderboard", "build", "--check"]) == 1
    assert "README.md" in capsys.readouterr().err
    assert main(["leaderboard", "build"]) == 0
    assert main(["leaderboard", "build", "--check"]) == 0
    bad = copy.deepcopy(json.loads(Path("leaderboard/submissions/tiny/science/mine.json").read_text()))
    bad["records"][0]["metrics"]["forward_kl"] = -1.0
    Path("leaderboard/submissions/tiny/science/mine.json").write_text(json.dumps(bad))
    assert main(["leaderboard", "validate"]) == 1
    assert "records[0].metrics.forward_kl: -1.0 is less than the minimum" in capsys.readouterr().err
    assert main(["submit", str(tmp_path / "nowhere"), "--name", "x"]) == 2
