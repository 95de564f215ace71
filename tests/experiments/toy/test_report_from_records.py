"""docs/REPRODUCTION.md is the rendering of the toy reproduction's kept records (experiments/toy/reproduce/records/):
`razorbench reproduce toy --report-only` rewrites it, and nothing in it was written by hand."""

from pathlib import Path

from experiments.toy import reproduce

DOC = Path(__file__).resolve().parents[3] / "docs" / "REPRODUCTION.md"


def test_the_toy_report_is_the_rendering_of_its_kept_records():
    assert DOC.read_text() == reproduce.report_text()
