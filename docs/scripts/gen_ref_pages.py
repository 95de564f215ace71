"""Write the API reference at build time (mkdocs-gen-files): one page per module, found by walking the package
trees, so a module that is added, renamed or moved needs no edit here; and the leaderboard's pages, copied from
leaderboard/ so the site shows the standings the repository holds.

Packages: `razorbench` (the core, razorbench/), and the built-in tasks and methods, which live in the repository's
top-level tasks/ and methods/ and install as `razorbench.tasks` and `razorbench.methods` (pyproject's package-dir);
their pages are titled by the installed name. And the repository's `experiments` (experiments/, never installed).
"""

from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
# (folder in the repository, the name it is imported by, the name the reference loads it by: mkdocstrings reads
# the source statically, and tasks/ and methods/ are found there as top-level packages)
TREES = (
    ("razorbench", "razorbench", "razorbench"),
    ("tasks", "razorbench.tasks", "tasks"),
    ("methods", "razorbench.methods", "methods"),
    ("experiments", "experiments", "experiments"),
)
SKIP = {"__main__"}

nav = mkdocs_gen_files.Nav()
for folder, installed, loaded in TREES:
    for path in sorted((ROOT / folder).rglob("*.py")):
        parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
        if parts[-1] in SKIP or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join([installed, *parts])
        doc = Path("reference", *name.split("."))
        doc = doc / "index.md" if path.name == "__init__.py" else doc.with_suffix(".md")
        nav[tuple(name.split("."))] = doc.relative_to("reference").as_posix()
        with mkdocs_gen_files.open(doc, "w") as f:
            f.write(f"# `{name}`\n\n::: {'.'.join([loaded, *parts])}\n")
        mkdocs_gen_files.set_edit_path(doc, path.relative_to(ROOT))

with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as f:
    f.writelines(nav.build_literate_nav())

# The leaderboard as the repository holds it (built by `razorbench leaderboard build`, checked in CI).
for path in sorted((ROOT / "leaderboard").rglob("*")):
    rel = path.relative_to(ROOT / "leaderboard")
    if rel.parts[0] == "submissions" or not path.is_file():
        continue
    target = Path("leaderboard", "standings.md" if rel.as_posix() == "README.md" else rel.as_posix())
    with mkdocs_gen_files.open(target, "wb") as f:
        f.write(path.read_bytes())
