"""docs/LIFELONG-tiny-results.md is the rendering of the lifelong experiment's kept records
(experiments/tiny/lifelong/records/): `python -m experiments.tiny.lifelong --report-only` rewrites it."""

from pathlib import Path

from experiments.tiny import lifelong

ROOT = Path(__file__).resolve().parents[3]


def test_the_lifelong_report_is_the_rendering_of_its_kept_records():
    assert (ROOT / lifelong.DOC).read_text() == lifelong.report_text()
