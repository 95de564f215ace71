"""The documentation's guide pages: every shell block says whether CI runs it, and the API reference's doctest
fencing (docs/scripts/doctest_blocks.py)."""

import doctest
import importlib.util
import sys
from pathlib import Path


def load(path: Path):
    """A module of this folder by path (the tests are not a package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


doc_blocks = load(Path(__file__).with_name("doc_blocks.py"))
DOCS, SHELLS, blocks, guide_pages = doc_blocks.DOCS, doc_blocks.SHELLS, doc_blocks.blocks, doc_blocks.guide_pages


def test_every_shell_block_of_a_guide_says_whether_ci_runs_it():
    unmarked = [f"{b.page.relative_to(DOCS)}:{b.line}" for p in guide_pages() for b in blocks(p) if b.lang in SHELLS
                and (b.action is None or (b.action == "skip" and not b.reason))]  # fmt: skip
    assert not unmarked, f"shell blocks without '<!-- ci: run -->' or '<!-- ci: skip: reason -->': {unmarked}"


def test_the_pages_a_user_copies_from_are_run():
    run = {b.page.relative_to(DOCS).as_posix() for p in guide_pages() for b in blocks(p) if b.action == "run"}
    assert {"quickstart.md", "guides/eval.md", "guides/sweeps.md", "guides/leaderboard.md"} <= run


def test_small_settings_are_appended_to_the_commands_they_name():
    assert doctest.testmod(doc_blocks).failed == 0
    assert doc_blocks.small("razorbench leaderboard validate && razorbench eval --model m --task t").endswith(
        "razorbench eval --model m --task t " + " ".join(doc_blocks.EVAL)
    )
    assert doc_blocks.small('razorbench sweep --status "runs/a #1"') == 'razorbench sweep --status "runs/a #1"'


def test_doctests_in_prose_are_fenced_and_examples_sections_left_alone():
    fence = load(DOCS / "scripts" / "doctest_blocks.py").fence_doctests
    assert fence("Sums.\n\n>>> [1, 2][:1]\n[1]\n\nDone.") == "Sums.\n\n```pycon\n>>> [1, 2][:1]\n[1]\n```\n\nDone."
    # indented, as in a docstring body
    assert fence("    >>> f()\n    1") == "    ```pycon\n    >>> f()\n    1\n    ```"
    examples = "Example:\n    >>> f()\n    1\nAfter.\n>>> g()"
    assert fence(examples) == "Example:\n    >>> f()\n    1\nAfter.\n```pycon\n>>> g()\n```"
    fenced = "```python\n>>> f()\n```"
    assert fence(fenced) == fenced
