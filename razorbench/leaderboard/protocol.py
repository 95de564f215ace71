"""The leaderboard's standard protocol (`leaderboard/protocol.yaml`): per (track, task) the evaluation settings every
submission must use, the number of seeds, the task and base-model versions, the fixed target accuracies it is
ranked at, the tuning budget every method gets (the grid `razorbench leaderboard make` runs, or a submitter's own
grid of the same size) and the admissible hardware and precision.

Submissions of an archived version (`archived_versions`) are still checked and shown, but ranked apart from the
current version's: what they were tuned with differs.

`conformance` lists what a submission lacks, as (field, reason) pairs: `validation` turns them into its Problems,
so `razorbench submit` and `razorbench leaderboard validate` refuse the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_SEEDS = 3  # fewer seeds give no useful interval on a frontier, so no tie can be told from a difference
MIN_LEARNING_RATES = 2  # one rate ranks the submitter's choice of rate as much as the method
DEFAULT_PATH = Path("leaderboard") / "protocol.yaml"  # relative to the repository root, like `leaderboard/`


class ProtocolError(ValueError):
    """A protocol file that cannot be used, named with the bad field."""


@dataclass(frozen=True)
class TaskProtocol:
    """What the protocol fixes for one (track, task)."""

    version: int
    track: str
    task: str
    base_model: dict[str, str]
    seeds: int
    task_versions: dict[str, int]
    evaluation: dict[str, Any]
    targets: tuple[float, ...]
    grid: dict[str, Any]
    hardware: dict[str, list[str]]
    threads: int = 1
    """Torch threads a run is made and re-executed with: a reduction's order, and so its last bits, depends on it."""

    @property
    def learning_rates(self) -> int:
        """How many learning rates every method gets (its frontier is over all of them)."""
        return int(self.grid["learning_rates"])

    @property
    def curve_points(self) -> int:
        """Curve points per run (curve.every = steps // curve_points), the base as step 0 besides; 0: none asked
        for, the frontier is over each run's final point and the base."""
        return int(self.grid["curve_points"])

    def curve_every(self, steps: int) -> int:
        """The sparsest `curve.every` a run of `steps` steps may have (0: no curve points asked for)."""
        return max(1, steps // self.curve_points) if self.curve_points else 0

    def budget(self, method: str) -> int:
        """The step budget of `method`'s runs: the grid's, else the task's `default_steps`."""
        entry = self.grid.get("methods", {}).get(method)
        return int(entry["steps"]) if entry is not None else int(self.grid["default_steps"])

    def method_grid(self, method: str, default_lr: float) -> tuple[list[float], int]:
        """(learning rates, step budget) that `leaderboard make` runs for `method`; a method the grid does not list
        gets `default_lr` (its YAML's) times the grid's `own_rate_factors`."""
        entry = self.grid.get("methods", {}).get(method)
        if entry is not None:
            return [float(x) for x in entry["lr"]], int(entry["steps"])
        return [default_lr * float(f) for f in self.grid["own_rate_factors"]], int(self.grid["default_steps"])

    def overrides(self) -> list[str]:
        """The evaluation settings as `key=value` overrides of a run."""
        return [f"{k}={_override_value(v)}" for k, v in self.evaluation.items()]


def _override_value(value: Any) -> str:
    """A value as a run override reads it (YAML: a mapping's entries need the space after the colon).

    >>> _override_value(["a", "b"]), _override_value(None), _override_value(1.0), _override_value(False)
    ('[a,b]', 'null', '1.0', 'false')
    >>> _override_value({"copa": 100, "sciq": 80})
    '{copa: 100, sciq: 80}'
    """
    if isinstance(value, list):
        return "[" + ",".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_override_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else str(value)


@dataclass(frozen=True)
class Protocol:
    version: int
    tasks: dict[tuple[str, str], TaskProtocol]
    path: str
    archived: tuple[int, ...] = ()
    """Older versions whose submissions are still shown, ranked apart from the current version's."""

    def task(self, track: str, task: str) -> TaskProtocol:
        if (track, task) not in self.tasks:
            valid = ", ".join(f"{t}/{k}" for t, k in sorted(self.tasks))
            raise ProtocolError(f"{self.path} has no protocol for {track}/{task}; it has {valid}")
        return self.tasks[(track, task)]


def load_protocol(path: str | Path = DEFAULT_PATH) -> Protocol:
    """The protocol at `path`; ProtocolError naming the field when it is malformed."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no leaderboard protocol at {path}")
    data = yaml.safe_load(path.read_text())
    return parse_protocol(data, str(path))


def parse_protocol(data: Any, where: str = "protocol") -> Protocol:
    def need(obj: Any, key: str, kind: type, at: str) -> Any:
        if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
            raise ProtocolError(f"{where}: {at}{key}: missing or not a {kind.__name__}")
        return obj[key]

    version = need(data, "version", int, "")
    archived = tuple(int(v) for v in data.get("archived_versions", []))
    tasks = {}
    for track, t in need(data, "tracks", dict, "").items():
        at = f"tracks.{track}."
        seeds = need(t, "seeds", int, at)
        if seeds < MIN_SEEDS:
            raise ProtocolError(f"{where}: {at}seeds: {seeds}; a protocol asks for at least {MIN_SEEDS}")
        base = need(t, "base_model", dict, at)
        hardware = need(t, "hardware", dict, at)
        for key in ("device", "precision"):
            if not isinstance(hardware.get(key), list) or not hardware[key]:
                raise ProtocolError(f"{where}: {at}hardware.{key}: missing or not a non-empty list")
        threads = hardware.get("threads", 1)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ProtocolError(f"{where}: {at}hardware.threads: {threads!r}; a whole number of threads, at least 1")
        for task, p in need(t, "tasks", dict, at).items():
            at_task = f"{at}tasks.{task}."
            targets = tuple(float(x) for x in need(p, "targets", list, at_task))
            if not targets or list(targets) != sorted(set(targets)) or not all(0 < x < 1 for x in targets):
                raise ProtocolError(f"{where}: {at_task}targets: {list(targets)}; increasing accuracies in (0, 1)")
            grid = dict(need(p, "grid", dict, at_task))
            for key in ("learning_rates", "curve_points", "default_steps"):
                need(grid, key, int, f"{at_task}grid.")
            if grid["learning_rates"] < MIN_LEARNING_RATES:
                raise ProtocolError(f"{where}: {at_task}grid.learning_rates: at least {MIN_LEARNING_RATES}")
            if grid["curve_points"] < 0:
                raise ProtocolError(
                    f"{where}: {at_task}grid.curve_points: {grid['curve_points']}; 0 (none asked for) or more"
                )
            tasks[(track, task)] = TaskProtocol(
                version=version,
                track=track,
                task=task,
                base_model={"name": str(base.get("name", "")), "sha256": str(need(base, "sha256", str, at))},
                seeds=seeds,
                task_versions={str(k): int(v) for k, v in need(p, "task_versions", dict, at_task).items()},
                evaluation=dict(need(p, "evaluation", dict, at_task)),
                targets=targets,
                grid=grid,
                hardware={k: [str(v) for v in hardware[k]] for k in ("device", "precision")},
                threads=threads,
            )
    return Protocol(version=version, tasks=tasks, path=where, archived=archived)


def config_value(config: dict[str, Any], dotted: str) -> Any:
    """`config["a"]["b"]` for "a.b"; a missing key reads as the string "(missing)".

    >>> config_value({"eval": {"seed": 1}}, "eval.seed"), config_value({}, "eval.seed")
    (1, '(missing)')
    """
    value: Any = config
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return "(missing)"
        value = value[part]
    return value


def conformance(submission: dict[str, Any], protocol: Protocol) -> list[tuple[str, str]]:
    """What `submission` lacks to be ranked under `protocol`, as (field, reason); empty when it conforms."""
    from razorbench.analysis.analyze import configurations

    version = submission.get("protocol_version")
    if version != protocol.version and version not in protocol.archived:
        return [("protocol_version", f"{version!r}, but {protocol.path} is version {protocol.version}: make it again")]
    try:
        p = protocol.task(submission["track"], submission["task"])
    except ProtocolError as e:
        return [("task", str(e))]
    out = hardware_problems(submission["records"], p)
    if version == protocol.version:  # an archived version was tuned under its own (older) grid rule
        out += grid_problems(submission, p)
    if submission["base_model"]["sha256"] != p.base_model["sha256"]:
        out.append(
            (
                "base_model.sha256",
                f"{submission['base_model']['sha256'][:16]}…, but the protocol's base model is "
                f"{p.base_model['name']} {p.base_model['sha256'][:16]}…",
            )
        )
    versions = submission.get("task_versions", {})
    for name, expected in p.task_versions.items():
        if versions.get(name) != expected:
            out.append(
                (f"task_versions.{name}", f"{versions.get(name)!r}, but the protocol is {name} version {expected}")
            )
    records = submission["records"]
    for key, expected in p.evaluation.items():
        for i, r in enumerate(records):
            value = config_value(r["config"], key)
            if value != expected:
                out.append(
                    (f"records[{i}].config.{key}", f"{value!r}, but protocol v{p.version} evaluates with {expected!r}")
                )
                break  # one line per setting, naming the first run that differs
    seeds_of = {r["run_id"]: r["config"]["seed"] for r in records}
    fewest = min(configurations(records), key=lambda c: len({seeds_of[i] for i in c["run_ids"]}))
    n = len({seeds_of[i] for i in fewest["run_ids"]})
    if n < p.seeds:
        out.append(
            (
                "records",
                f"configuration of run {fewest['run_ids'][0]!r} has {n} seed(s); protocol v{p.version} asks for "
                f"{p.seeds} per configuration (`razorbench leaderboard make` runs them)",
            )
        )
    return out


def hardware_problems(records: list[dict[str, Any]], p: TaskProtocol) -> list[tuple[str, str]]:
    """Runs made on a device or at a precision the protocol does not admit (one line per kind, the first run)."""
    out = []
    fields = {"device": "provenance.device", "precision": "config.trainer.precision"}
    for key, read in (("device", lambda r: r["provenance"].get("device")), ("precision", _precision)):
        for i, r in enumerate(records):
            value = read(r)
            if not any(str(value).split(":")[0] == allowed for allowed in p.hardware[key]):
                admitted = ", ".join(p.hardware[key])
                out.append((f"records[{i}].{fields[key]}", f"{value!r}; protocol v{p.version} admits {key} {admitted}"))
                break
    return out


def _precision(record: dict[str, Any]) -> Any:
    return record["config"].get("trainer", {}).get("precision")


def grid_problems(submission: dict[str, Any], p: TaskProtocol) -> list[tuple[str, str]]:
    """What breaks the tuning budget: fewer learning rates than every method gets, a run longer than the budget, or
    curve points too sparse to read the frontier near each target."""
    records = submission["records"]
    rates = {float(r["config"].get("optim", {}).get("lr", 0.0)) for r in records}
    budget = p.budget(submission["method"]["name"])
    out = []
    if len(rates) < p.learning_rates:
        out.append(
            (
                "records",
                f"{len(rates)} learning rate(s); protocol v{p.version} gives every method {p.learning_rates} "
                "(`razorbench leaderboard make` runs them)",
            )
        )
    for i, r in enumerate(records):
        steps = int(r["config"].get("trainer", {}).get("max_steps", 0))
        every = int(r["config"].get("curve", {}).get("every") or 0)
        if steps > budget:
            out.append((f"records[{i}].config.trainer.max_steps", f"{steps}, over the budget of {budget} steps"))
            break
        sparsest = p.curve_every(steps)
        if sparsest and not 0 < every <= sparsest:  # with no curve points asked for, any (or none) is admitted
            out.append(
                (
                    f"records[{i}].config.curve.every",
                    f"{every or None}; protocol v{p.version} asks for a curve point every {sparsest} steps or more "
                    "often",
                )
            )
            break
    return out
