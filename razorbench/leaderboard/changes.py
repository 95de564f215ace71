"""What a change (a pull request, or a working tree) brings to the leaderboard relative to its target commit: the
submission files it adds or edits. Only those are re-executed by the pull-request check
(`verify --stamps-from REV`); every other file keeps the outcome the target branch recorded for it.

Files are compared by git blob id, so the working tree's bytes count, committed or not.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from razorbench.leaderboard.stamps import git_root


def _git(root: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, input=stdin)
    if done.returncode != 0:
        raise ValueError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def changed_files(submissions_dir: Path, revision: str) -> set[str]:
    """The .json files under `submissions_dir` (paths relative to it) whose bytes differ from `revision`'s, or that
    `revision` does not have. ValueError naming the revision where git does not know it."""
    root = git_root(submissions_dir)
    folder = submissions_dir.resolve().relative_to(root).as_posix()
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except ValueError:
        raise ValueError(
            f"{revision!r} is not a commit of the repository at {root}: name the target branch's commit "
            "(fetch it first, e.g. actions/checkout with fetch-depth: 0)"
        ) from None
    listed = _git(root, "ls-tree", "-r", "-z", revision, "--", folder)
    at_revision = {}
    for entry in filter(None, listed.split("\0")):
        meta, path = entry.split("\t", 1)
        at_revision[path] = meta.split()[2]
    ours = sorted(p for p in submissions_dir.rglob("*.json") if p.is_file())
    if not ours:
        return set()
    paths = [p.resolve().relative_to(root).as_posix() for p in ours]
    blobs = _git(root, "hash-object", "--stdin-paths", stdin="\n".join(paths) + "\n").split()
    return {
        p.relative_to(submissions_dir).as_posix()
        for p, path, blob in zip(ours, paths, blobs, strict=True)
        if at_revision.get(path) != blob
    }
