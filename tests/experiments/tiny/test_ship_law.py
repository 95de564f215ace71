"""`python -m experiments.tiny.ship_law` writes a law file the monitor reads: each task's forward-KL fit as
`razorbench analyze` made it from kept records, and `--check` tells a stale file from the rendering."""

from __future__ import annotations

import json

import pytest

from experiments.tiny import ship_law
from experiments.toy.reproduce import TOY
from razorbench.analysis.analyze import analyze
from razorbench.launch.kept import load_kept
from razorbench.monitor.forecast import law_from_summary


@pytest.fixture(scope="module")
def toy_records():
    return load_kept(TOY, TOY.records)


def test_the_written_law_is_the_analysis_fit_and_the_monitor_reads_it(tmp_path, toy_records):
    summary = ship_law.shipped_summary(toy_records, "toy")
    (group,) = summary  # the toy reproduction has one task
    assert summary[group]["runs"] == len(toy_records) == 150
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(summary))
    law = law_from_summary(path, group)
    fit = analyze(toy_records)[group]["fits"]["forward_kl"]["quadratic0"]
    assert law.coefs == fit["coefs"] and law.n == fit["n"] == 150
    assert law.residual_variance == fit["residual_variance"]


def test_no_record_of_the_track_is_one_line(toy_records):
    with pytest.raises(SystemExit, match="no records of track 'tiny'"):
        ship_law.shipped_summary(toy_records, "tiny")


def test_check_tells_a_stale_law_from_the_rendering(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ship_law, "LAWS", tmp_path)
    monkeypatch.setattr(ship_law, "law_text", lambda: '{"tiny/science": {}}\n')
    assert ship_law.main(["--check"]) == 1  # no file yet
    assert ship_law.main([]) == 0 and (tmp_path / "tiny.json").read_text() == '{"tiny/science": {}}\n'
    assert ship_law.main(["--check"]) == 0
    (tmp_path / "tiny.json").write_text("{}\n")
    assert ship_law.main(["--check"]) == 1
    assert "NOT what the kept records give" in capsys.readouterr().out


def test_the_shipped_tiny_law_is_what_the_kept_records_give():
    # The monitor's forecasts stand on this file; a change to the records or to the fit must rewrite it
    # (`python -m experiments.tiny.ship_law`).
    assert (ship_law.LAWS / "tiny.json").read_text() == ship_law.law_text()
