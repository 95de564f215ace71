"""The house rules the layout promises (docs/contributing/layout.md): no import circle in razorbench/, tasks/,
methods/ or experiments/, every import pointing down or sideways in the order of the layers, tracks (tasks/) that
import only the api and util layers, no experiment inside the library, and a core that names no track and no task,
so that adding a track never means editing the core."""

from __future__ import annotations

import ast
from pathlib import Path

from razorbench.api.registry import TASKS, TRACKS

REPO = Path(__file__).resolve().parent.parent
# Folder -> the import name it installs as (tasks/ and methods/ are mapped under the razorbench namespace;
# experiments/ is not installed: it is imported from the repository's root).
PACKAGES = {
    "razorbench": "razorbench",
    "tasks": "razorbench.tasks",
    "methods": "razorbench.methods",
    "experiments": "experiments",
}


def _modules() -> dict[str, Path]:
    modules = {}
    for folder, package in PACKAGES.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The repository modules `path` imports anywhere (function bodies included; `if TYPE_CHECKING:` left out,
    as it never runs). `from package import name` counts as importing the submodule when there is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in known and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        # A package's own __init__ is imported on the way to any of its submodules: not an edge of the circle.
        graph[name] = {m for m in _imports(path, name, known) if not name.startswith(m + ".")}
    return graph


# The layers of docs/contributing/layout.md, bottom up: a module may import its own layer or a lower one, never a
# higher one. The longest matching prefix of a module's name gives its layer. The tracks' task and prior modules
# (razorbench.tasks.<track>.*) sit on the api's floor; the experiments (experiments.<track>.*) above every layer.
LAYERS = {
    "razorbench.util": 1,
    "razorbench": 2,  # the package's face: it hands on the api's names
    "razorbench.api": 2,
    "razorbench.tasks": 2,
    "razorbench.metrics": 3,
    "razorbench.sampling": 3,
    "razorbench.monitor": 4,
    "razorbench.runner": 5,
    "razorbench.methods": 5,
    "razorbench.launch": 6,
    "razorbench.analysis": 7,
    "razorbench.leaderboard": 8,
    "razorbench.cli": 9,
    "experiments": 10,
}
# What a track's modules (tasks/, razorbench.tasks) may import of the repository: the api, util, and tasks/ itself.
TASKS_IMPORT = ("razorbench.api", "razorbench.util", "razorbench.tasks")


def layer(module: str) -> int:
    """The layer of a module of razorbench/, tasks/, methods/ or experiments/: its longest prefix in `LAYERS`."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if (prefix := ".".join(parts[:n])) in LAYERS:
            return LAYERS[prefix]
    raise KeyError(module)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import from a module to one of a higher layer, as "importer (layer) -> imported (layer)"."""
    edges = [(a, b) for a, imported in graph.items() for b in imported]
    return sorted(f"{a} ({layer(a)}) -> {b} ({layer(b)})" for a, b in edges if layer(b) > layer(a))


def test_layers_follow_the_design_order():
    assert layer("razorbench.util.atomic") == 1
    assert layer("razorbench.tasks.tiny.science") == layer("razorbench.api.task") == 2
    assert layer("razorbench.launch.plan") < layer("razorbench.analysis.reproduction") < layer("razorbench.leaderboard")
    assert layer("razorbench.monitor.monitor") < layer("razorbench.runner.run") < layer("razorbench.cli.run")
    assert layer("experiments.tiny.reproduce") > layer("razorbench.cli.run")
    assert upward_imports({"razorbench.monitor.x": {"razorbench.runner.y"}, "razorbench.runner.y": set()}) == [
        "razorbench.monitor.x (4) -> razorbench.runner.y (5)"
    ]


def test_no_import_points_up_a_layer():
    """A task module importing the analysis layer, or the monitor importing the runner, fails here."""
    assert upward_imports(_graph()) == []


def imports_outside(graph: dict[str, set[str]], prefix: str, allowed: tuple[str, ...]) -> list[str]:
    """Every import of a module under `prefix` of a repository module outside `allowed` (each a package), as
    "importer -> imported"."""

    def inside(module: str, packages: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in packages)

    return sorted(f"{a} -> {b}" for a, imported in graph.items() if inside(a, (prefix,)) for b in imported
                  if not inside(b, allowed))  # fmt: skip


def test_tracks_import_only_the_api_and_util():
    """A track's task and prior modules (tasks/) stand on the api: what a run, an analysis or an experiment does is
    above them, so that a new task never needs the layers that run it (a shared piece goes down into api/ or util/)."""
    graph = _graph()
    assert any(m.startswith("razorbench.tasks.") for m in graph)
    assert imports_outside(graph, "razorbench.tasks", TASKS_IMPORT) == []
    bad = {"razorbench.tasks.t.x": {"razorbench.api.task", "razorbench.runner.run", "razorbench.tasks.t.y"}}
    assert imports_outside(bad, "razorbench.tasks", TASKS_IMPORT) == ["razorbench.tasks.t.x -> razorbench.runner.run"]


def test_no_experiment_lives_in_the_library():
    """Experiments (plans, measurements, report writers and their records) live in experiments/<track>/, not in
    razorbench/, tasks/ or methods/, and nothing there imports them (they are above every layer)."""
    folders = [p for folder in ("razorbench", "tasks", "methods") for p in (REPO / folder).rglob("experiments")]
    assert [str(p.relative_to(REPO)) for p in folders] == []
    graph = _graph()
    assert "experiments.tiny.reproduce" in graph
    library = [a for a in graph if not a.startswith("experiments")]
    assert [f"{a} -> {b}" for a in library for b in graph[a] if b.startswith("experiments")] == []


def test_the_graph_builder_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_razorbench_tasks_methods_or_experiments():
    graph = _graph()
    assert len(graph) > 60  # the builder found the repository's modules
    assert "razorbench.api.policy" in graph["razorbench.runner.run"]
    assert _cycles(graph) == []


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                ids.add(id(value))
    return ids


def _named(text: str, tracks: set[str], tasks: set[str]) -> str | None:
    """The track or task a string literal names: the whole string, or its first word or `track/...` prefix."""
    stripped = text.strip()
    for candidate in (stripped, stripped.split("/")[0], stripped.split(" ")[0]):
        if candidate in tracks or candidate in tasks:
            return candidate
    return None


def test_the_core_names_no_track_and_no_task():
    """Outside docstrings, no string in razorbench/ is a track's or a task's name: the core reaches tracks and
    tasks through the registry only (a default track is declared by the built-in tracks package, tasks/)."""
    tracks = {e.name for e in TRACKS.entries()}
    tasks = {e.info["task_name"] for e in TASKS.entries()}
    assert {"tiny", "toy", "paper"} <= tracks and {"science", "parity-mnist", "hellaswag"} <= tasks
    offending = []
    for path in sorted((REPO / "razorbench").rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                name = _named(node.value, tracks, tasks)
                if name:
                    offending.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert offending == []


def test_the_name_check_catches_a_switch_on_a_track():
    tracks, tasks = {"tiny", "toy"}, {"science"}
    assert _named("tiny", tracks, tasks) == "tiny"
    assert _named("tiny/science", tracks, tasks) == "tiny"
    assert _named("science", tracks, tasks) == "science"
    assert _named("a tiny model", tracks, tasks) is None
