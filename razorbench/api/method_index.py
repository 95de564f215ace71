"""Each method's registration (name, on-policy, negatives, data) read without importing it.

A method module imports Lightning (seconds), so `razorbench list methods` reads the `@register_method(...)`
decorators from the built-in method files' source instead; a decorator whose arguments are not literals, and a
method added by an entry point, is imported. The registry stays the one source of truth: this reads the same
decorator calls that registering runs (a test holds the two equal).
"""

from __future__ import annotations

import ast
import importlib.util
from importlib.metadata import entry_points
from typing import Any


def _literal_registrations(source: str) -> list[dict[str, Any]] | None:
    """The keyword arguments (and "name") of every `@register_method(...)` in `source`, or None when one is not
    made of literals."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "register_method":
                try:
                    info = {k.arg: ast.literal_eval(k.value) for k in deco.keywords}
                    info["name"] = ast.literal_eval(deco.args[0])
                except (ValueError, IndexError, TypeError):
                    return None
                found.append(info)
    return found


def method_infos() -> list[dict[str, Any]]:
    """Every registered method's {"name", "on_policy", "uses_negatives", "data", ...}, sorted by name."""
    from razorbench.api.registry import METHODS, method_modules

    infos: list[dict[str, Any]] = []
    imported = False
    for module in method_modules():
        spec = importlib.util.find_spec(module)
        found = _literal_registrations(spec.loader.get_source(module)) if spec and spec.loader else None
        if found is None:
            importlib.import_module(module)
            imported = True
        else:
            infos.extend(found)
    if imported or list(entry_points(group="razorbench.methods")):
        static = {i["name"] for i in infos}
        infos.extend({"name": e.name, **e.info} for e in METHODS.entries() if e.name not in static)
    return sorted(infos, key=lambda i: i["name"])
