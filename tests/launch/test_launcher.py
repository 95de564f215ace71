"""Every launcher answers the one `Launcher` call: the same parameters, in the same order, of the same types."""

import inspect
import typing

import pytest

from razorbench.launch.config import LAUNCHERS
from razorbench.launch.launcher import Launcher, get_launcher


def _hints(function) -> list[tuple[str, object]]:
    hints = typing.get_type_hints(function)
    names = [p for p in inspect.signature(function).parameters if p != "self"]
    return [(name, hints[name]) for name in names] + [("return", hints["return"])]


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_each_launcher_has_the_protocols_signature(name):
    function = get_launcher(name)
    assert _hints(function) == _hints(Launcher.__call__), name
    for parameter in inspect.signature(function).parameters.values():
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and parameter.default is inspect._empty


def test_a_config_may_name_the_three_launchers():
    assert set(LAUNCHERS) == {"local", "slurm", "ray"}
