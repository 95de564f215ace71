"""A griffe extension for the API reference: doctest lines in a docstring's prose (`>>> ...` and their output) are
shown as a Python console block, as the Examples section of a Google-style docstring already is. Without it the
Markdown renderer reads the doctests' list indexing (`halves[0][:2]`) as cross-references."""

from __future__ import annotations

import re

try:
    import griffe
except ImportError:  # the docs extra is not installed: fence_doctests still works (tests/docs/test_site.py)
    griffe = None

_EXAMPLES_HEADER = re.compile(r"^(\s*)Examples?:\s*$")


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines outside an Examples section in a ```pycon fence (tests/docs/test_site.py)."""
    out: list[str] = []
    lines = text.splitlines()
    examples_indent: int | None = None  # inside a Google Examples section: griffe shows its doctests itself
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("```"):
            fenced = not fenced
        if stripped and examples_indent is not None and indent <= examples_indent:
            examples_indent = None
        header = _EXAMPLES_HEADER.match(line)
        if header:
            examples_indent = len(header.group(1))
        if not fenced and examples_indent is None and stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            pad = " " * indent
            out += [f"{pad}```pycon", *block, f"{pad}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


if griffe is not None:

    class DoctestBlocks(griffe.Extension):
        def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
            if obj.docstring is not None:
                obj.docstring.value = fence_doctests(obj.docstring.value)
