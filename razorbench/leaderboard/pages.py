"""The leaderboard's pages: README.md (Markdown tables), index.html (one static page, no external resources,
sortable tables) and SVG plots, from `ranking.standings`. Every string from a submission is escaped.

`build` (`razorbench leaderboard build`) writes them beside `submissions/`. The output depends on the
submissions, the protocol and the verification outcomes (verified.json) only (no dates, no random ids), so `check`
(`build --check`) can tell in CI whether the committed pages are up to date; it also fails on any cell that would be
read off target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from razorbench.leaderboard.html_page import render_html
from razorbench.leaderboard.markdown_page import render_markdown
from razorbench.leaderboard.plots import plot_group
from razorbench.leaderboard.protocol import load_protocol
from razorbench.leaderboard.ranking import off_target, standings
from razorbench.leaderboard.status import statuses
from razorbench.leaderboard.validation import load_submission_files


def render(submissions_dir: Path) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The pages (name -> text) and the standings they show."""
    protocol = load_protocol(submissions_dir.parent / "protocol.yaml")
    files = load_submission_files(submissions_dir)
    groups = standings(list(files.values()), protocol, statuses(submissions_dir, files))
    return {"README.md": render_markdown(groups), "index.html": render_html(groups)}, groups


def build(submissions_dir: Path, out_dir: Path) -> list[Path]:
    """Write README.md, index.html and plots/*.svg to `out_dir`; plots of groups that are gone are removed."""
    pages, groups = render(submissions_dir)
    written = []
    for name, text in pages.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    plots = [p for g in groups for p in plot_group(g, out_dir / "plots")]
    for stale in sorted((out_dir / "plots").glob("*.svg")) if (out_dir / "plots").is_dir() else []:
        if stale not in plots:
            stale.unlink()
    return written + plots


def check(submissions_dir: Path, out_dir: Path) -> list[str]:
    """What is wrong with the pages in `out_dir`: each page that differs from what `build` would write (plots are
    not compared: their bytes depend on the matplotlib version and fonts, not only on the submissions), and each
    cell that would be read off target ("read off target: track/task@t: name")."""
    pages, groups = render(submissions_dir)
    stale = [
        name for name, text in pages.items() if not (out_dir / name).is_file() or (out_dir / name).read_text() != text
    ]
    return stale + [f"read off target: {cell}" for cell in off_target(groups)]
