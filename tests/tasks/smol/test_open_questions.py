"""The open-question priors' matcher and item rules (trivia_qa, nq_open), against hand-written cases."""

from __future__ import annotations

import json
from pathlib import Path

from razorbench.api.task import Example
from razorbench.tasks.paper.config import PaperTaskConfig
from razorbench.tasks.smol.open_questions import NQOpen, TriviaQA, contains, normalise


def test_normalise_is_squads_with_accents_removed():
    assert normalise("The Sunset Blvd.") == "sunset blvd"
    assert normalise("  Zürich, an   old city!") == "zurich old city"
    assert normalise("A") == ""


def test_contains_matches_whole_words_only():
    assert contains("capital of france is paris", "paris")
    assert not contains("parisian cafe", "paris")
    assert contains("it was in december 1972", "december 1972")


def _write(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


def test_nq_open_items_verbose_reply_and_echo_rule(tmp_path):
    rows = [
        {"question": "who wrote the song yesterday", "answer": ["Paul McCartney"]},
        {"question": "what is the capital of france, paris or lyon", "answer": ["Paris"]},  # gives itself away
        {"question": "how many legs has a spider", "answer": ["eight", "8"]},
        {"question": "empty answer", "answer": ["the"]},  # normalises to nothing
    ]
    task = NQOpen(PaperTaskConfig(data_dir=str(_write(tmp_path, "nq_open", rows))))
    items = task.examples("eval")
    assert [e.id for e in items] == ["nq_open-0", "nq_open-2"]
    assert items[0].prompt == "Who wrote the song yesterday?"
    assert task.check("The song 'Yesterday' was written by Paul McCartney.", items[0])
    assert not task.check("It was written by John Lennon.", items[0])
    assert task.check("A spider has 8 legs.", items[1]) and task.check("Eight.", items[1])
    assert not task.check("A spider has 18 legs.", items[1])


def test_trivia_qa_accepts_every_alias(tmp_path):
    row = {
        "question": "Which Lloyd Webber musical premiered in the US on 10th December 1993?",
        "answer": {"aliases": ["Sunset Blvd", "Sunset Boulevard"], "value": "Sunset Boulevard"},
    }
    task = TriviaQA(PaperTaskConfig(data_dir=str(_write(tmp_path, "trivia_qa", [row]))))
    (item,) = task.examples("eval")
    assert item.meta["accepted"] == ["sunset blvd", "sunset boulevard"]
    assert task.check("That was Sunset Blvd.", item)
    assert not task.check("Cats.", item)
    assert not task.check("Sunset.", Example("x", "q", "sunset boulevard", {"accepted": ["sunset boulevard"]}))
