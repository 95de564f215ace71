import pytest

from razorbench.api.registry import METHODS, Registry, UnknownNameError, get_task


def test_builtin_tasks_and_methods_are_discovered():
    assert {"sft", "rl"} <= set(METHODS.names())
    for name in ("science", "math", "tool"):
        assert get_task(name, "tiny").kind == "new"


def test_unknown_method_lists_valid_names_and_closest():
    with pytest.raises(UnknownNameError) as info:
        METHODS.get("rll")
    message = str(info.value)
    assert "'rll'" in message and "sft" in message and "Did you mean 'rl'" in message and "\n" not in message


def test_unknown_task_and_track():
    with pytest.raises(UnknownNameError, match="valid: .*science.*Did you mean 'science'"):
        get_task("sciense", "tiny")
    with pytest.raises(UnknownNameError, match="unknown track 'huge'"):
        get_task("science", "huge")


def test_collision_raises():
    registry = Registry("thing")

    @registry.register("a")
    class A:
        pass

    with pytest.raises(ValueError, match="already registered"):

        @registry.register("a")
        class B:
            pass
