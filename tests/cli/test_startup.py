"""The commands that must answer at once import no torch, Lightning or transformers (their import is most of a
slow start; the timings themselves are measured by bench/cli_startup.py, not here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "lightning", "transformers", "numpy")
PROBE = """
import sys
from razorbench.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("HEAVY:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list"], ["list", "tracks"], ["run", "--help"], ["reproduce", "--help"], ["pretrain", "tiny", "-h"]],
)
def test_a_quick_command_imports_nothing_heavy(argv):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "HEAVY:"
