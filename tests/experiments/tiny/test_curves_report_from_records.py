"""docs/TINY-TRACK-curves.md is the rendering of the curves' kept records (experiments/tiny/diagnose/records/):
`python -m experiments.tiny.diagnose --report-only` rewrites it, and nothing in it was written by hand."""

from pathlib import Path

from experiments.tiny import diagnose

ROOT = Path(__file__).resolve().parents[3]


def test_the_curves_report_is_the_rendering_of_its_kept_records():
    assert (ROOT / diagnose.DOC).read_text() == diagnose.report_text()
