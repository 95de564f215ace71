"""The command blocks of the documentation's guide pages, and how CI runs them with small settings.

A guide page is a Markdown file under docs/ with a lowercase name (reports, written by the experiments, have
UPPERCASE names). Each of its shell blocks is preceded by a marker line saying whether CI runs it:

    <!-- ci: run -->                 run it as written, with small settings appended (SMALL below)
    <!-- ci: skip: needs a GPU -->   not run, and why

A page's `run` blocks are one bash script (`set -euo pipefail`), run in order in an empty folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SHELLS = ("bash", "sh", "shell", "console")
MARKER = re.compile(r"^<!--\s*ci:\s*(?P<action>run|skip)\s*(?::\s*(?P<reason>.*?))?\s*-->$")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)")

# What keeps a tiny-track command to seconds: a few training steps and small evaluations.
EVAL = ["eval.new_task_prompts=8", "eval.samples_per_prompt=2", "eval.kl_prompts=8", "eval.prior_limit=8"]
TRAIN = ["trainer.max_steps=2", "data.batch_size=4"]
# Appended to each command (a segment of a line between `&&`) that starts with the key.
SMALL = {
    "razorbench run ": TRAIN + EVAL,
    "razorbench sweep --method ": TRAIN + EVAL,
    "razorbench eval ": EVAL,
    # The protocol fixes the evaluation settings (its full size), the rates and seeds: training is shortened to one
    # step (within any budget), its curve point the final policy (as dense as the protocol asks of so short a run).
    "razorbench leaderboard make ": ["trainer.max_steps=1", "curve.every=1"],
    "python examples/trl_sft_then_eval.py ": ["--eval", *EVAL],
}


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    action: str | None  # "run", "skip", or None when the block has no marker
    reason: str | None


def guide_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if p.name == p.name.lower() and "scripts" not in p.parts)


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page` with the marker on the line before each (blank lines between allowed)."""
    out: list[Block] = []
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        before = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        marker = MARKER.match(before)
        out.append(
            Block(
                page,
                start + 1,
                fence["lang"],
                "\n".join(body),
                marker["action"] if marker else None,
                marker["reason"] if marker else None,
            )
        )
        i += 1
    return out


def _split_comment(line: str) -> tuple[str, str]:
    """(command, trailing ` # comment`) of one shell line; a `#` inside quotes is not a comment."""
    quote = None
    for k, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k].rstrip(), line[k:]
    return line.rstrip(), ""


def small(code: str) -> str:
    """`code` with SMALL's settings appended to each command it names (continuation lines joined first).

    >>> small("razorbench run --method rl --task science   # one run\\nrazorbench list")
    'razorbench run --method rl --task science trainer.max_steps=2 data.batch_size=4 eval.new_task_prompts=8 \
eval.samples_per_prompt=2 eval.kl_prompts=8 eval.prior_limit=8   # one run\\nrazorbench list'
    """
    joined = re.sub(r"\\\n\s*", "", code)
    out = []
    for line in joined.splitlines():
        command, comment = _split_comment(line)
        segments = []
        for segment in command.split("&&"):
            start = segment.strip() + " "
            extra = next((args for prefix, args in SMALL.items() if start.startswith(prefix)), [])
            segments.append(" ".join([segment.rstrip(), *extra]) if extra else segment)
        out.append(" && ".join(s.strip() for s in segments) + (f"   {comment}" if comment else ""))
    return "\n".join(out)
