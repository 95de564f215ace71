"""Shared by the paper track's new tasks: deterministic splits, local files, and hub access.

Splits are by a hash of each problem's text, not by position: a problem lands in the same split whatever
else the source holds and in whatever order, so the 1,785-record local head of Open-Reasoner-Zero's file
and the full 57k file on the hub agree on every problem they share, and a re-ordered hub revision moves
nothing between train and eval.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def content_id(*parts: str) -> str:
    """A short stable id for a problem: its text, hashed.

    >>> content_id("What is 1+1?")
    '31adf3e245f9'
    """
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def split_of(key: str, eval_percent: int) -> str:
    """ "eval" for about `eval_percent` in 100 keys, else "train"; fixed by a hash of `key`.

    >>> [split_of(f"problem {i}", 50) for i in range(4)]
    ['train', 'eval', 'train', 'eval']
    """
    return "eval" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < eval_percent else "train"


def data_dir_of(config: Any) -> Path | None:
    """`task.data_dir` as a path, or None (load from the hub)."""
    data_dir = getattr(config, "data_dir", None)
    return Path(data_dir).expanduser() if data_dir else None


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def hub(task: str):
    """The `datasets` module, or an error that says how to get it or how to work offline.

    The hub routes of the paper tasks cannot run in razorbench's offline tests; they are written against
    each dataset's documented id and file layout (see each task's docstring).
    """
    try:
        import datasets
    except ImportError as e:
        raise ImportError(
            f"task {task!r} loads its data from the Hugging Face hub with `datasets` "
            "(pip install 'razorbench[paper]'), or set task.data_dir to a local copy"
        ) from e
    return datasets
