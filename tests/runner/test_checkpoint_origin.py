"""The base a checkpoint records, and the warning when it is not the base it is measured against."""

import json

from razorbench.runner.checkpoint_origin import ORIGIN_FILE, mismatch, recorded_origin, write_origin

BASE = ("SmolLM2-135M-Instruct (Q4_1, dequantised)", "/cache/models/b179", "a" * 64)


def test_razorbench_records_the_exact_base(tmp_path):
    write_origin(tmp_path, BASE[0], BASE[2])
    origin = recorded_origin(tmp_path)
    assert (origin.name, origin.sha256, origin.source) == (BASE[0], BASE[2], ORIGIN_FILE)
    assert mismatch(tmp_path, origin, *BASE) is None
    write_origin(tmp_path, BASE[0], "b" * 64)  # the same name, other bytes: another base
    assert "fine-tuned from" in mismatch(tmp_path, recorded_origin(tmp_path), *BASE)


def test_a_hub_checkpoint_names_its_base_in_its_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct"}))
    warning = mismatch(tmp_path, recorded_origin(tmp_path), *BASE)
    assert "'HuggingFaceTB/SmolLM2-135M-Instruct' (config.json)" in warning and BASE[0] in warning


def test_an_adapter_of_this_base_and_an_unknown_origin_give_no_warning(tmp_path):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": BASE[1]}))
    assert mismatch(tmp_path, recorded_origin(tmp_path), *BASE) is None
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.json").write_text(json.dumps({"model_type": "llama"}))
    assert recorded_origin(bare) is None and mismatch(bare, None, *BASE) is None
    (bare / "config.json").write_text(json.dumps({"_name_or_path": str(bare)}))  # names itself: no origin
    assert recorded_origin(bare) is None
