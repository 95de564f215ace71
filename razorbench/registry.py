"""Task and method registries.

A task or method registers itself by decorator in its own file under `tasks/` or `methods/`::

    @register_task("science")
    class Science(Task): ...

    @register_method("rl", on_policy=True, uses_negatives=True)
    class GRPO(RazorModule): ...

`discover()` imports every module of the `razorbench.tasks` and `razorbench.methods` packages (the
repo's top-level `tasks/` and `methods/` folders, mapped under the razorbench namespace by
pyproject.toml) and every entry point in the groups `razorbench.tasks` / `razorbench.methods`, so a
third-party package can add either without touching this repo. A name collision raises; an unknown
name raises `UnknownNameError` with the valid names and the closest match.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

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

    def __init__(self, kind: str) -> None:
        self.kind = kind
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

    def entry(self, name: str) -> Entry[T]:
        discover()
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
        discover()
        return [self._entries[k] for k in sorted(self._entries)]

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]


TASKS: Registry[Any] = Registry("task")
METHODS: Registry[Any] = Registry("method")


def register_task(name: str, *, track: str = "tiny", **info: Any) -> Callable[[T], T]:
    """Class decorator: register a `razorbench.task.Task` subclass as `name` on `track`.

    Task names are unique per track (`science` exists on both the tiny and the paper track), so the
    registry key is `track/name`.
    """
    return TASKS.register(f"{track}/{name}", track=track, task_name=name, **info)


def get_task(name: str, track: str = "tiny") -> Any:
    """The task class registered as `name` on `track`; a one-line error lists that track's tasks."""
    discover()
    key = f"{track}/{name}"
    if key in TASKS._entries:
        return TASKS._entries[key].obj
    tracks = sorted({e.info["track"] for e in TASKS._entries.values()})
    if track not in tracks:
        raise UnknownNameError(f"unknown track {track!r}; valid: {', '.join(tracks)}.")
    valid = sorted(e.info["task_name"] for e in TASKS._entries.values() if e.info["track"] == track)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownNameError(f"unknown task {name!r} on track {track!r}; valid: {', '.join(valid)}.{hint}")


def register_method(name: str, *, on_policy: bool, uses_negatives: bool, **info: Any) -> Callable[[T], T]:
    """Class decorator: register a `razorbench.module.RazorModule` subclass under `name`.

    Args:
        on_policy: the method trains on samples of the current policy.
        uses_negatives: the loss pushes down incorrect responses, not only up correct ones.
    """
    return METHODS.register(name, on_policy=on_policy, uses_negatives=uses_negatives, **info)


_discovered = False


def discover() -> None:
    """Import every task and method module once (built-in folders, then entry points)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for package_name in ("razorbench.tasks", "razorbench.methods"):
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package_name}.{module.name}")
    for group in ("razorbench.tasks", "razorbench.methods"):
        for ep in entry_points(group=group):
            ep.load()  # loading the module runs its @register_* decorators
