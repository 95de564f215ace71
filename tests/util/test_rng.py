"""razorbench.util.rng: work inside `streams_untouched` leaves every global random stream where it was, and a run's
base evaluation, measured or read from the cache, leaves training's streams alike."""

import random

import numpy as np
import torch

from razorbench.util.rng import streams_untouched


def _draws() -> tuple:
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_the_streams_continue_as_if_the_body_had_not_run():
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = _draws()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    with streams_untouched():
        _draws(), _draws(), random.choices("abc", k=8)  # what a library might take
    assert _draws() == expected


def test_the_streams_are_put_back_when_the_body_raises():
    random.seed(2)
    expected = random.random()
    random.seed(2)
    try:
        with streams_untouched():
            random.random()
            raise RuntimeError("evaluation failed")
    except RuntimeError:
        pass
    assert random.random() == expected


def test_a_measured_base_evaluation_leaves_training_the_streams_a_cached_one_does(monkeypatch):
    from razorbench.runner import phases

    def measured(*args, **kwargs):  # a base evaluation that draws, as lm-eval's random.choices does
        random.choices("abcdefgh", k=8), np.random.rand(3), torch.rand(3)
        return {"new_task_accuracy": 0.5}, False

    class Run:  # what evaluate_base reads of a run
        policy = type("P", (), {"sha256": "x"})()
        sampler = task = settings = None
        priors: list = []
        cfg = None
        timings: dict = {}

    monkeypatch.setattr(phases, "base_evaluation", measured)
    monkeypatch.setattr(phases, "cache_root", lambda cfg: None)
    monkeypatch.setattr(phases, "checker_stats", lambda *a, **k: None)
    random.seed(3), np.random.seed(3), torch.manual_seed(3)
    expected = _draws()
    random.seed(3), np.random.seed(3), torch.manual_seed(3)
    assert phases.evaluate_base(Run()) == {"new_task_accuracy": 0.5}
    assert _draws() == expected
