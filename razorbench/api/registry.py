"""Track, task and method registries.

A track registers itself in its folder's `__init__.py` (`register_track`, see `razorbench.api.track`); a task
or method registers itself by decorator in its own file under `tasks/<track>/` or `methods/`::

    @register_task("science")
    class Science(Task): ...

    @register_method("rl", on_policy=True, uses_negatives=True)
    class GRPO(RazorModule): ...

`discover()` imports every track package under `razorbench.tasks` (the repo's top-level `tasks/<track>/`
folders, mapped under the razorbench namespace by pyproject.toml) and the task modules each track names,
every module of `razorbench.methods`, and every entry point in the groups `razorbench.tracks`,
`razorbench.tasks` and `razorbench.methods`, so a third-party package can add any of them without touching
this repo. A track that runs tasks of another track as they are names them in its `reuse` YAML
(`razorbench.api.track.Track.reuse`): they are registered on it too, with no code of its own.
`discover_tracks()` imports the track declarations only (no task, no method, no torch): what
`razorbench list tracks` and the CLI's help need. A name collision raises; an unknown name raises
`UnknownNameError` with the valid names and the closest match.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Generic, TypeVar

from razorbench.api.task import yaml_beside
from razorbench.api.track import Track

T = TypeVar("T")


class UnknownNameError(KeyError):
    """An unknown registry name; its message is one line with the valid names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass
class Entry(Generic[T]):
    name: str
    obj: T
    info: dict[str, Any] = field(default_factory=dict)


class Registry(Generic[T]):
    """Maps names to registered objects, with metadata per entry (e.g. `on_policy` for methods)."""

    def __init__(self, kind: str, load: Callable[[], None] | None = None) -> None:
        self.kind = kind
        self._load = load  # what imports this registry's entries (default: `discover`, everything)
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, **info: Any) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            existing = self._entries.get(name)
            if existing is not None and existing.obj is not obj:
                # Re-importing the same module (e.g. pytest's importer) re-registers an equal class.
                same = getattr(existing.obj, "__qualname__", None) == getattr(obj, "__qualname__", None) and (
                    getattr(existing.obj, "__module__", None) == getattr(obj, "__module__", None)
                )
                if not same:
                    raise ValueError(f"{self.kind} {name!r} is already registered by {existing.obj!r}")
            self._entries[name] = Entry(name, obj, dict(info))
            obj.registry_name = info.get("task_name", name)
            return obj

        return decorator

    def _discover(self) -> None:
        (self._load or discover)()  # only what this registry holds: listing tracks imports no task

    def entry(self, name: str) -> Entry[T]:
        self._discover()
        if name not in self._entries:
            raise UnknownNameError(self.unknown_message(name))
        return self._entries[name]

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def unknown_message(self, name: str) -> str:
        valid = sorted(self._entries)
        close = difflib.get_close_matches(str(name), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}; valid: {', '.join(valid)}.{hint}"

    def entries(self) -> list[Entry[T]]:
        self._discover()
        return [self._entries[k] for k in sorted(self._entries)]

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]


TASKS: Registry[Any] = Registry("task", load=lambda: discover_tasks())
METHODS: Registry[Any] = Registry("method", load=lambda: discover_methods())
TRACKS: Registry[Track] = Registry("track", load=lambda: discover_tracks())
BUILTIN_TRACKS = "razorbench.tasks"  # the package whose subpackages are the built-in tracks
BUILTIN_METHODS = "razorbench.methods"  # the package whose modules are the built-in methods


def register_track(track: Track) -> Track:
    """Register `track` under its name and return it (call it in the track package's `__init__.py`)."""
    existing = TRACKS._entries.get(track.name)
    if existing is not None and existing.obj != track:
        raise ValueError(f"track {track.name!r} is already registered by {existing.obj!r}")
    TRACKS._entries[track.name] = Entry(track.name, track)
    return track


def get_track(name: str | None = None) -> Track:
    """The track registered as `name` (None: the built-in default track); a one-line error lists the tracks."""
    discover_tracks()
    if name is None:
        name = default_track()
    if name not in TRACKS._entries:
        raise UnknownNameError(TRACKS.unknown_message(name))
    return TRACKS._entries[name].obj


def default_track() -> str:
    """The track a command uses when none is named: the one the built-in tracks package declares."""
    return importlib.import_module(BUILTIN_TRACKS).DEFAULT_TRACK


def register_task(name: str, *, track: str, **info: Any) -> Callable[[T], T]:
    """Class decorator: register a `razorbench.api.task.Task` subclass as `name` on `track`.

    Task names are unique per track (`science` exists on both the tiny and the paper track), so the
    registry key is `track/name`.
    """
    return TASKS.register(f"{track}/{name}", track=track, task_name=name, **info)


def get_task(name: str, track: str) -> Any:
    """The task class registered as `name` on `track`; a one-line error lists that track's tasks."""
    discover_tasks()
    key = f"{track}/{name}"
    if key in TASKS._entries:
        return TASKS._entries[key].obj
    get_track(track)  # an unknown track is named as such
    valid = sorted(e.info["task_name"] for e in TASKS._entries.values() if e.info["track"] == track)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownNameError(f"unknown task {name!r} on track {track!r}; valid: {', '.join(valid)}.{hint}")


def task_yaml(name: str, track: str) -> Path | None:
    """The YAML of the task's defaults on `track`: for a task `track` reuses from another track, the `defaults` its
    `reuse` YAML names (if any); else the YAML beside the task's file."""
    cls = get_task(name, track)
    defaults = TASKS._entries[f"{track}/{name}"].info.get("defaults")
    return Path(defaults) if defaults is not None else yaml_beside(cls)


def register_reused(track: Track) -> None:
    """Register on `track` the tasks of other tracks that its `reuse` YAML names, under their own names (the same
    classes), each with the `defaults` YAML the file gives (see `razorbench.api.track.Track.reuse`)."""
    import yaml

    if track.reuse is None:
        return
    path = Path(track.reuse)
    for group in yaml.safe_load(path.read_text()) or []:
        source = group["track"]
        defaults = str(path.parent / group["defaults"]) if group.get("defaults") else None
        for name in group["tasks"]:
            register = TASKS.register(
                f"{track.name}/{name}", track=track.name, task_name=name, reused_from=source, defaults=defaults
            )
            register(get_task(name, source))


def register_method(name: str, *, on_policy: bool, uses_negatives: bool, **info: Any) -> Callable[[T], T]:
    """Class decorator: register a `razorbench.api.method.RazorModule` subclass under `name`.

    Args:
        on_policy: the method trains on samples of the current policy.
        uses_negatives: the loss pushes down incorrect responses, not only up correct ones.
    """
    return METHODS.register(name, on_policy=on_policy, uses_negatives=uses_negatives, **info)


_tracks_discovered = False


def discover_tracks() -> None:
    """Import the track declarations once: each built-in track package, then the `razorbench.tracks` entry points."""
    global _tracks_discovered
    if _tracks_discovered:
        return
    _tracks_discovered = True
    package = importlib.import_module(BUILTIN_TRACKS)
    for module in pkgutil.iter_modules(package.__path__):
        if module.ispkg:
            importlib.import_module(f"{BUILTIN_TRACKS}.{module.name}")  # its __init__ registers the track
    for ep in entry_points(group="razorbench.tracks"):
        loaded = ep.load()  # a module that calls register_track, or a Track
        if isinstance(loaded, Track):
            register_track(loaded)


_tasks_discovered = False
_methods_discovered = False


def discover_tasks() -> None:
    """Import every track and the task modules each names, then the `razorbench.tasks` entry points, once, then
    register the tasks each track reuses. Task modules import no torch, so this is cheap."""
    global _tasks_discovered
    if _tasks_discovered:
        return
    _tasks_discovered = True
    discover_tracks()
    for entry in list(TRACKS._entries.values()):
        for module_name in entry.obj.tasks:
            importlib.import_module(module_name)  # its @register_task decorators run
    for ep in entry_points(group="razorbench.tasks"):
        ep.load()
    for entry in list(TRACKS._entries.values()):
        register_reused(entry.obj)  # after every track's own tasks: a track may reuse any of them


def discover_methods() -> None:
    """Import every module of `razorbench.methods`, then the `razorbench.methods` entry points, once."""
    global _methods_discovered
    if _methods_discovered:
        return
    _methods_discovered = True
    for module in method_modules():
        importlib.import_module(module)  # its @register_method decorator runs
    for ep in entry_points(group="razorbench.methods"):
        ep.load()


def method_modules() -> list[str]:
    """The built-in method modules (the repo's `methods/` folder), by import name."""
    package = importlib.import_module(BUILTIN_METHODS)
    return [f"{BUILTIN_METHODS}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]


def discover() -> None:
    """Import every track, task and method (built-in, then entry points), once."""
    discover_tasks()
    discover_methods()
