"""docs/REPRODUCTION-tiny.md and its step-6 part are the renderings of the tiny reproduction's kept records
(experiments/tiny/reproduce/records/): `razorbench reproduce tiny --report-only` (with `--methods rl,reinforce,dpo-nll
--doc docs/REPRODUCTION-tiny-step6.md` for step 6) rewrites them, and nothing in them was written by hand."""

from pathlib import Path

from experiments.tiny import reproduce
from razorbench.launch.plan import command_line

ROOT = Path(__file__).resolve().parents[3]
STEP6 = ["rl", "reinforce", "dpo-nll"]
STEP6_DOC = "docs/REPRODUCTION-tiny-step6.md"


def test_the_tiny_report_is_the_rendering_of_its_kept_records():
    assert (ROOT / reproduce.DOC).read_text() == reproduce.report_text()


def test_the_step6_report_is_the_rendering_of_its_part_of_the_same_records():
    command = command_line("tiny", methods=STEP6, doc=STEP6_DOC)
    assert (ROOT / STEP6_DOC).read_text() == reproduce.report_text(reproduce.TINY.only(STEP6), command)
