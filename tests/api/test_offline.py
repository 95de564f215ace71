"""Offline data from π0: pairs, rejection samples and their cache, with an in-memory toy task and sampler."""

import json

import pytest

from razorbench.api.offline import accepted_responses, load_or_draw, preference_pairs
from razorbench.api.sampler import Sampler, Samples
from razorbench.api.task import Example, Task


class ToyTask(Task):
    """Answer 'a' is right for every prompt; three prompts."""

    registry_name = "toy"
    SPLITS = ("train",)

    def _examples(self, split):
        return [Example(f"t{i}", f"prompt {i}", "a") for i in range(3)]

    def check(self, response, example):
        return response.strip() == "a"


class ScriptedSampler(Sampler):
    """Returns scripted responses per prompt (cycled), as token ids = character codes; counts calls."""

    def __init__(self, script):
        self.script, self.calls = script, 0

    def generate(self, prompts, *, n=1, max_new_tokens, greedy=False, temperature=1.0, seed=None):
        self.calls += 1
        texts = [self.script[p][k % len(self.script[p])] for p in prompts for k in range(n)]
        ids = [[ord(c) for c in t] for t in texts]
        return Samples(list(prompts), n, [[0] for _ in texts], ids, texts)


SCRIPT = {"prompt 0": ["a", "b"], "prompt 1": ["a"], "prompt 2": ["c", "d", "a"]}


def draw(cache_dir, sampler, **settings):
    options = dict(n=3, max_new_tokens=4, temperature=1.0, seed=0) | settings
    return load_or_draw(sampler, ToyTask(), "sha", cache_dir, **options)


def test_pairs_take_the_first_mistake_and_count_prompts_without_one():
    samples = draw(None, ScriptedSampler(SCRIPT))
    assert [s.correct for s in samples] == [[True, False, True], [True, True, True], [False, False, True]]
    pairs, skipped = preference_pairs(samples)
    assert skipped == 1
    assert [(p.example.id, p.rejected_ids) for p in pairs] == [("t0", [ord("b")]), ("t2", [ord("c")])]


def test_rejection_samples_keep_the_correct_responses_with_the_acceptance_rate():
    script = {"prompt 0": ["a", "b"], "prompt 1": ["x"], "prompt 2": ["a"]}
    accepted, stats = accepted_responses(draw(None, ScriptedSampler(script)))
    assert [(a.example.id, a.response_ids) for a in accepted] == [("t0", [[97], [97]]), ("t2", [[97]] * 3)]
    assert stats == {"acceptance_rate": pytest.approx(5 / 9), "prompts_skipped": 1, "prompts": 3}


def test_the_draw_is_cached_by_settings_and_read_back_equal(tmp_path):
    sampler = ScriptedSampler(SCRIPT)
    first = draw(tmp_path, sampler)
    assert draw(tmp_path, sampler) == first and sampler.calls == 1  # read back from disk, not drawn again
    (entry,) = (tmp_path / "offline").glob("*.json")
    assert json.loads(entry.read_text())["settings"]["n"] == 3
    draw(tmp_path, sampler, temperature=0.5)  # another setting: another entry
    assert sampler.calls == 2 and len(list((tmp_path / "offline").glob("*.json"))) == 2
    entry.write_text("{not json")  # a corrupt entry is drawn again
    assert draw(tmp_path, sampler) == first and sampler.calls == 3
