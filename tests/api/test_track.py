"""Track declarations: lazy hooks, the embedded model's recorded sha256, the default track, registration."""

from __future__ import annotations

import dataclasses

import pytest

from razorbench.api.policy import model_sha256
from razorbench.api.registry import TRACKS, UnknownNameError, default_track, get_track, register_track
from razorbench.api.track import Track, load_hook


def test_a_hook_names_a_module_attribute_path():
    assert load_hook("razorbench.api.track:Track.load_policy") is Track.load_policy
    assert load_hook("razorbench.api.registry:get_track") is get_track


def test_built_in_tracks_and_the_default():
    assert {"tiny", "paper", "toy"} <= {e.name for e in TRACKS.entries()}
    assert get_track() is get_track(default_track()) and default_track() == "tiny"
    with pytest.raises(UnknownNameError, match=r"^unknown track 'tiyn'; valid: .*tiny.*Did you mean 'tiny'\?$"):
        get_track("tiyn")


def test_an_embedded_model_carries_its_recorded_sha256():
    tiny = get_track("tiny")
    assert tiny.embedded and tiny.recorded_sha256 == model_sha256(tiny.model)
    assert get_track("paper").recorded_sha256 is None  # a hub model: nothing recorded beside it


def test_a_track_without_a_hook_says_so():
    with pytest.raises(LookupError, match="track 'paper' has no pretrain command"):
        get_track("paper").hook("pretrain")


def test_a_second_track_under_a_taken_name_is_refused():
    tiny = get_track("tiny")
    assert register_track(tiny) is tiny  # the same declaration again (a module imported twice) is fine
    with pytest.raises(ValueError, match="already registered"):
        register_track(dataclasses.replace(tiny, description="another"))
