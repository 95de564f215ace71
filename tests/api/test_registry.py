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


def test_a_track_reuses_another_tracks_tasks_by_its_yaml(tmp_path, monkeypatch):
    """`Track.reuse`: each named task registered on the reusing track as the same class, with the `defaults` YAML
    the file gives in place of its own, or its own where the file gives none."""
    from razorbench.api.registry import TASKS, register_reused, task_yaml
    from razorbench.api.task import yaml_beside
    from razorbench.api.track import Track

    get_task("science", "tiny")  # every track's own tasks are registered first
    monkeypatch.setattr(TASKS, "_entries", dict(TASKS._entries))  # the reusing track's entries go with the test
    (tmp_path / "defaults.yaml").write_text("task:\n  priors: [capitals]\n")
    (tmp_path / "reuse.yaml").write_text(
        "- {track: tiny, tasks: [science, capitals], defaults: defaults.yaml}\n- {track: tiny, tasks: [math]}\n"
    )
    register_reused(Track(name="reuser", description="", model="m", tasks=(), reuse=str(tmp_path / "reuse.yaml")))
    for name in ("science", "capitals", "math"):
        assert get_task(name, "reuser") is get_task(name, "tiny")
    assert task_yaml("science", "reuser") == tmp_path / "defaults.yaml"
    assert get_task("science", "reuser").default_priors(task_yaml("science", "reuser")) == ["capitals"]
    assert task_yaml("math", "reuser") == yaml_beside(get_task("math", "tiny")) == task_yaml("math", "tiny")
    with pytest.raises(UnknownNameError, match="unknown task 'nope' on track 'tiny'"):
        (tmp_path / "bad.yaml").write_text("- {track: tiny, tasks: [nope]}\n")
        register_reused(Track(name="reuser", description="", model="m", tasks=(), reuse=str(tmp_path / "bad.yaml")))
