"""What a task is: examples with prompts and reference answers, and a check of a response's answer.

A *new* task is what a method trains on: its `train` split gives prompts (and reference answers for
offline methods), its `eval` split is held out, and `check` is both the evaluation metric and the RL
reward, so the two can never disagree (nanochat's `reward()` reuses `evaluate()` the same way).

A *prior* task is a capability the base model already has; razorbench scores it before and after
training. On the tiny track a prior is scored by greedy generation checked with `check`; tracks
with other scorers (lm-eval on the paper track) override `score`.

`check` was called `verify` (and `check_timeout`, `prepare_checker` were `verify_timeout`, `prepare_verifier`):
a task that still defines an old name works as before, with a DeprecationWarning. "Verify" now means one thing
only, the leaderboard's re-execution of a submission (`razorbench leaderboard verify`).

Every task lives in one file under its track's folder `tasks/<track>/` (plus YAML) and registers itself with
`@register_task(name, track=...)`.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from razorbench.api.checker import BoundedChecker
    from razorbench.api.policy import Policy
    from razorbench.api.sampler import Sampler


def yaml_beside(cls: type) -> Path | None:
    """The YAML file beside the file that defines `cls` (a task's or method's defaults), if there is one."""
    path = Path(inspect.getfile(cls)).with_suffix(".yaml")
    return path if path.is_file() else None


RENAMED = {"verify": "check", "verify_timeout": "check_timeout", "prepare_verifier": "prepare_checker"}
"""Old name -> new name of what a task defines: a subclass that defines an old name gets it under the new one too."""


@dataclass(frozen=True)
class Example:
    """One task item. `prompt` is the user message (the chat template is the policy's business)."""

    id: str
    prompt: str
    answer: str  # a reference answer: the SFT target; one of possibly many correct responses
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class TaskConfig:
    """Config keys every task understands (the `task:` section of a run config)."""

    priors: list[str] = field(default_factory=list)
    """Prior tasks (same track) scored before and after training; their mean drop is the forgetting."""
    data_dir: str | None = None
    """Local copy of the task's data; None loads the track's default source."""


@dataclass
class PriorScore:
    """A prior-task score with the per-example results behind it (kept so differences can be paired).

    A scorer that cannot score some documents as the benchmark defines them (a text longer than the model's
    context) leaves them out of `score` and `per_example` and names them in `skipped` (document -> why);
    `truncated` names the documents scored with part of their context cut, as the scorer does by design."""

    score: float
    per_example: dict[str, float]
    skipped: dict[str, str] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)


class Task:
    """Base class of all tasks. Subclasses set `kind` and `SPLITS` and implement `_examples` and `check`."""

    kind: ClassVar[str] = "new"  # "new" (trained on) or "prior" (retention is measured)
    chance: ClassVar[float | None] = (
        None  # score of random guessing (multiple-choice priors), for chance-adjusted forgetting
    )
    version: ClassVar[int] = 1
    registry_name: ClassVar[str] = ""
    Config: ClassVar[type] = TaskConfig
    SPLITS: ClassVar[tuple[str, ...]] = ()
    """The task's split names ("train" and "eval" for a new task, "eval" for a prior; tiny and toy tasks add
    "pretrain"): declared, not loaded, so a wrong name is refused before any data is read."""
    check_timeout: ClassVar[float] = 1.0
    """Seconds the check may spend on one response when a run scores it (`rewards`, `check_all`): past it the
    response is wrong, and counted in the record (`method_stats.checker`). A bound, not a budget: checks that
    finish in microseconds stay so."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for old, new in RENAMED.items():
            if old in vars(cls) and new not in vars(cls):  # a task written before the rename: it works as it did
                warnings.warn(
                    f"task class {cls.__qualname__} defines {old!r}, the old name of {new!r}: rename it to {new!r}",
                    DeprecationWarning,
                    stacklevel=2,
                )
                setattr(cls, new, vars(cls)[old])

    def __init__(self, config: Any = None) -> None:
        self.config = config if config is not None else self.Config()

    @property
    def name(self) -> str:
        return self.registry_name

    @classmethod
    def default_priors(cls, path: Path | None = None) -> list[str]:
        """The prior suite a YAML of the task's defaults declares (`task.priors`): `path`, else the YAML beside the
        task's file (a track that reuses the task may give it another: `razorbench.api.registry.task_yaml`)."""
        import yaml

        path = path or yaml_beside(cls)
        loaded = yaml.safe_load(path.read_text()) if path else None
        return list(((loaded or {}).get("task") or {}).get("priors") or [])

    def examples(self, split: str) -> list[Example]:
        """The examples of `split`, one of `SPLITS`, in the task's fixed order (a new list: callers may alter it)."""
        if split not in self.SPLITS:
            valid = ", ".join(sorted(self.SPLITS))
            raise ValueError(f"unknown split {split!r} for task {self.name!r}; valid: {valid}")
        return list(self._examples(split))

    def _examples(self, split: str) -> Sequence[Example]:
        """The examples of `split`, a name already checked against `SPLITS`; a task that loads or builds them
        once caches them here."""
        raise NotImplementedError

    def check(self, response: str, example: Example) -> bool:
        """True iff `response` is a correct answer to `example`."""
        raise NotImplementedError

    def verify(self, response: str, example: Example) -> bool:
        """Deprecated: the old name of `check`."""
        warnings.warn("Task.verify is deprecated: call Task.check", DeprecationWarning, stacklevel=2)
        return self.check(response, example)

    def reward(self, response: str, example: Example) -> float:
        """The RL reward: 1 for a response `check` accepts, else 0."""
        return float(self.check(response, example))

    # -- scoring many responses, each in bounded time ------------------------------------------------
    def rewards(self, responses: Sequence[str], examples: Sequence[Example]) -> list[float]:
        """`reward(response, example)` of each pair, computed in worker processes with at most `check_timeout`
        seconds per response (over it, or if the check fails: 0, counted); a slow response does not hold the
        others (`razorbench.api.checker`)."""
        return self.bounded_checker("reward", responses, examples, 0.0)

    def check_all(self, responses: Sequence[str], examples: Sequence[Example]) -> list[bool]:
        """`check(response, example)` of each pair, bounded as `rewards` is (over the bound: False, counted)."""
        return [bool(v) for v in self.bounded_checker("check", responses, examples, False)]

    @property
    def bounded_checker(self) -> BoundedChecker:
        """This task's `BoundedChecker` (its worker processes and counts), made on first use."""
        if self.__dict__.get("_bounded_checker") is None:
            from razorbench.api.checker import BoundedChecker

            self._bounded_checker = BoundedChecker(self)
        return self._bounded_checker

    def checker_stats(self, *, reset: bool = False) -> dict[str, Any] | None:
        """Counts of the responses scored through `rewards` / `check_all` (None if none were); `reset` starts
        the counts over after reading them."""
        checker = self.__dict__.get("_bounded_checker")
        stats = checker.stats() if checker is not None and checker.responses else None
        if checker is not None and reset:
            checker.reset()
        return stats

    def prepare_checker(self) -> None:
        """Set-up `check` needs, done once in the run's process before its checker workers start (they inherit
        it): e.g. importing a heavy library, so that no response's time bound pays for it."""

    def close_checker(self) -> None:
        """Stop this task's checker workers (the counts stay)."""
        checker = self.__dict__.get("_bounded_checker")
        if checker is not None:
            checker.close()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_bounded_checker", None)  # worker processes do not travel
        return state

    def score(self, policy: Policy, sampler: Sampler, *, limit: int | None, batch_size: int) -> PriorScore:
        """Prior-task score: the fraction of `eval` examples whose greedy response passes `check`.

        `policy` is the model being scored and `sampler` samples from it; a scorer that needs the model
        itself (lm-eval's log-likelihoods on the paper track) uses `policy`.
        """
        examples = self.examples("eval")[:limit]
        # Room for the longest reference answer (a character bounds a token) plus a little slack.
        max_new_tokens = max(len(e.answer) for e in examples) + 4
        responses: list[str] = []
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            out = sampler.generate([e.prompt for e in batch], n=1, max_new_tokens=max_new_tokens, greedy=True)
            responses.extend(out.texts)
        per_example = {e.id: float(v) for e, v in zip(examples, self.check_all(responses, examples), strict=True)}
        return PriorScore(sum(per_example.values()) / max(len(per_example), 1), per_example)
