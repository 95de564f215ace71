"""Every launcher answers the one `Launcher` call: the same parameters, in the same order, of the same types."""

import inspect
import typing

import pytest

from razorbench.launch import config
from razorbench.launch.config import LauncherConfig
from razorbench.launch.launcher import LAUNCHERS, Launcher, get_launcher
from razorbench.launch.worker import RunSpec

NAMES = {"RunSpec": RunSpec, "LauncherConfig": LauncherConfig}  # what launcher.py imports for type checking only


def _hints(function) -> list[tuple[str, object]]:
    hints = typing.get_type_hints(function, localns=NAMES)
    names = [p for p in inspect.signature(function).parameters if p != "self"]
    return [(name, hints[name]) for name in names] + [("return", hints["return"])]


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_each_launcher_has_the_protocols_signature(name):
    function = get_launcher(name)
    assert _hints(function) == _hints(Launcher.__call__), name
    for parameter in inspect.signature(function).parameters.values():
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and parameter.default is inspect._empty


def test_the_launchers_a_config_may_name_are_the_protocols_implementations():
    assert config.LAUNCHERS is LAUNCHERS and set(LAUNCHERS) == {"local", "slurm", "ray"}
