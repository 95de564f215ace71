"""experiments.smol.priors reads the records of the priors it measured, by name: a stray file in its records folder
(another experiment's record) is not taken for a prior, and a missing record is named."""

from __future__ import annotations

import json
import shutil

import pytest

from experiments.smol import priors


@pytest.fixture
def records(tmp_path, monkeypatch):
    folder = tmp_path / "records"
    shutil.copytree(priors.RECORDS, folder)
    monkeypatch.setattr(priors, "RECORDS", folder)
    return folder


def test_load_reads_the_measured_priors_and_nothing_else(records):
    (records / "sciq_gain.json").write_text(json.dumps({"kind": "another experiment's record"}))
    phases, measured = priors.load()
    assert list(measured) == sorted(priors.PRIORS)
    assert all(measured[name]["name"] == name for name in measured)
    assert "new_task_seconds" in phases


@pytest.mark.parametrize("missing", ["piqa", "phases"])
def test_a_missing_record_is_named(records, missing):
    (records / f"{missing}.json").unlink()
    with pytest.raises(FileNotFoundError, match=f"no record of '{missing}'.*priors measure"):
        priors.load()
