"""docs/contributing/layout.md, "Reading one run": the files it lists exist, their line counts are about those it
states, and the whole path stays under 2,000 lines (issue 43: what a run does not need goes off the path)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / "docs" / "contributing" / "layout.md"
LIMIT = 2000


def _rows() -> list[tuple[list[str], int]]:
    section = LAYOUT.read_text().split("## Reading one run", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            rows.append((re.findall(r"`([^`]+)`", cells[1]), sum(int(n) for n in re.findall(r"\d+", cells[2]))))
    return rows


def test_the_read_path_lists_existing_files_with_their_line_counts_under_the_limit():
    rows = _rows()
    assert len(rows) >= 8
    total = 0
    for files, stated in rows:
        actual = sum(len((ROOT / f).read_text().splitlines()) for f in files)
        assert abs(actual - stated) <= max(20, stated // 5), (files, stated, actual)  # the doc keeps up with the code
        total += actual
    assert total < LIMIT, f"reading one run takes {total} lines: move what a run does not need off the path"
    stated_total = int(re.search(r"([\d,]+) lines in all", LAYOUT.read_text()).group(1).replace(",", ""))
    assert abs(stated_total - sum(stated for _, stated in rows)) <= 0
